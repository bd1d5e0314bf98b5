import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection, transaction

from jifen.core import clock
from jifen.core.errors import Conflict, IdempotencyMismatch, InvalidInput
from jifen.core.models import AuditEvent
from jifen.ledger import selectors, services
from jifen.ledger.models import Balance, Posting, Transaction
from jifen.ledger.services import Leg
from jifen.ledger.testing import award, ledger_snapshot, local, make_scheme
from jifen.ledger.verify import ledger_verify

pytestmark = pytest.mark.django_db


def post(scheme, legs, key="k1", at=None, **extra):
    fields = dict(
        scheme=scheme, key=key, source_type="claim", source_id="42", actor=None,
        occurred_at=at or local(2026, 3, 10, 9), reason="拾金不昧", legs=legs,
    )
    fields.update(extra)
    return services.transaction_post(**fields)


def test_a_balanced_transaction_records_who_what_when_and_why(world, scheme, acc):
    with clock.frozen(dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)):
        tx = post(
            scheme, [Leg(acc.zhangsan, 10, "award"), Leg(acc.issuance, -10, "award")],
            actor=world.reviewer, item_version_id=77,
        )
    tx.refresh_from_db()
    assert (tx.source_type, tx.source_id, tx.item_version_id, tx.actor_id) == ("claim", "42", 77, world.reviewer.pk)
    assert tx.reason == "拾金不昧" and tx.posting_count == 2 and tx.reverses_id is None
    assert tx.occurred_at == dt.datetime(2026, 3, 10, 1, 0, tzinfo=dt.UTC)
    assert tx.recorded_at == dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
    rows = list(Posting.objects.filter(transaction=tx).order_by("line").values_list("line", "account_id", "amount", "kind", "counts_in_score", "bucket"))
    assert rows == [
        (1, acc.zhangsan.pk, 10, "award", True, dt.date(2026, 3, 9)),
        (2, acc.issuance.pk, -10, "award", True, dt.date(2026, 3, 9)),
    ]
    assert list(Balance.objects.order_by("account_id").values_list("account_id", "bucket", "score", "balance")) == [
        (acc.zhangsan.pk, dt.date(2026, 3, 9), 10, 10),
        (acc.issuance.pk, dt.date(2026, 3, 9), -10, -10),
    ]
    event = AuditEvent.objects.get(action="ledger.transaction_post")
    assert event.object_id == str(tx.pk) and event.actor_id == world.reviewer.pk
    assert ledger_verify().ok


def test_redemption_lowers_the_balance_but_not_the_score(scheme, acc):
    award(scheme=scheme, account=acc.zhangsan, points=30, key="a", at=local(2026, 3, 2, 9))
    post(scheme, [Leg(acc.zhangsan, -12, "redeem"), Leg(acc.shop, 12, "redeem")], key="r", at=local(2026, 3, 5, 9))
    assert selectors.balance_of(account=acc.zhangsan) == 18
    assert selectors.score_of(account=acc.zhangsan, grain="month", on=dt.date(2026, 3, 1)) == 30
    assert selectors.score_of(account=acc.zhangsan, grain="all") == 30


def test_a_scheme_can_say_redemption_lowers_the_score(world):
    scheme = make_scheme(world.shahe, code="lowers", redemption_lowers_score=True)
    member = services.account_for(scheme=scheme, subject=world.zhangsan.subject)
    shop = services.system_account(scheme=scheme, kind="shop")
    award(scheme=scheme, account=member, points=30, key="a", at=local(2026, 3, 2, 9))
    post(scheme, [Leg(member, -12, "redeem"), Leg(shop, 12, "redeem")], key="r", at=local(2026, 3, 5, 9))
    assert selectors.score_of(account=member, grain="month", on=dt.date(2026, 3, 1)) == 18


def test_expiry_clears_the_balance_and_keeps_the_years_score(scheme, acc):
    award(scheme=scheme, account=acc.zhangsan, points=40, key="a", at=local(2026, 6, 2, 9))
    expiry = services.system_account(scheme=scheme, kind="expiry")
    post(scheme, [Leg(acc.zhangsan, -40, "expire"), Leg(expiry, 40, "expire")], key="clear-2026", at=local(2026, 12, 31, 23, 59))
    assert selectors.balance_of(account=acc.zhangsan) == 0
    assert selectors.score_of(account=acc.zhangsan, grain="year", on=dt.date(2026, 1, 1)) == 40


