import io

import pytest
from django.core.management import CommandError, call_command

from jifen.ledger import services
from jifen.ledger.testing import award, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def posted(world, scheme, acc):
    award(scheme=scheme, account=acc.zhangsan, points=10, key="a", at=local(2026, 3, 3, 9), reason="清理河道")
    tx = award(scheme=scheme, account=acc.zhangsan, points=-4, kind="deduct", key="b", at=local(2026, 3, 20, 9), reason="焚烧秸秆")
    services.transaction_reverse(transaction=tx, key="rev-b", actor=world.reviewer, reason="异议成立")


def history(*args):
    out = io.StringIO()
    call_command("ledger", "history", *args, stdout=out)
    return out.getvalue()


def test_history_by_id_number_lists_postings_with_running_balance(world, posted):
    text = history(world.zhangsan.id_number)
    assert "张三" in text and "沙河村积分制（shahe-points）" in text
    assert "余额 balance 10" in text
    rows = [line for line in text.splitlines() if line.startswith("   2026-")]
    assert len(rows) == 3
    assert "清理河道" in rows[0] and "+10" in rows[0]
    assert "焚烧秸秆" in rows[1] and "-4" in rows[1] and rows[1].split()[4] == "6"
    assert "异议成立" in rows[2] and "冲正" in rows[2] and "↩#" in rows[2] and "陈审核" in rows[2]


def test_history_by_household_and_subject_id_and_window(world, scheme, posted):
    hh = services.account_for(scheme=scheme, subject=world.household.subject)
    award(scheme=scheme, account=hh, points=5, key="hh", at=local(2026, 3, 5, 9), reason="卫生户")
    assert "卫生户" in history("household:demo/zhangji/shahe:SH-001", "--scheme", "shahe-points")
    text = history(str(world.zhangsan.subject.pk), "--since", "2026-03-10", "--until", "2026-03-20")
    assert "清理河道" not in text and "焚烧秸秆" in text


def test_history_of_a_subject_without_account_says_so(world, posted):
    assert "没有积分账户 / has no points account" in history(f"subject:{world.reviewer_person.subject.pk}")


@pytest.mark.parametrize("ref", ["nobody", "household:demo/zhangji/shahe:SH-999", "subject:999999", "42088119800101001X"])
def test_an_unknown_subject_is_a_clear_error(ref, posted):
    with pytest.raises(CommandError) as exc:
        history(ref)
    assert "/" in str(exc.value)
