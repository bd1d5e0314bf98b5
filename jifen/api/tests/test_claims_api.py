"""Claims through the API, end to end: upload, declare, pre-approve, review, notice, public
objection, second check, meetings, slips, activities, and what each viewer may see."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from jifen.claims import evidence as evidence_module
from jifen.claims.models import Claim, ClaimState, Evidence, Objection
from jifen.claims.testing import claims_setup, local, photo
from jifen.core import clock
from jifen.core.models import AuditEvent
from jifen.ledger.models import Posting

NOW = local(2026, 3, 10, 10)


@pytest.fixture
def setup(world, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    with clock.frozen(NOW):
        yield claims_setup(world)


def upload(client, data: bytes, name="p.jpg", content_type="image/jpeg", key="auto"):
    import uuid

    extra = {"HTTP_IDEMPOTENCY_KEY": uuid.uuid4().hex if key == "auto" else key}
    return client.client.post("/api/v1/evidence", {"file": SimpleUploadedFile(name, data, content_type)}, **extra)


def declare(client, setup, *, item=None, evidence_ids=(), subject=None, points=None, key="auto", **kw):
    item = item or setup.help
    body = {
        "scheme_id": setup.scheme.pk, "subject_id": (subject or setup.world.zhangsan).subject_id, "item_id": item.pk,
        "occurred_at": "2026-03-05T09:00:00+08:00", "description": "帮邻居修屋顶", "place": "沙河村", "evidence_ids": list(evidence_ids),
        **kw,
    }
    if points is not None:
        body["points"] = points
    return client.post("/claims", body, key=key)


def test_a_member_uploads_a_photo_and_declares(as_user, setup):
    member = as_user(setup.world.member)
    uploaded = upload(member, photo())
    assert uploaded.status_code == 201, uploaded.content
    assert uploaded.json()["format"] == "jpeg"
    response = declare(member, setup, evidence_ids=[uploaded.json()["id"]])
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["state"], body["points"], body["subject_name"]) == ("declared", 5, "张三")
    assert [e["id"] for e in body["evidence"]] == [uploaded.json()["id"]]
    assert [h["to_state"] for h in body["history"]] == ["declared"]


def test_uploads_are_judged_by_content_and_size(as_user, setup, monkeypatch):
    member = as_user(setup.world.member)
    fake = upload(member, b"<?php echo 1; ?>" * 10, name="x.jpg")
    assert fake.status_code == 422
    assert (fake.json()["code"], fake.json()["detail"]["field"]) == ("evidence_bad_type", "evidence")
    monkeypatch.setattr(evidence_module, "MAX_BYTES", 100)
    big = upload(member, photo(size=(200, 200)))
    assert big.status_code == 422
    assert big.json()["code"] == "evidence_too_large"
    assert Evidence.objects.count() == 0


def test_evidence_is_served_only_to_those_who_may_see_the_claim(as_user, setup):
    w = setup.world
    member = as_user(w.member)
    evidence_id = upload(member, photo()).json()["id"]
    declare(member, setup, evidence_ids=[evidence_id])
    for user, status in ((w.member, 200), (w.recorder, 200), (w.reviewer, 200), (w.neighbour, 404), (w.outsider, 404)):
        response = as_user(user).get(f"/evidence/{evidence_id}")
        assert response.status_code == status, user
    image = as_user(w.recorder).get(f"/evidence/{evidence_id}")
    assert image["Content-Type"] == "image/jpeg"
    assert b"".join(image.streaming_content)[:2] == b"\xff\xd8"
    thumb = as_user(w.member).get(f"/evidence/{evidence_id}", {"thumb": "true"})
    assert thumb.status_code == 200 and thumb["Content-Type"] == "image/jpeg"


def test_a_neighbour_cannot_use_someone_elses_photo(as_user, setup):
    w = setup.world
    evidence_id = upload(as_user(w.member), photo()).json()["id"]
    response = declare(as_user(w.neighbour), setup, subject=w.wangwu, evidence_ids=[evidence_id])
    assert response.status_code == 404
    assert not Claim.objects.exists()


def test_the_road_from_declaration_to_notice_objection_and_second_check(as_user, setup, client):
    w = setup.world
    member, recorder, reviewer = as_user(w.member), as_user(w.recorder), as_user(w.reviewer)
    claim_id = declare(member, setup, item=setup.mediate, points=20).json()["id"]

    assert member.post(f"/claims/{claim_id}/pre-approve", {}).status_code == 403  # not a recorder
    pre = recorder.post(f"/claims/{claim_id}/pre-approve", {"reason": "属实"})
    assert pre.status_code == 200 and pre.json()["state"] == "pre_approved"
    queue = reviewer.get("/claims", {"awaiting": "review"}).json()
    assert [c["id"] for c in queue["items"]] == [claim_id]
    reviewed = reviewer.post(f"/claims/{claim_id}/review", {"outcome": "change", "points": 30, "reason": "调整"})
    assert reviewed.status_code == 200, reviewed.content
    assert (reviewed.json()["state"], reviewed.json()["points"]) == ("approved", 30)

    published = reviewer.post("/notices", {"scheme_id": setup.scheme.pk, "org_id": w.shahe.pk})
    assert published.status_code == 201, published.content
    notice_id = published.json()["id"]
    assert [e["subject_name"] for e in published.json()["entries"]] == ["张三"]

    public = client.get(f"/api/v1/public/notices/{notice_id}").json()
    assert [(e["subject_name"], e["points"]) for e in public["entries"]] == [("张*", 30)]
    # The neighbour (a villager, not staff) sees the village's notice with other people masked.
    assert [e["subject_name"] for e in as_user(w.neighbour).get(f"/notices/{notice_id}").json()["entries"]] == ["张*"]
    assert [e["subject_name"] for e in member.get(f"/notices/{notice_id}").json()["entries"]] == ["张三"]

    objected = client.post(
        f"/api/v1/public/claims/{claim_id}/objections", {"reason": "没有这回事", "name": "王小明", "phone": "13912345678"},
        content_type="application/json", HTTP_IDEMPOTENCY_KEY="public-objection-1",
    )
    assert objected.status_code == 201, objected.content
    shown = objected.json()["objections"]
    assert [(o["name"], o["phone"]) for o in shown] == [("王**", "139****5678")]
    assert Claim.objects.get(pk=claim_id).state == ClaimState.DISPUTED
    staff_view = reviewer.get("/objections", {"claim_id": claim_id}).json()["items"]
    assert [(o["name"], o["phone"]) for o in staff_view] == [("王小明", "13912345678")]
    assert member.get("/objections").json()["total"] == 0

    checked = reviewer.post(f"/claims/{claim_id}/second-check", {"outcome": "uphold", "reason": "核实属实"})
    assert checked.status_code == 200, checked.content
    assert checked.json()["state"] == "noticed"
    assert Objection.objects.get().status == "upheld"


def test_a_meeting_decides_many_claims_or_none(as_user, setup):
    w = setup.world
    member, recorder, reviewer = as_user(w.member), as_user(w.recorder), as_user(w.reviewer)
    ids = [declare(member, setup, item=setup.mediate, points=p).json()["id"] for p in (10, 20)]
    for claim_id in ids:
        recorder.post(f"/claims/{claim_id}/pre-approve", {})
    body = {"scheme_id": setup.scheme.pk, "org_id": w.shahe.pk, "held_on": "2026-03-09", "minutes": "三月审核会",
            "decisions": [{"claim_id": ids[0], "outcome": "approve"}, {"claim_id": ids[1], "outcome": "change", "points": 500}]}
    refused = reviewer.post("/meetings", body)
    assert refused.status_code == 422, refused.content
    assert set(Claim.objects.filter(pk__in=ids).values_list("state", flat=True)) == {"pre_approved"}
    body["decisions"][1] = {"claim_id": ids[1], "outcome": "reject", "reason": "不属实"}
    done = reviewer.post("/meetings", body)
    assert done.status_code == 201, done.content
    assert [(d["claim_id"], d["outcome"]) for d in done.json()["decisions"]] == [(ids[0], "approve"), (ids[1], "reject")]
    assert dict(Claim.objects.filter(pk__in=ids).values_list("pk", "state")) == {ids[0]: "approved", ids[1]: "rejected"}
    assert as_user(w.reviewer).get(f"/meetings/{done.json()['id']}").status_code == 200
    assert member.get(f"/meetings/{done.json()['id']}").status_code == 404


def test_a_slip_is_approved_at_once_and_a_member_cannot_issue_one(as_user, setup):
    w = setup.world
    body = {"scheme_id": setup.scheme.pk, "subject_id": w.wangwu.subject_id, "item_id": setup.litter.pk,
            "occurred_at": "2026-03-08T08:00:00+08:00", "description": "乱扔垃圾"}
    assert as_user(w.member).post("/slips", body).status_code == 403
    issued = as_user(w.reviewer).post("/slips", body)
    assert issued.status_code == 201, issued.content
    assert (issued.json()["state"], issued.json()["points"], issued.json()["origin"]) == ("approved", -3, "slip")


def test_an_activity_awards_its_attendees_and_the_statement_shows_it(as_user, setup):
    w = setup.world
    recorder = as_user(w.recorder)
    created = recorder.post("/activities", {
        "scheme_id": setup.scheme.pk, "org_id": w.shahe_grid1.pk, "item_id": setup.help.pk,
        "held_at": "2026-03-08T09:00:00+08:00", "title": "义务植树",
    })
    assert created.status_code == 201, created.content
    activity_id = created.json()["id"]
    added = recorder.post(f"/activities/{activity_id}/attendance", {"subject_ids": [w.zhangsan.subject_id, w.limei.subject_id]})
    assert added.json() == {"added": 2}
    awarded = recorder.post(f"/activities/{activity_id}/award", {})
    assert awarded.json() == {"posted": 2, "skipped": []}
    assert recorder.post(f"/activities/{activity_id}/award", {}).json()["posted"] == 0

    member = as_user(w.member)
    accounts = member.get("/accounts", {"scheme_id": setup.scheme.pk}).json()
    assert sorted(a["subject_name"] for a in accounts["items"]) == ["张三", "李梅"]  # own and household
    assert as_user(w.neighbour).get("/accounts", {"scheme_id": setup.scheme.pk}).json()["total"] == 0
    account_id = next(a["id"] for a in accounts["items"] if a["subject_name"] == "张三")
    lines = member.get(f"/accounts/{account_id}/postings").json()
    assert [(line["amount"], line["balance_after"], line["source_type"]) for line in lines["items"]] == [("5", "5", "activity")]
    balance = member.get(f"/accounts/{account_id}/balance", {"grain": "month", "on": "2026-03-01"}).json()
    assert (balance["score"], balance["balance"]) == ("5", "5")
    assert as_user(w.neighbour).get(f"/accounts/{account_id}/postings").status_code == 404


def test_a_statement_page_carries_the_running_balance(as_user, setup):
    from jifen.claims import services

    w = setup.world
    for day, points in ((1, 10), (2, 20), (3, 40)):
        claim = services.claim_declare(
            actor=w.member, scheme=setup.scheme, subject=w.zhangsan.subject, item=setup.mediate, points=points,
            occurred_at=local(2026, 3, day, 9), description="调解", place="沙河村",
        )
        claim = services.claim_pre_approve(actor=w.recorder, claim=claim)
        services.claim_review(actor=w.reviewer, claim=claim, outcome="approve")
    services.notice_publish(actor=w.reviewer, scheme=setup.scheme)
    with clock.frozen(local(2026, 3, 20, 10)):
        services.claims_post_due(now=clock.now())
    assert Posting.objects.count() == 6
    member = as_user(w.member)
    account_id = member.get("/accounts").json()["items"][0]["id"]
    first = member.get(f"/accounts/{account_id}/postings", {"limit": 2}).json()
    second = member.get(f"/accounts/{account_id}/postings", {"limit": 2, "offset": 2}).json()
    assert first["total"] == 3
    assert [(x["amount"], x["balance_after"]) for x in first["items"] + second["items"]] == [("40", "70"), ("20", "30"), ("10", "10")]
    since = member.get(f"/accounts/{account_id}/postings", {"since": "2026-03-02", "until": "2026-03-03"}).json()
    assert [(x["amount"], x["balance_after"]) for x in since["items"]] == [("20", "30")]


def test_claim_lists_are_scoped_and_filtered(as_user, setup):
    w = setup.world
    mine = declare(as_user(w.member), setup, item=setup.mediate, points=10).json()["id"]
    theirs = declare(as_user(w.neighbour), setup, item=setup.mediate, points=10, subject=w.wangwu).json()["id"]
    assert [c["id"] for c in as_user(w.member).get("/claims").json()["items"]] == [mine]
    assert sorted(c["id"] for c in as_user(w.recorder).get("/claims").json()["items"]) == sorted([mine, theirs])
    assert [c["id"] for c in as_user(w.recorder).get("/claims", {"subject_id": w.wangwu.subject_id}).json()["items"]] == [theirs]
    assert as_user(w.outsider).get("/claims").json()["total"] == 0
    assert as_user(w.outsider).get(f"/claims/{mine}").status_code == 404


def test_claim_list_query_count_does_not_grow_with_rows(as_user, setup):
    w = setup.world
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    member, recorder = as_user(w.member), as_user(w.recorder)
    counts = []
    for points in (10, 20, 30, 40):
        declare(member, setup, item=setup.mediate, points=points)
        recorder.get("/claims")  # token's last-used stamp settles
        with CaptureQueriesContext(connection) as queries:
            response = recorder.get("/claims")
        counts.append(len(queries))
    assert response.json()["total"] == 4
    assert counts == [counts[0]] * 4 and counts[0] <= 9, counts


def test_writes_are_audited_once_and_replayed(as_user, setup):
    member = as_user(setup.world.member)
    first = declare(member, setup, item=setup.mediate, points=10, key="declare-once-1")
    again = member.post("/claims", {
        "scheme_id": setup.scheme.pk, "subject_id": setup.world.zhangsan.subject_id, "item_id": setup.mediate.pk,
        "occurred_at": "2026-03-05T09:00:00+08:00", "description": "帮邻居修屋顶", "place": "沙河村", "evidence_ids": [],
        "points": 10, "key": "x",
    }, key="declare-once-1")
    assert first.status_code == 201
    assert again.status_code == 422  # a changed body under the same key
    assert Claim.objects.count() == 1
    assert AuditEvent.objects.filter(action="claims.claim_declare").count() == 1
