import datetime as dt
from decimal import Decimal

import pytest

from jifen.core.errors import Conflict, IdempotencyMismatch, InvalidInput
from jifen.core.models import AuditEvent
from jifen.ledger import selectors, services
from jifen.ledger.models import Account, Balance, Posting, Transaction
from jifen.ledger.testing import award, ledger_snapshot, local, make_scheme
from jifen.ledger.verify import ledger_verify

pytestmark = pytest.mark.django_db

MONTH_END = local(2026, 3, 31, 18)


def bulk(scheme, lines, key="fixed:2026-03", **extra):
    fields = dict(
        scheme=scheme, key=key, kind="fixed", lines=lines, occurred_at=MONTH_END, reason="2026年3月固定积分",
        actor=None, source_type="fixed",
    )
    fields.update(extra)
    return services.postings_bulk(**fields)


def test_a_batch_is_one_transaction_with_one_aggregated_counter_leg(world, scheme):
    people = [world.zhangsan, world.wangwu, world.limei]
    result = bulk(scheme, [(p.subject.pk, 50 + i) for i, p in enumerate(people)], actor=world.admin)
    assert (result.posted, result.skipped, result.total, result.replayed) == (3, (), 153, False)
    tx = result.transaction
    assert tx.posting_count == 4 and tx.actor_id == world.admin.pk
    issuance = services.system_account(scheme=scheme, kind="issuance")
    rows = list(Posting.objects.filter(transaction=tx).order_by("line").values_list("line", "account_id", "amount", "kind"))
    accounts = {p.subject.pk: services.account_for(scheme=scheme, subject=p.subject).pk for p in people}
    assert rows == [
        (1, accounts[world.zhangsan.subject.pk], 50, "fixed"),
        (2, accounts[world.wangwu.subject.pk], 51, "fixed"),
        (3, accounts[world.limei.subject.pk], 52, "fixed"),
        (4, issuance.pk, -153, "fixed"),
    ]
    assert Account.objects.filter(scheme=scheme, subject__isnull=False).count() == 3  # opened inside the batch
    bucket = dt.date(2026, 3, 30)
    assert set(Balance.objects.values_list("bucket", "account_id", "score", "balance")) == {
        (bucket, accounts[world.zhangsan.subject.pk], 50, 50),
        (bucket, accounts[world.wangwu.subject.pk], 51, 51),
        (bucket, accounts[world.limei.subject.pk], 52, 52),
        (bucket, issuance.pk, -153, -153),
    }
    assert AuditEvent.objects.get(action="ledger.postings_bulk").after["accounts_opened"] == 3
    assert ledger_verify().ok


def test_a_batch_adds_to_balance_rows_that_already_exist_in_its_bucket(world, scheme, acc):
    award(scheme=scheme, account=acc.zhangsan, points=7, key="a", at=local(2026, 3, 31, 9))
    bulk(scheme, [(world.zhangsan.subject.pk, 50), (world.wangwu.subject.pk, 60)])
    assert Balance.objects.get(account=acc.zhangsan, bucket=dt.date(2026, 3, 30)).balance == 57
    assert Balance.objects.get(account=acc.issuance, bucket=dt.date(2026, 3, 30)).balance == -117
    assert selectors.score_of(account=acc.zhangsan, grain="month", on=dt.date(2026, 3, 1)) == 57
    assert ledger_verify().ok


def test_replaying_a_batch_posts_nothing_and_changed_content_is_an_error(world, scheme):
    lines = [(world.zhangsan.subject.pk, 50), (world.wangwu.subject.pk, 60)]
    first = bulk(scheme, lines)
    before = ledger_snapshot()
    again = bulk(scheme, lines)
    assert again.replayed and again.transaction.pk == first.transaction.pk and (again.posted, again.total) == (2, 110)
    assert ledger_snapshot() == before
    with pytest.raises(IdempotencyMismatch):
        bulk(scheme, [(world.zhangsan.subject.pk, 50), (world.wangwu.subject.pk, 61)])
    assert ledger_snapshot() == before


