"""Nothing is loaded from another site: scripts, styles and fonts are our own static files."""

from __future__ import annotations

import re
from pathlib import Path

from django.conf import settings

JIFEN = Path(settings.PACKAGE_DIR)
EXTERNAL = r"(?:https?:)?//"
# Loads in templates: <script src>, <link href> (stylesheets, fonts, icons), <img src>, <iframe src>, CSS url()/@import.
TEMPLATE_LOADS = re.compile(
    rf"<(?:script|link|img|iframe|source|video|audio|embed)\b[^>]*\b(?:src|href|srcset)\s*=\s*[\"']?\s*{EXTERNAL}"
    rf"|url\(\s*[\"']?\s*{EXTERNAL}|@import\s+[\"']?\s*(?:url\()?\s*[\"']?{EXTERNAL}",
    re.I,
)
URL = re.compile(r"https?://[^\s\"'()<>\\]+")
# URLs inside the vendored libraries that are names, not loads: XML namespaces and licence links.
NOT_LOADS = re.compile(r"^https?://(www\.w3\.org/|www\.apache\.org/licenses/|github\.com/[^/]+/[^/]+/blob/[^/]+/LICENSE)")


def scan_template(text: str) -> list[str]:
    return [m.group(0) for m in TEMPLATE_LOADS.finditer(text)]


def scan_static(text: str) -> list[str]:
    return [url for url in URL.findall(text) if not NOT_LOADS.match(url)]


def test_the_scanners_catch_external_loads():
    assert scan_template('<script src="https://cdn.example.com/htmx.js"></script>')
    assert scan_template("<link rel=stylesheet href='//fonts.example.com/css'>")
    assert scan_template("<style>@import url(https://x.example/a.css);</style>")
    assert scan_template('<p style="background:url(http://x.example/a.png)">')
    assert not scan_template('<a href="https://example.org/about">about</a><script src="/static/x.js"></script>')
    assert scan_static("@font-face { src: url(https://fonts.example.com/a.woff2) }")
    assert not scan_static('createElementNS("http://www.w3.org/2000/svg")')


def test_no_template_loads_anything_from_another_site():
    templates = sorted(JIFEN.glob("*/templates/**/*.html"))
    assert templates
    found = {str(p.relative_to(JIFEN)): scan_template(p.read_text(encoding="utf-8")) for p in templates}
    assert {k: v for k, v in found.items() if v} == {}


def test_no_static_script_or_style_loads_anything_from_another_site():
    files = sorted(p for p in JIFEN.glob("*/static/**/*") if p.suffix in (".js", ".css", ".html", ".svg"))
    assert any(p.name == "htmx.min.js" for p in files) and any(p.name == "echarts.min.js" for p in files)
    found = {str(p.relative_to(JIFEN)): scan_static(p.read_text(encoding="utf-8", errors="replace")) for p in files}
    assert {k: v for k, v in found.items() if v} == {}


def test_vendored_libraries_carry_their_licences():
    vendor = JIFEN / "web" / "static" / "vendor"
    for name in ("htmx/LICENSE", "echarts/LICENSE", "echarts/NOTICE", "README.md"):
        assert (vendor / name).stat().st_size > 100 or name == "echarts/NOTICE"
    readme = (vendor / "README.md").read_text()
    assert "htmx.org" in readme and "echarts" in readme and "scripts/vendor-static" in readme
