"""schemathesis against /api/v1/openapi.json with all its checks, as an org admin and a member.

Every operation gets generated requests — valid and invalid ones, with ids drawn at random and
with ids pinned to real objects — sent through the WSGI application. Each response must pass
every schemathesis check: no 5xx, status codes, content types, headers and bodies as documented,
invalid input refused, valid input accepted, authentication not ignored.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation import GenerationMode

from jifen.api.models import ApiToken
from jifen.api.services import api_token_create
from jifen.api.tests.canaries import seed_claims
from jifen.api.tests.schemathesis_hooks import fresh_key
from jifen.orgs.testing import build_world

CONFIG = schemathesis.config.SchemathesisConfig.from_dict({
    "checks": {
        # 422 answers business rules a JSON Schema cannot express (an ID number's check digit, a
        # household's grid inside its village), naming the field: valid-looking input may get it.
        # 429: public objections are limited per address, and a fuzzer sends many.
        "positive_data_acceptance": {"expected-statuses": ["2xx", "401", "403", "404", "409", "422", "429"]},
    },
})
EXAMPLES = {GenerationMode.POSITIVE: 4, GenerationMode.NEGATIVE: 2}


@pytest.fixture
def wsgi_in_test_transaction():
    # Django's own test client does the same: the request cycle must not close the connection
    # that holds the test's transaction.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def pinned_ids(world, caller, claims=None):
    """Path ids pinned to real objects the caller may reach (claims: the member's own, seeded
    by `seed_claims`, which every caller here may see)."""
    extra = {f"{kind}_id": pk for kind, pk in (claims or {}).items() if kind != "noticed_claim"}
    if caller == world.member:
        return {"person_id": world.zhangsan.pk, "household_id": world.household.pk, "org_id": world.shahe.pk,
                "user_id": world.member.pk, "token_id": 1, "unit_id": 1, "binding_id": 1, **extra}
    return {"person_id": world.wangwu.pk, "household_id": world.neighbour_household.pk, "org_id": world.shahe_grid2.pk,
            "user_id": world.member.pk, "token_id": 1, "unit_id": 1, "binding_id": 1, **extra}


def run_examples(strategy, count, token, label, failures, statuses):
    """Send `count` generated cases; collect every failure rather than stop (or shrink) at one."""
    sent = 0
    headers = {"Authorization": f"Bearer {token[1]}"}

    @settings(max_examples=count, deadline=None, database=None, derandomize=True,
              phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        nonlocal sent
        sent += 1
        fresh_key(case)
        try:
            response = case.call_and_validate(headers=headers)
            statuses.append(response.status_code)
        except (Exception, BaseExceptionGroup) as exc:
            failures.append(f"{label}: {str(exc)[:1500]}")
        # A case may revoke the caller's own token (ids are drawn at random); the caller signs
        # in again, so that later cases are not all answered 401.
        ApiToken.objects.filter(pk=token[0].pk).update(revoked_at=None)

    try:
        run()
    except Unsatisfiable:
        # Invalid input cannot be made for this operation (a public one with its ids pinned
        # has nothing left to break): there is no case to send.
        assert sent == 0
    return sent


def fuzz(app, caller, pinned, *, only=None, examples=None):
    token = api_token_create(actor=caller, user=caller, name="schemathesis")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app, config=CONFIG)
    cases, failures, statuses = 0, [], []
    for result in schema.get_all_operations():
        operation = result.ok()
        if only is not None and operation.path != only:
            continue
        path_names = {p.name for p in operation.path_parameters}
        variants = [None]
        if pinned_here := {k: v for k, v in pinned.items() if k in path_names}:
            variants.append(pinned_here)
        for mode, count in (examples or EXAMPLES).items():
            for path_parameters in variants:
                strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters)
                label = f"{operation.label} [{mode.value}{', pinned ids' if path_parameters else ''}]"
                cases += run_examples(strategy, count, token, label, failures, statuses)
    # The run is only worth something if the caller stayed signed in and got past validation.
    assert statuses.count(401) == 0, "cases answered 401: the caller lost their credentials"
    assert len([s for s in statuses if 200 <= s < 300]) >= cases // 10, sorted(statuses)
    return cases, failures


@pytest.mark.slow
def test_schemathesis_finds_nothing_as_admin_and_as_member(world, wsgi_in_test_transaction):
    claims, _ = seed_claims(world, org=world.shahe, person=world.zhangsan, user=world.member, tag="甲", mobile="13366666663")
    total = 0
    for caller in (world.admin, world.member):
        cases, failures = fuzz(wsgi_in_test_transaction, caller, pinned_ids(world, caller, claims))
        assert failures == [], "\n\n".join(failures[:10])
        total += cases
    print(f"schemathesis: {total} generated cases, 0 failures")
    assert total >= 1000, total


def test_the_fuzzing_reports_a_response_that_breaks_the_schema(world, wsgi_in_test_transaction, monkeypatch):
    """The checks are live: document /me's username as an integer and the run must complain."""
    from jifen.api.main import JifenAPI

    original = JifenAPI.get_openapi_schema

    def misdocumented(self, **kwargs):
        schema = original(self, **kwargs)
        schema["components"]["schemas"]["MeOut"]["properties"]["username"] = {"type": "integer"}
        return schema

    monkeypatch.setattr(JifenAPI, "get_openapi_schema", misdocumented)
    cases, failures = fuzz(wsgi_in_test_transaction, world.admin, {}, only="/api/v1/me",
                           examples={GenerationMode.POSITIVE: 3})
    assert cases == 3
    assert failures and all("Response violates schema" in f and '"admin" is not of type "integer"' in f for f in failures)