def test_same_key_and_same_content_returns_the_first_transaction_and_posts_nothing(scheme, acc):
    first = award(scheme=scheme, account=acc.zhangsan, points=10, key="claim:7", at=local(2026, 3, 2, 9))
    before = ledger_snapshot()
    again = award(scheme=scheme, account=acc.zhangsan, points=10, key="claim:7", at=local(2026, 3, 2, 9))
    assert again.pk == first.pk
    assert ledger_snapshot() == before


def test_same_key_with_other_content_is_an_error_that_says_so(scheme, acc):
    first = award(scheme=scheme, account=acc.zhangsan, points=10, key="claim:7", at=local(2026, 3, 2, 9))
    before = ledger_snapshot()
    with pytest.raises(IdempotencyMismatch) as exc:
        award(scheme=scheme, account=acc.zhangsan, points=11, key="claim:7", at=local(2026, 3, 2, 9))
    assert exc.value.detail == {"key": "claim:7", "transaction": first.pk}
    assert "claim:7" in exc.value.en and "幂等键" in exc.value.zh
    assert ledger_snapshot() == before


def test_the_same_key_may_be_used_in_another_scheme(world, scheme, acc):
    other = make_scheme(world.shahe, code="other")
    member = services.account_for(scheme=other, subject=world.zhangsan.subject)
    a = award(scheme=scheme, account=acc.zhangsan, points=10, key="claim:7", at=local(2026, 3, 2, 9))
    b = award(scheme=other, account=member, points=10, key="claim:7", at=local(2026, 3, 2, 9))
    assert a.pk != b.pk


@pytest.mark.parametrize(
    ("legs", "code"),
    [
        (lambda a: [Leg(a.zhangsan, 10, "award"), Leg(a.issuance, -9, "award")], "unbalanced"),
        (lambda a: [Leg(a.zhangsan, 1.5, "award"), Leg(a.issuance, -1.5, "award")], "float_amount"),
        (lambda a: [Leg(a.zhangsan, Decimal("1.5"), "award"), Leg(a.issuance, Decimal("-1.5"), "award")], "amount_precision"),
        (lambda a: [Leg(a.zhangsan, 10, "award")], "too_few_legs"),
        (lambda a: [Leg(a.zhangsan, 0, "award"), Leg(a.issuance, 0, "award")], "zero_amount"),
        (lambda a: [Leg(a.zhangsan, -10, "award"), Leg(a.issuance, 10, "award")], "bad_sign"),
        (lambda a: [Leg(a.zhangsan, 10, "deduct"), Leg(a.issuance, -10, "deduct")], "bad_sign"),
        (lambda a: [Leg(a.zhangsan, 10, "reversal"), Leg(a.issuance, -10, "reversal")], "invalid_field"),
        (lambda a: [Leg(a.zhangsan, 10, "bonus"), Leg(a.issuance, -10, "bonus")], "invalid_field"),
        (lambda a: [(a.zhangsan, 10, "award"), (a.issuance, -10, "award")], "bad_leg"),
    ],
)
def test_bad_legs_are_refused_and_nothing_is_written(scheme, acc, legs, code):
    before = ledger_snapshot()
    with pytest.raises(InvalidInput) as exc:
        post(scheme, legs(acc))
    assert exc.value.code == code
    assert exc.value.zh and exc.value.en
    assert ledger_snapshot() == before


def test_an_account_of_another_scheme_is_refused(world, scheme, acc):
    other = make_scheme(world.shahe, code="other")
    foreign = services.system_account(scheme=other, kind="issuance")
    before = ledger_snapshot()
    with pytest.raises(InvalidInput) as exc:
        post(scheme, [Leg(acc.zhangsan, 10, "award"), Leg(foreign, -10, "award")])
    assert exc.value.code == "account_scheme_mismatch"
    assert ledger_snapshot() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [("key", ""), ("key", "k" * 201), ("reason", " "), ("source_type", "Claim!"), ("occurred_at", dt.datetime(2026, 3, 1)),
     ("occurred_at", local(2062, 3, 1)), ("occurred_at", local(1999, 12, 31)),
     ("item_version_id", "7"), ("source_id", "x" * 65)],
)
def test_bad_fields_are_refused(scheme, acc, field, value):
    before = ledger_snapshot()
    with pytest.raises(InvalidInput) as exc:
        post(scheme, [Leg(acc.zhangsan, 10, "award"), Leg(acc.issuance, -10, "award")], **{field: value})
    assert exc.value.detail["field"] == field
    assert ledger_snapshot() == before


