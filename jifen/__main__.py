from jifen.cli import main

raise SystemExit(main())
