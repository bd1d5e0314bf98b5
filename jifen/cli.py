"""The `jifen` console command: every operator task, one word each.

`jifen --help` lists the commands of the jifen apps with their Chinese and English help;
any other Django management command (check, shell, createsuperuser …) passes through.
"""

from __future__ import annotations

import os
import sys

from jifen.conf import ConfigError

# Django's own commands an operator needs, with our bilingual help.
BUILTIN_HELP = {
    "migrate": "创建或升级数据库表 / create or upgrade the database tables",
    "createsuperuser": "创建平台管理员账号 / create a platform administrator account",
    "check": "检查配置（--deploy 检查生产配置） / check the configuration (--deploy for production)",
    "shell": "交互式 Python（运维排障用） / interactive Python shell for troubleshooting",
}


def _jifen_commands() -> dict[str, str]:
    import django
    from django.core.management import get_commands, load_command_class

    django.setup()
    found: dict[str, str] = {}
    for name, app in sorted(get_commands().items()):
        if app.startswith("jifen."):
            command = load_command_class(app, name)
            found[name] = (command.help or "").strip().splitlines()[0] if command.help else ""
    for name, text in BUILTIN_HELP.items():
        found.setdefault(name, text)
    return dict(sorted(found.items()))


def print_help() -> None:
    print("jifen — 积分制管理平台 / points-based management platform\n")
    print("用法 / usage: jifen <命令/command> [选项/options]    jifen <命令> --help\n")
    commands = _jifen_commands()
    width = max(len(name) for name in commands)
    for name, text in commands.items():
        print(f"  {name.ljust(width)}  {text}")
    print("\n环境变量 / environment: DATABASE_URL (默认/default sqlite:///var/jifen.sqlite3), "
          "JIFEN_DATA_DIR, JIFEN_SECRET_KEY, JIFEN_DEBUG, JIFEN_HTTPS")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jifen.settings")
    try:
        if not args or args[0] in {"-h", "--help", "help"}:
            print_help()
            return 0
        if args[0] == "--version":
            from jifen import __version__

            print(__version__)
            return 0
        from django.core.management import execute_from_command_line

        execute_from_command_line(["jifen", *args])
    except ConfigError as exc:
        print(f"配置错误 / configuration error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
