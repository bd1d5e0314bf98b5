"""`jifen check --deploy` passes with production settings; the same check fails without HTTPS."""

import os
import secrets
import subprocess
import sys


def run_check(tmp_path, **env):
    environment = {
        k: v for k, v in os.environ.items() if not k.startswith(("JIFEN_", "DJANGO_")) and k != "DATABASE_URL"
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="jifen.settings", JIFEN_DATA_DIR=str(tmp_path), JIFEN_DEBUG="false",
        JIFEN_SECRET_KEY=secrets.token_urlsafe(60), JIFEN_ALLOWED_HOSTS="jifen.example.org", **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "jifen", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment, capture_output=True, text=True, timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = run_check(tmp_path, JIFEN_HTTPS="true")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_without_https_check_deploy_names_the_gaps(tmp_path):
    result = run_check(tmp_path, JIFEN_HTTPS="false")
    assert result.returncode != 0
    for issue in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert issue in result.stderr + result.stdout
