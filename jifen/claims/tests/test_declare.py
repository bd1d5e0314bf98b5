import pytest

from jifen.claims import services
from jifen.claims.models import Claim, ClaimEvent, ClaimEvidence, ClaimState
from jifen.claims.testing import local, photo
from jifen.core.errors import InvalidInput, PermissionDenied
from jifen.core.models import AuditEvent, Notification


def declare(setup, *, actor=None, subject=None, item=None, **kw):
    w = setup.world
    kw.setdefault("occurred_at", local(2026, 3, 5, 9))
    kw.setdefault("description", "帮隔壁留守老人修好了水管")
    kw.setdefault("place", "沙河村一组")
    item = item or setup.help
    if item == setup.help:
        kw.setdefault("evidence", [photo()])
    return services.claim_declare(
        actor=actor or w.member, scheme=setup.scheme, subject=subject or w.zhangsan.subject, item=item, **kw
    )


def snapshot():
    return (Claim.objects.count(), ClaimEvent.objects.count(), ClaimEvidence.objects.count(), AuditEvent.objects.count(),
            Notification.objects.count())


def test_a_villager_declares_their_own_deed(setup):
    claim = declare(setup)

    assert claim.state == ClaimState.DECLARED
    assert claim.origin == "self"
    assert claim.points == 5 and claim.declared_points == 5
    assert claim.item_version.item == setup.help
    assert [(e.from_state, e.to_state, e.actor_id) for e in claim.events.all()] == [("", "declared", setup.world.member.pk)]
    audit = AuditEvent.objects.get(action="claims.claim_declare")
    assert audit.object_id == str(claim.pk) and audit.org_path == "demo/zhangji/shahe/g1"
    # The grid's recorder hears of it; the declarer does not get a message about their own claim.
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [("recorder", "claims.declared")]


def test_a_household_member_declares_for_the_household(setup):
    w = setup.world
    claim = declare(setup, subject=w.household.subject, item=setup.mediate, points=20)
    assert claim.subject == w.household.subject
    assert claim.points == 20


def test_a_recorder_declares_on_behalf_and_that_is_the_preliminary_check(setup):
    w = setup.world
    claim = declare(setup, actor=w.recorder, origin="on_behalf", channel="phone")

    assert claim.state == ClaimState.PRE_APPROVED
    assert claim.channel == "phone"
    assert claim.pre_reviewed_by == w.recorder
    assert [(e.from_state, e.to_state) for e in claim.events.all()] == [("", "declared"), ("declared", "pre_approved")]
    assert list(Notification.objects.values_list("recipient__username", "kind")) == [("zhangsan", "claims.declared_for_you")]


def test_a_neighbour_reports_someone_elses_deed(setup):
    w = setup.world
    claim = declare(setup, actor=w.neighbour, origin="third_party")

    assert claim.state == ClaimState.DECLARED
    assert claim.declared_by == w.neighbour
    kinds = sorted(Notification.objects.values_list("recipient__username", "kind"))
    assert kinds == [("recorder", "claims.declared"), ("zhangsan", "claims.reported")]


def test_a_deduction_can_be_reported_by_a_neighbour(setup):
    w = setup.world
    claim = declare(setup, actor=w.neighbour, origin="third_party", item=setup.litter)
    assert claim.points == -3


def test_self_declaration_for_someone_else_is_refused(setup):
    w = setup.world
    before = snapshot()
    with pytest.raises(PermissionDenied) as refused:
        declare(setup, actor=w.neighbour, origin="self")
    assert refused.value.code == "not_own_subject"
    assert snapshot() == before


def test_someone_from_another_village_cannot_report(setup):
    before = snapshot()
    with pytest.raises(PermissionDenied):
        declare(setup, actor=setup.world.outsider, origin="third_party")
    assert snapshot() == before


def test_a_member_cannot_declare_on_behalf(setup):
    with pytest.raises(PermissionDenied) as refused:
        declare(setup, actor=setup.world.neighbour, origin="on_behalf")
    assert "recorder" in refused.value.en


def test_evidence_required_items_refuse_a_claim_without_it(setup):
    before = snapshot()
    with pytest.raises(InvalidInput) as refused:
        declare(setup, evidence=[])
    assert refused.value.detail == {"field": "evidence"}
    assert "证据" in refused.value.zh
    assert snapshot() == before


def test_points_must_lie_inside_the_items_range(setup):
    with pytest.raises(InvalidInput) as refused:
        declare(setup, item=setup.mediate, points=90)
    assert refused.value.detail == {"field": "points"}
    with pytest.raises(InvalidInput):
        declare(setup, item=setup.mediate)  # a range needs a value
    assert Claim.objects.count() == 0