def test_decimal_points_in_a_scheme_with_fractions(world):
    scheme = make_scheme(world.shahe, code="mass", points_scale=2)
    member = services.account_for(scheme=scheme, subject=world.zhangsan.subject)
    issuance = services.system_account(scheme=scheme, kind="issuance")
    post(scheme, [Leg(member, Decimal("87.35"), "base"), Leg(issuance, Decimal("-87.35"), "base")])
    assert Posting.objects.get(account_id=member.pk).amount == 8735
    assert selectors.balance_of(account=member) == Decimal("87.35")
    assert selectors.score_of(account=member, grain="year", on=dt.date(2026, 3, 1)) == Decimal("87.35")


def test_non_negative_account_cannot_be_overdrawn_and_nothing_is_written(world, scheme, acc):
    services.account_set_non_negative(account=acc.zhangsan, non_negative=True, actor=world.admin)
    award(scheme=scheme, account=acc.zhangsan, points=10, key="a", at=local(2026, 3, 2, 9))
    before = ledger_snapshot()
    with pytest.raises(Conflict) as exc:
        post(scheme, [Leg(acc.zhangsan, -11, "redeem"), Leg(acc.shop, 11, "redeem")], key="r1")
    assert exc.value.code == "insufficient_balance"
    assert "余额不足" in exc.value.zh and "insufficient" in exc.value.en
    assert ledger_snapshot() == before
    post(scheme, [Leg(acc.zhangsan, -10, "redeem"), Leg(acc.shop, 10, "redeem")], key="r2")
    assert selectors.balance_of(account=acc.zhangsan) == 0


def test_scope_refuses_a_second_line_for_the_same_account(scheme, acc):
    legs = [Leg(acc.zhangsan, 50, "fixed"), Leg(acc.issuance, -50, "fixed")]
    post(scheme, legs, key="fixed:a", scope="fixed:2026-03")
    before = ledger_snapshot()
    with pytest.raises(Conflict) as exc:
        post(scheme, legs, key="fixed:b", scope="fixed:2026-03")
    assert exc.value.code == "scope_duplicate" and exc.value.detail["accounts"] == [acc.zhangsan.pk]
    assert ledger_snapshot() == before
    post(scheme, legs, key="fixed:c", scope="fixed:2026-04")


def test_a_post_costs_a_fixed_handful_of_queries(scheme, acc, django_assert_max_num_queries):
    award(scheme=scheme, account=acc.zhangsan, points=1, key="warm", at=local(2026, 3, 2, 9))
    legs = [Leg(acc.zhangsan, 10, "award"), Leg(acc.wangwu, 10, "award"), Leg(acc.issuance, -20, "award")]
    with django_assert_max_num_queries(12):
        post(scheme, legs, key="three-legs")


def test_postings_and_transactions_cannot_be_updated_or_deleted(scheme, acc):
    tx = award(scheme=scheme, account=acc.zhangsan, points=10, key="a", at=local(2026, 3, 2, 9))
    before = ledger_snapshot()
    attempts = [
        lambda: Posting.objects.filter(transaction=tx).update(amount=999),
        lambda: Posting.objects.filter(transaction=tx).delete(),
        lambda: Transaction.objects.filter(pk=tx.pk).update(reason="改了"),
        lambda: connection.cursor().execute("DELETE FROM ledger_transaction WHERE id = %s", [tx.pk]),
        lambda: connection.cursor().execute("UPDATE ledger_posting SET amount = 1 WHERE transaction_id = %s", [tx.pk]),
    ]
    for attempt in attempts:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            attempt()
    assert ledger_snapshot() == before
