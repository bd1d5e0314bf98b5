import contextlib
import datetime as dt

import pytest
from django.core.management import call_command
from django.db import connection

from jifen.core.db import append_only_sql
from jifen.ledger import services
from jifen.ledger.testing import award, local, make_scheme
from jifen.ledger.verify import ledger_verify

pytestmark = pytest.mark.django_db


@contextlib.contextmanager
def trigger_dropped(table):
    """Drop the append-only trigger for the test; the test's transaction rollback restores it."""
    forward, backward = append_only_sql(connection.vendor, table)
    with connection.cursor() as cursor:
        for sql in backward:
            cursor.execute(sql)
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for sql in forward:
                cursor.execute(sql)


def sql(statement, params=()):
    with connection.cursor() as cursor:
        cursor.execute(statement, list(params))
        return cursor.rowcount


def run_verify(*args):
    out = []
    with pytest.raises(SystemExit) as exc:
        call_command("ledger", "verify", *args, stdout=_Collect(out))
    return exc.value.code, "".join(out)


class _Collect:
    def __init__(self, sink):
        self.sink = sink

    def write(self, text):
        self.sink.append(text)

    def flush(self):
        pass


@pytest.fixture
def posted(world, scheme, acc):
    award(scheme=scheme, account=acc.zhangsan, points=10, key="a", at=local(2026, 3, 3, 9))
    tx = award(scheme=scheme, account=acc.wangwu, points=20, key="b", at=local(2026, 3, 4, 9))
    services.postings_bulk(
        scheme=scheme, key="fixed:2026-03", kind="fixed", lines=[(world.zhangsan.subject.pk, 50), (world.limei.subject.pk, 50)],
        occurred_at=local(2026, 3, 31, 18), reason="三月固定分", actor=None, source_type="fixed",
    )
    return tx


def codes(report):
    return [m.code for m in report.mismatches]


def test_a_clean_ledger_prints_one_summary_line_and_exits_zero(posted):
    out = []
    call_command("ledger", "verify", stdout=_Collect(out))
    text = "".join(out)
    assert text.count("\n") == 1
    assert text == "账本核对无误：3 笔交易、7 条分录、6 个余额行 / ledger verified: 3 transactions, 7 postings, 6 balance rows, all consistent\n"


def test_a_changed_posting_is_named_exactly(posted, acc):
    with trigger_dropped("ledger_posting"):
        assert sql("UPDATE ledger_posting SET amount = 25 WHERE transaction_id = %s AND line = 1", [posted.pk]) == 1
    report = ledger_verify()
    assert codes(report) == ["unbalanced", "balance_mismatch"]
    unbalanced, balance = report.mismatches
    assert unbalanced.detail == {"transaction": posted.pk, "total": 5, "suspects": [f"#{posted.pk}/1"]}
    assert balance.detail == {"account": acc.wangwu.pk, "bucket": "2026-03-02"}
    assert "记为 余额 20 / 得分 20，分录合计为 余额 25 / 得分 25" in balance.zh
    code, text = run_verify()
    assert code == 1
    assert f"交易 #{posted.pk} 借贷不平：分录合计 5，应为 0（可疑分录：#{posted.pk}/1）" in text
    assert f"account #{acc.wangwu.pk}, bucket 2026-03-02" in text
    assert text.count("✗") == 2


def test_a_deleted_posting_is_named_by_its_line(posted, acc):
    with trigger_dropped("ledger_posting"):
        assert sql("DELETE FROM ledger_posting WHERE transaction_id = %s AND line = 2", [posted.pk]) == 1
    report = ledger_verify()
    assert codes(report) == ["unbalanced", "posting_count", "balance_mismatch"]
    assert report.mismatches[1].detail["missing"] == ["2"]
    assert f"transaction #{posted.pk} should have 2 postings, has 1 (line(s) 2 missing)" in report.mismatches[1].en
    assert report.mismatches[2].detail == {"account": acc.issuance.pk, "bucket": "2026-03-02"}


