import datetime as dt
import json
import threading
import urllib.error
import urllib.request

import pytest
from django.core.management import call_command

from jifen.api.idempotency import KEEP_FOR, STALE_AFTER, prune_idempotency_records
from jifen.api.models import IdempotencyRecord
from jifen.api.services import api_token_create
from jifen.core import clock
from jifen.core.models import AuditEvent
from jifen.orgs.models import Person
from jifen.orgs.testing import build_world

KEY = "retry-key-0001"


def new_person(world, name="新村民"):
    return {"org_id": world.shahe_grid2.pk, "name": name}


def test_a_retry_replays_the_first_answer_without_writing_again(as_user, world):
    client = as_user(world.admin)
    first = client.post("/people", new_person(world), key=KEY)
    second = client.post("/people", new_person(world), key=KEY)
    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true"
    assert Person.objects.filter(name="新村民").count() == 1
    assert AuditEvent.objects.filter(action="orgs.person_create", object_id=str(first.json()["id"])).count() == 1


def test_the_same_key_with_another_body_is_refused(as_user, world):
    client = as_user(world.admin)
    client.post("/people", new_person(world), key=KEY)
    response = client.post("/people", new_person(world, "另一人"), key=KEY)
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_mismatch"
    assert response.json()["detail"][0]["field"] == "Idempotency-Key"
    assert not Person.objects.filter(name="另一人").exists()


def test_the_same_key_on_another_path_is_refused(as_user, world):
    client = as_user(world.admin)
    client.post("/people", new_person(world), key=KEY)
    response = client.post("/units", {"org_id": world.shahe.pk, "name": "小卖部"}, key=KEY)
    assert response.status_code == 422
    assert response.json()["code"] == "idempotency_mismatch"


def test_every_write_needs_a_well_formed_key(as_user, world):
    client = as_user(world.admin)
    for key, message in ((None, "每次写操作必填"), ("short", "8–100 位字母、数字或 _ . : -"), ("has space in it", "8–100 位字母、数字或 _ . : -")):
        response = client.post("/people", new_person(world), key=key)
        assert response.status_code == 422
        assert response.json()["detail"] == [{"field": "Idempotency-Key", "message": message}]
    assert not Person.objects.filter(name="新村民").exists()


def test_a_request_still_running_answers_409(as_user, world):
    client = as_user(world.admin)
    client.post("/people", new_person(world), key=KEY)
    IdempotencyRecord.objects.filter(key=KEY).update(state=IdempotencyRecord.State.RUNNING, created_at=clock.now())
    response = client.post("/people", new_person(world), key=KEY)
    assert response.status_code == 409
    assert response.json()["code"] == "idempotency_in_progress"
    assert Person.objects.filter(name="新村民").count() == 1


def test_a_claim_left_by_a_dead_request_is_taken_over(as_user, world):
    client = as_user(world.admin)
    client.post("/people", new_person(world), key=KEY)
    Person.objects.filter(name="新村民").update(name="旧")
    IdempotencyRecord.objects.filter(key=KEY).update(
        state=IdempotencyRecord.State.RUNNING, created_at=clock.now() - STALE_AFTER - dt.timedelta(seconds=1)
    )
    response = client.post("/people", new_person(world), key=KEY)
    assert response.status_code == 201
    assert IdempotencyRecord.objects.get(key=KEY).state == IdempotencyRecord.State.DONE


def test_a_refused_request_frees_its_key_and_writes_nothing(as_user, world):
    client = as_user(world.admin)
    bad = client.post("/people", {**new_person(world), "id_number": "420881198001010000"}, key=KEY)
    assert bad.status_code == 422
    assert not IdempotencyRecord.objects.filter(key=KEY).exists()
    good = client.post("/people", new_person(world), key=KEY)
    assert good.status_code == 201


def test_keys_belong_to_their_user(as_user, world):
    assert as_user(world.admin).post("/people", new_person(world, "甲"), key=KEY).status_code == 201
    response = as_user(world.reviewer).post("/people", new_person(world, "甲"), key=KEY)
    assert response.status_code == 403  # ran as the reviewer, not a replay of the admin's answer
    assert Person.objects.filter(name="甲").count() == 1


def test_tick_forgets_answers_after_a_week(as_user, world):
    as_user(world.admin).post("/people", new_person(world), key=KEY)
    assert prune_idempotency_records(now=clock.now() + KEEP_FOR - dt.timedelta(minutes=1)).startswith("删除 0 条")
    assert IdempotencyRecord.objects.count() == 1
    call_command("tick", now=(clock.now() + KEEP_FOR + dt.timedelta(minutes=1)).isoformat())
    assert IdempotencyRecord.objects.count() == 0


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_parallel_requests_with_one_key_write_once(live_server):
    world = build_world()
    _, secret = api_token_create(actor=world.admin, user=world.admin, name="load")
    url = live_server.url + "/api/v1/people"
    headers = {"Authorization": f"Bearer {secret}", "Content-Type": "application/json", "Idempotency-Key": KEY}
    body = json.dumps({"org_id": world.shahe_grid2.pk, "name": "并发村民"}).encode()
    barrier = threading.Barrier(20)
    answers = []

    def send():
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)
        barrier.wait()
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                answers.append((response.status, response.read()))
        except urllib.error.HTTPError as error:
            answers.append((error.code, error.read()))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)

    assert len(answers) == 20
    statuses = [status for status, _ in answers]
    assert set(statuses) <= {201, 409}, statuses
    created = {content for status, content in answers if status == 201}
    assert len(created) == 1  # every 201 is the same answer, first or replayed
    assert Person.objects.filter(name="并发村民").count() == 1
    assert AuditEvent.objects.filter(action="orgs.person_create", object_id=str(json.loads(created.pop())["id"])).count() == 1

    changed = json.dumps({"org_id": world.shahe_grid2.pk, "name": "别的村民"}).encode()
    request = urllib.request.Request(url, data=changed, method="POST", headers=headers)
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=60)
    assert refused.value.code == 422
    assert json.loads(refused.value.read())["code"] == "idempotency_mismatch"
    assert not Person.objects.filter(name="别的村民").exists()
