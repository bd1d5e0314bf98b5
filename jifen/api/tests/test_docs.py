import json
import re
import shutil
import subprocess

import pytest
from django.contrib.staticfiles import finders
from django.test import Client

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//|https?://""", re.I)


def test_openapi_document_is_served_without_signing_in(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/people" in schema["paths"]


def test_docs_page_references_no_external_url(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    page = response.content.decode()
    assert EXTERNAL.findall(page) == []
    assets = re.findall(r"""(?:src|href)="/static/([^"]+)\"""", page)
    assert {"ninja/swagger-ui-bundle.js", "ninja/swagger-ui-init.js", "ninja/swagger-ui.css"} <= set(assets)
    for asset in assets:
        assert finders.find(asset), asset  # served from our own static files, not a CDN
    settings = json.loads(re.search(r'id="swagger-settings">(.*?)</script>', page, re.S).group(1))
    assert settings["validatorUrl"] is None  # Swagger UI would otherwise call validator.swagger.io
    assert settings["url"] == "/api/v1/openapi.json"


@pytest.mark.browser
@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium (scripts/ensure-system-deps)")
def test_docs_render_in_chromium_under_our_content_security_policy(live_server, tmp_path):
    result = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--enable-logging=stderr", "--v=1",
         f"--user-data-dir={tmp_path}", "--virtual-time-budget=10000", "--dump-dom", live_server.url + "/api/v1/docs"],
        capture_output=True, text=True, timeout=120,
    )
    assert 'data-path="/api/v1/people"' in result.stdout  # Swagger UI ran and drew the operations
    assert "Content Security Policy" not in result.stderr