CLI_CONFIG = """
[checks.positive_data_acceptance]
expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]
"""


@pytest.mark.slow
@pytest.mark.skipif(
    not django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql"),
    reason="run once, on PostgreSQL (the stricter database); the in-process run above covers SQLite too",
)
@pytest.mark.django_db(transaction=True)
def test_schemathesis_cli_all_phases_all_checks_against_a_live_server(live_server, tmp_path):
    """`st run --checks all` as CI would: examples, coverage, fuzzing and stateful phases.

    As the org admin, who reaches every operation's logic (the member's reach is covered by the
    in-process run above; the coverage phase alone sends ~2,000 requests per caller). Revoking tokens is left to the in-process run above, which can re-enable the caller's
    token; here a drawn token id could revoke the token the run itself signs in with.
    """
    world = build_world()
    config = tmp_path / "schemathesis.toml"
    config.write_text(CLI_CONFIG)
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "jifen.api.tests.schemathesis_hooks", "PYTHONUNBUFFERED": "1"}
    generated = 0
    for caller in (world.admin,):
        _, secret = api_token_create(actor=caller, user=caller, name="st run")
        result = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "st"), "--config-file", str(config), "--no-color", "run",
             live_server.url + "/api/v1/openapi.json", "--checks", "all", "--max-examples", "2", "--seed", "20261125",
             "--generation-deterministic", "--exclude-path-regex", "/revoke$", "--workers", "1",
             "-H", f"Authorization: Bearer {secret}"],
            capture_output=True, text=True, timeout=1500, env=env, cwd=tmp_path,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-6000:]
        counts = re.search(r"(\d+) generated, (\d+) passed", output)
        assert counts and counts.group(1) == counts.group(2), output[-3000:]
        # A failed check is counted as "N failed"; the summary's warnings may say "Authentication
        # failed" for /ledger/verify, which is for platform admins only and answers the org admin 403.
        assert re.search(r"\b\d+ failed\b", output.split("SUMMARY")[-1]) is None, output[-3000:]
        generated += int(counts.group(1))
        assert ApiToken.objects.get(token_hash__isnull=False, name="st run", user=caller).revoked_at is None
    print(f"st run: {generated} generated cases, all checks passed")