def test_scope_gives_one_line_per_subject_per_month_across_batches(world, scheme):
    bulk(scheme, [(world.zhangsan.subject.pk, 50)], key="march-a", scope="fixed:2026-03")
    late = bulk(scheme, [(world.zhangsan.subject.pk, 50), (world.wangwu.subject.pk, 60)], key="march-b", scope="fixed:2026-03")
    assert late.skipped == (world.zhangsan.subject.pk,) and late.posted == 1 and late.total == 60
    zhangsan = services.account_for(scheme=scheme, subject=world.zhangsan.subject)
    assert selectors.balance_of(account=zhangsan) == 50
    nothing = bulk(scheme, [(world.zhangsan.subject.pk, 50)], key="march-c", scope="fixed:2026-03")
    assert nothing.transaction is None and nothing.posted == 0
    before = ledger_snapshot()
    with pytest.raises(Conflict) as exc:
        bulk(scheme, [(world.limei.subject.pk, 5), (world.wangwu.subject.pk, 60)], key="march-d", scope="fixed:2026-03", on_duplicate="refuse")
    assert exc.value.code == "scope_duplicate" and exc.value.detail["subjects"] == [world.wangwu.subject.pk]
    assert ledger_snapshot() == before


def test_a_reversed_batch_frees_its_scope(world, scheme):
    first = bulk(scheme, [(world.zhangsan.subject.pk, 50)], key="march-a", scope="fixed:2026-03")
    services.transaction_reverse(transaction=first.transaction, key="undo-march-a", actor=world.admin, reason="金额算错")
    redo = bulk(scheme, [(world.zhangsan.subject.pk, 55)], key="march-b", scope="fixed:2026-03")
    assert redo.posted == 1
    assert selectors.balance_of(account=services.account_for(scheme=scheme, subject=world.zhangsan.subject)) == 55


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([], "empty_batch"),
        ([(1, 5, 6)], "bad_line"),
        ([("1", 5)], "bad_line"),
        ([(-3, 5)], "bad_line"),
        ([(2**70, 5)], "bad_line"),
        ([(1, 5.0)], "float_amount"),
        ([(1, 0)], "zero_amount"),
        ([(1, -5)], "bad_sign"),
        ([(1, 5), (1, 6)], "duplicate_line"),
    ],
)
def test_bad_lines_refuse_the_whole_batch(world, scheme, lines, code):
    lines = [(world.zhangsan.subject.pk if line[0] == 1 else line[0], *line[1:]) for line in lines]
    before = ledger_snapshot()
    with pytest.raises(InvalidInput) as exc:
        bulk(scheme, lines)
    assert exc.value.code == code
    assert ledger_snapshot() == before


def test_an_unknown_or_outside_subject_refuses_the_whole_batch(world, scheme):
    before = ledger_snapshot()
    with pytest.raises(InvalidInput) as exc:
        bulk(scheme, [(world.zhangsan.subject.pk, 50), (world.zhaoliu.subject.pk, 50), (999999, 50)])
    assert exc.value.code == "unknown_subjects"
    assert exc.value.detail == {"subjects": [world.zhaoliu.subject.pk, 999999], "count": 2}
    assert ledger_snapshot() == before


def test_a_batch_failing_half_way_leaves_no_posting_and_no_balance_change(world, scheme, acc, monkeypatch):
    award(scheme=scheme, account=acc.zhangsan, points=7, key="a", at=local(2026, 3, 31, 9))
    before = ledger_snapshot()
    real = services._write_batch

    def write_then_crash(**kwargs):
        real(**kwargs)  # postings and balance rows are in; the counter leg is not
        assert Posting.objects.filter(transaction_id=kwargs["tx_id"]).count() == 2
        raise RuntimeError("injected crash")

    monkeypatch.setattr(services, "_write_batch", write_then_crash)
    with pytest.raises(RuntimeError, match="injected"):
        bulk(scheme, [(world.zhangsan.subject.pk, 50), (world.wangwu.subject.pk, 60)])
    assert ledger_snapshot() == before
    assert not Transaction.objects.filter(key="fixed:2026-03").exists()
    assert ledger_verify().ok