def test_a_changed_or_deleted_balance_row_is_named(posted, acc):
    assert sql("UPDATE ledger_balance SET balance = 11 WHERE account_id = %s AND bucket = %s", [acc.zhangsan.pk, dt.date(2026, 3, 2)]) == 1
    assert sql("DELETE FROM ledger_balance WHERE account_id = %s AND bucket = %s", [acc.limei.pk, dt.date(2026, 3, 30)]) == 1
    report = ledger_verify()
    assert codes(report) == ["balance_mismatch", "balance_missing"]
    assert report.mismatches[0].detail == {"account": acc.zhangsan.pk, "bucket": "2026-03-02"}
    assert "holds balance 11, score 10; its postings sum to balance 10, score 10" in report.mismatches[0].en
    assert report.mismatches[1].detail == {"account": acc.limei.pk, "bucket": "2026-03-30"}


def test_a_balance_row_without_postings_is_named(posted, acc):
    sql("INSERT INTO ledger_balance (bucket, account_id, score, balance) VALUES (%s, %s, 0, 5)", [dt.date(2026, 5, 4), acc.wangwu.pk])
    report = ledger_verify()
    assert codes(report) == ["balance_without_postings"]


def test_postings_without_their_transaction_are_named(posted):
    with trigger_dropped("ledger_transaction"):
        assert sql("DELETE FROM ledger_transaction WHERE id = %s", [posted.pk]) == 1
    report = ledger_verify()
    assert codes(report) == ["orphan_postings"]
    assert report.mismatches[0].detail == {"transaction": posted.pk, "count": 2}


def test_a_posting_in_the_wrong_period_is_named(posted):
    with trigger_dropped("ledger_posting"):
        sql("UPDATE ledger_posting SET bucket = %s WHERE transaction_id = %s", [dt.date(2026, 3, 9), posted.pk])
    report = ledger_verify()
    assert "wrong_bucket" in codes(report)
    wrong = next(m for m in report.mismatches if m.code == "wrong_bucket")
    assert wrong.detail == {"transaction": posted.pk, "expected": "2026-03-02"}


def test_a_flipped_score_flag_is_named(posted):
    with trigger_dropped("ledger_posting"):
        sql("UPDATE ledger_posting SET counts_in_score = %s WHERE transaction_id = %s AND line = 1", [False, posted.pk])
    report = ledger_verify()
    assert codes(report) == ["bad_kind", "balance_mismatch"]
    assert report.mismatches[0].detail == {"transaction": posted.pk, "line": 1}


def test_duplicate_idempotency_keys_are_named(posted, scheme):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite cannot drop a table constraint without rebuilding the table")
    sql("SET CONSTRAINTS ALL IMMEDIATE")  # deferred foreign-key checks would block the ALTER
    sql("ALTER TABLE ledger_transaction DROP CONSTRAINT ledger_transaction_key_unique")
    sql(
        "INSERT INTO ledger_transaction (scheme_id, key, content_hash, source_type, source_id, occurred_at, recorded_at, "
        "reason, scope, posting_count) SELECT scheme_id, key, content_hash, source_type, source_id, occurred_at, recorded_at, "
        "reason, scope, 0 FROM ledger_transaction WHERE id = %s",
        [posted.pk],
    )
    report = ledger_verify()
    assert codes(report) == ["duplicate_key"]
    assert report.mismatches[0].detail == {"scheme": scheme.pk, "key": "b", "count": 2}


def test_verify_can_look_at_one_scheme(world, posted):
    other = make_scheme(world.shahe, code="other")
    member = services.account_for(scheme=other, subject=world.zhangsan.subject)
    award(scheme=other, account=member, points=3, key="x", at=local(2026, 3, 3, 9))
    with trigger_dropped("ledger_posting"):
        sql("UPDATE ledger_posting SET amount = 25 WHERE transaction_id = %s AND line = 1", [posted.pk])
    out = []
    call_command("ledger", "verify", "--scheme", "other", stdout=_Collect(out))
    assert "".join(out).startswith("账本核对无误：1 笔交易、2 条分录、2 个余额行")
    code, _ = run_verify("--scheme", "shahe-points")
    assert code == 1
