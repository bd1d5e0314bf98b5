"""Settings for the test suite: the real settings with a throwaway data directory."""

import os
import tempfile

os.environ["JIFEN_TESTING"] = "1"
os.environ.setdefault("JIFEN_DATA_DIR", tempfile.mkdtemp(prefix="jifen-test-"))
os.environ.setdefault("JIFEN_SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 20)

from jifen.settings import *  # noqa: E402,F403
from jifen.settings import DATA_DIR, DATABASES  # noqa: E402

if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # A file, not memory: concurrency tests need WAL and several connections.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}

AXES_ENABLED = False

