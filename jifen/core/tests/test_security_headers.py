import re

import pytest
from django.test import Client

from jifen.core.middleware import content_security_policy


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/api/v1/openapi.json", "/api/v1/docs", "/api/v1/no-such"])
def test_every_response_carries_the_security_headers(path):
    response = Client().get(path)
    policy = response["Content-Security-Policy"]
    nonce = re.search(r"'nonce-([^']+)'", policy).group(1)
    assert policy == content_security_policy(nonce)
    assert "'unsafe-inline'" not in policy and "'unsafe-eval'" not in policy and "*" not in policy
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Permissions-Policy"].startswith("camera=(self)")


@pytest.mark.django_db
def test_each_response_gets_a_fresh_nonce_and_htmx_stays_within_the_policy():
    first, second = Client().get("/login/"), Client().get("/login/")
    nonces = [re.search(r"'nonce-([^']+)'", r["Content-Security-Policy"]).group(1) for r in (first, second)]
    assert nonces[0] != nonces[1] and len(nonces[0]) >= 16
    # htmx would otherwise inject a <style> element and may eval: both are refused by the policy.
    page = first.content.decode()
    assert '"includeIndicatorStyles": false' in page and '"allowEval": false' in page