def test_fixed_items_need_no_points_and_ignore_none(setup):
    assert declare(setup).points == 5


def test_a_fraud_line_cannot_be_claimed(setup):
    with pytest.raises(InvalidInput) as refused:
        declare(setup, item=setup.fraud, actor=setup.world.neighbour, origin="third_party")
    assert refused.value.code == "item_not_claimable"


def test_a_veto_report_carries_no_points(setup):
    claim = declare(setup, item=setup.violation, actor=setup.world.neighbour, origin="third_party")
    assert claim.points == 0


def test_where_and_what_are_required(setup):
    with pytest.raises(InvalidInput) as refused:
        declare(setup, place="  ")
    assert refused.value.detail == {"field": "place"}
    with pytest.raises(InvalidInput) as refused:
        declare(setup, description="")
    assert refused.value.detail == {"field": "description"}


def test_a_deed_in_the_future_is_refused(setup):
    with pytest.raises(InvalidInput) as refused:
        declare(setup, occurred_at=local(2026, 3, 11, 9))
    assert refused.value.detail == {"field": "occurred_at"}


def test_a_deed_before_the_item_existed_is_refused(setup):
    with pytest.raises(InvalidInput) as refused:
        declare(setup, occurred_at=local(2025, 12, 31, 9))
    assert "2025-12-31" in refused.value.zh


def test_an_item_of_another_scheme_is_refused(setup):
    with pytest.raises(InvalidInput) as refused:
        declare(setup, item=setup.praise)
    assert refused.value.detail == {"field": "item"}


def test_a_subject_outside_the_scheme_is_refused(setup):
    w = setup.world
    with pytest.raises(InvalidInput) as refused:
        declare(setup, actor=w.outsider, subject=w.zhaoliu.subject)
    assert refused.value.code == "subject_outside_scheme"


def test_the_yearly_cap_is_checked_when_declaring(setup):
    declare(setup, item=setup.yearly, occurred_at=local(2026, 1, 2, 9))
    with pytest.raises(InvalidInput) as refused:
        declare(setup, item=setup.yearly, occurred_at=local(2026, 3, 2, 9))
    assert refused.value.code == "cap_exceeded"
    assert refused.value.detail["period"] == "year"
    assert Claim.objects.count() == 1


def test_a_withdrawn_claim_no_longer_counts_against_the_cap(setup):
    first = declare(setup, item=setup.yearly, occurred_at=local(2026, 1, 2, 9))
    services.claim_withdraw(actor=setup.world.member, claim=first, reason="写错了")
    second = declare(setup, item=setup.yearly, occurred_at=local(2026, 3, 2, 9))
    assert second.state == ClaimState.DECLARED


def test_the_cap_period_is_cut_in_the_schemes_time_zone(setup):
    # 31 Dec 2025 23:30 UTC is already 1 January 2026 in Shanghai: the same year as a March claim.
    import datetime as dt

    declare(setup, item=setup.yearly, occurred_at=dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC))
    with pytest.raises(InvalidInput):
        declare(setup, item=setup.yearly, occurred_at=local(2026, 3, 2, 9))


def test_records_per_day_limits_declarations_per_subject(setup):
    from jifen.rules import services as rules

    rules.scheme_update(actor=None, scheme=setup.scheme, settings={**setup.scheme.settings, "records_per_day": 1})
    setup.scheme.refresh_from_db()
    declare(setup, occurred_at=local(2026, 3, 5, 9))
    with pytest.raises(InvalidInput) as refused:
        declare(setup, item=setup.mediate, points=10, occurred_at=local(2026, 3, 5, 20))
    assert refused.value.code == "records_per_day"
    declare(setup, item=setup.mediate, points=10, occurred_at=local(2026, 3, 6, 8))
    assert Claim.objects.count() == 2


def test_the_declarer_withdraws_and_the_history_says_so(setup):
    claim = declare(setup)
    services.claim_withdraw(actor=setup.world.member, claim=claim, reason="重复申报")
    claim.refresh_from_db()
    assert claim.state == ClaimState.WITHDRAWN
    last = claim.events.last()
    assert (last.from_state, last.to_state, last.reason, last.actor_name) == ("declared", "withdrawn", "重复申报", "zhangsan")


def test_a_stranger_cannot_withdraw(setup):
    claim = declare(setup)
    with pytest.raises(PermissionDenied):
        services.claim_withdraw(actor=setup.world.neighbour, claim=claim)
    claim.refresh_from_db()
    assert claim.state == ClaimState.DECLARED
