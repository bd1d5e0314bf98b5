import pytest

from jifen.core.errors import Conflict, InvalidInput
from jifen.core.models import AuditEvent
from jifen.ledger import services
from jifen.ledger.models import Account
from jifen.ledger.testing import award, local, make_scheme


@pytest.mark.django_db
def test_account_for_opens_once_and_then_returns_the_same_account(world, scheme):
    first = services.account_for(scheme=scheme, subject=world.zhangsan.subject, actor=world.admin)
    again = services.account_for(scheme=scheme, subject=world.zhangsan.subject)
    assert first.pk == again.pk
    assert first.kind == "subject" and first.subject_id == world.zhangsan.subject.pk and not first.non_negative
    assert Account.objects.filter(scheme=scheme).count() == 1
    event = AuditEvent.objects.get(action="ledger.account_open")
    assert event.actor_id == world.admin.pk and event.object_id == str(first.pk)


@pytest.mark.django_db
def test_a_subject_outside_the_schemes_org_gets_no_account(world, scheme):
    with pytest.raises(InvalidInput) as exc:
        services.account_for(scheme=scheme, subject=world.zhaoliu.subject)
    assert exc.value.code == "subject_outside_scheme"
    assert not Account.objects.exists()


@pytest.mark.django_db
def test_scheme_setting_makes_new_accounts_non_negative(world):
    scheme = make_scheme(world.shahe, code="shop-only", settings={"non_negative_balance": True})
    assert services.account_for(scheme=scheme, subject=world.wangwu.subject).non_negative


@pytest.mark.django_db
def test_system_accounts_are_one_per_kind_and_have_no_subject(scheme):
    issuance = services.system_account(scheme=scheme, kind="issuance")
    assert services.system_account(scheme=scheme, kind="issuance").pk == issuance.pk
    assert issuance.subject_id is None and issuance.is_system
    assert services.system_account(scheme=scheme, kind="shop").pk != issuance.pk
    with pytest.raises(InvalidInput) as exc:
        services.system_account(scheme=scheme, kind="subject")
    assert exc.value.code == "bad_account_kind"
    with pytest.raises(InvalidInput):
        services.system_account(scheme=scheme, kind="bank")


@pytest.mark.django_db
def test_non_negative_rule_cannot_be_switched_on_below_zero(world, scheme, acc):
    award(scheme=scheme, account=acc.zhangsan, points=-5, kind="deduct", key="d1", at=local(2026, 3, 3, 9))
    with pytest.raises(Conflict) as exc:
        services.account_set_non_negative(account=acc.zhangsan, non_negative=True, actor=world.admin)
    assert exc.value.code == "balance_negative"
    acc.zhangsan.refresh_from_db()
    assert not acc.zhangsan.non_negative
    assert not AuditEvent.objects.filter(action="ledger.account_set_non_negative").exists()


@pytest.mark.django_db
def test_non_negative_rule_switches_on_and_is_audited(world, scheme, acc):
    services.account_set_non_negative(account=acc.wangwu, non_negative=True, actor=world.admin)
    acc.wangwu.refresh_from_db()
    assert acc.wangwu.non_negative
    event = AuditEvent.objects.get(action="ledger.account_set_non_negative")
    assert event.before == {"non_negative": False} and event.after == {"non_negative": True}
