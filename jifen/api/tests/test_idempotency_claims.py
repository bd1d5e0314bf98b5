"""One Idempotency-Key sent 20 times at once to a claims write, through a real server with a
connection per request: one claim, one audit row, every success the same answer."""

from __future__ import annotations

import datetime as dt
import json
import threading
import urllib.error
import urllib.request

import pytest

from jifen.api.services import api_token_create
from jifen.claims.models import Claim, ClaimEvent
from jifen.claims.testing import claims_setup
from jifen.core import clock
from jifen.core.models import AuditEvent
from jifen.orgs.testing import build_world

KEY = "declare-parallel-0001"


def send_all(url, headers, body, times=20):
    barrier = threading.Barrier(times)
    answers = []

    def send():
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answers.append((response.status, response.read()))
        except urllib.error.HTTPError as error:
            answers.append((error.code, error.read()))

    threads = [threading.Thread(target=send) for _ in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    return answers


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_parallel_declarations_with_one_key_make_one_claim(live_server, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    setup = claims_setup(build_world())
    w = setup.world
    _, secret = api_token_create(actor=w.member, user=w.member, name="load")
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json", "Idempotency-Key": KEY}
    occurred = (clock.now() - dt.timedelta(hours=1)).isoformat()
    body = {"scheme_id": setup.scheme.pk, "subject_id": w.zhangsan.subject_id, "item_id": setup.mediate.pk, "points": 20,
            "occurred_at": occurred, "description": "调解邻里纠纷", "place": "沙河村"}
    answers = send_all(live_server.url + "/api/v1/claims", headers, json.dumps(body).encode())

    assert len(answers) == 20
    statuses = [status for status, _ in answers]
    assert set(statuses) <= {201, 409}, statuses
    created = {content for status, content in answers if status == 201}
    assert len(created) == 1  # every success is the first answer, or its replay
    claim = Claim.objects.get()
    assert json.loads(created.pop())["id"] == claim.pk
    assert ClaimEvent.objects.filter(claim=claim).count() == 1
    assert AuditEvent.objects.filter(action="claims.claim_declare").count() == 1

    changed = json.dumps({**body, "points": 30}).encode()
    request = urllib.request.Request(live_server.url + "/api/v1/claims", data=changed, method="POST", headers=headers)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    assert refused.value.code == 422
    assert json.loads(refused.value.read())["code"] == "idempotency_mismatch"
    assert Claim.objects.count() == 1