@pytest.mark.parametrize("probe_limit", [500, 0], ids=["probes", "one-pass"])
def test_negative_lines_cannot_overdraw_non_negative_accounts(world, scheme, acc, monkeypatch, probe_limit):
    monkeypatch.setattr(services, "PROBE_LIMIT", probe_limit)
    services.account_set_non_negative(account=acc.zhangsan, non_negative=True, actor=world.admin)
    award(scheme=scheme, account=acc.zhangsan, points=10, key="a", at=local(2026, 3, 2, 9))
    award(scheme=scheme, account=acc.wangwu, points=10, key="b", at=local(2026, 3, 2, 9))
    before = ledger_snapshot()
    with pytest.raises(Conflict) as exc:
        bulk(scheme, [(world.zhangsan.subject.pk, -11), (world.wangwu.subject.pk, -30)], kind="expire", counter_account_kind="expiry")
    assert exc.value.code == "insufficient_balance" and list(exc.value.detail["accounts"]) == [acc.zhangsan.pk]
    assert ledger_snapshot() == before
    cleared = bulk(scheme, [(world.zhangsan.subject.pk, -10), (world.wangwu.subject.pk, -30)], kind="expire", counter_account_kind="expiry")
    assert cleared.total == -40
    assert selectors.balance_of(account=acc.wangwu) == -20


def test_fractional_points_in_a_batch(world):
    scheme = make_scheme(world.shahe, code="mass", points_scale=1)
    result = bulk(scheme, [(world.zhangsan.subject.pk, Decimal("8.5")), (world.wangwu.subject.pk, 9)], kind="base")
    assert result.total == Decimal("17.5")
    assert sorted(Posting.objects.filter(transaction=result.transaction).values_list("amount", flat=True)) == [-175, 85, 90]
    with pytest.raises(InvalidInput) as exc:
        bulk(scheme, [(world.zhangsan.subject.pk, Decimal("8.55"))], key="other", kind="base")
    assert exc.value.code == "amount_precision" and "line 1" in exc.value.en


def test_reversing_a_large_batch_uses_the_set_based_path(world, scheme, monkeypatch):
    monkeypatch.setattr(services, "LARGE_TRANSACTION", 1)
    award(scheme=scheme, account=services.account_for(scheme=scheme, subject=world.zhangsan.subject), points=7, key="a", at=local(2026, 3, 31, 9))
    result = bulk(scheme, [(world.zhangsan.subject.pk, 50), (world.wangwu.subject.pk, 60)])
    services.transaction_reverse(transaction=result.transaction, key="undo", actor=world.admin, reason="整批撤销")
    zhangsan = services.account_for(scheme=scheme, subject=world.zhangsan.subject)
    assert selectors.balance_of(account=zhangsan) == 7
    assert selectors.balance_of(account=services.system_account(scheme=scheme, kind="issuance")) == -7
    assert ledger_verify().ok


def test_a_batch_costs_a_handful_of_queries_whatever_its_size(world, scheme, django_assert_max_num_queries):
    from jifen.orgs.models import Subject

    subjects = [Subject.objects.create(kind="person", name=f"村民{i}", org=world.shahe_grid1) for i in range(300)]
    bulk(scheme, [(s.pk, 5) for s in subjects], key="warm")  # opens the accounts
    with django_assert_max_num_queries(16):
        bulk(scheme, [(s.pk, 5) for s in subjects], key="second", occurred_at=local(2026, 4, 30, 18))
