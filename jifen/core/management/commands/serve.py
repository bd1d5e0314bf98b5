from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


def serve(*, host: str, port: int, threads: int, stdout: Any) -> None:
    """Serve with waitress, a production WSGI server that also runs on a clerk's Windows laptop."""
    from waitress import serve as waitress_serve

    from jifen.wsgi import application

    stdout.write(f"jifen 已启动 / serving on http://{host}:{port}/  (Ctrl+C 停止 / to stop)\n")
    stdout.flush()
    waitress_serve(application, host=host, port=port, threads=threads, ident="jifen", clear_untrusted_proxy_headers=True)


class Command(BaseCommand):
    help = "用生产级 WSGI 服务器启动网站 / serve the site with a production WSGI server (waitress)"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)

    def handle(self, *args: Any, **options: Any) -> None:
        serve(host=options["host"], port=options["port"], threads=options["threads"], stdout=self.stdout)
