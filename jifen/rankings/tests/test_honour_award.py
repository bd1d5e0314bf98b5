import pytest

from jifen.core.errors import Conflict, IllegalTransition, InvalidInput
from jifen.core.models import AuditEvent
from jifen.rankings.models import Honour
from jifen.rankings.rewards import honour_award, honours_of, reward_list_evaluate
from jifen.rankings.tests.rewards_helpers import adopt, frozen, give, local


@pytest.fixture
def town(world):
    scheme = adopt("p7-town-jifen-plus", world.shahe, objection_days=7, settings={"veto": {"period_days": 365}})
    at = local(2025, 7, 1)
    for p, points in ((world.zhangsan, 150), (world.limei, 100), (world.wangwu, 80)):
        give(scheme, p, points, at)
    give(scheme, world.household.subject, 40, at)
    give(scheme, world.neighbour_household.subject, 20, at)
    return scheme


def test_an_eligible_household_is_made_a_ten_star_civilised_household(town, world):
    with frozen(2026, 1, 2, 8, 0):
        reward_list_evaluate(scheme=town, rule_index=0, period="2025")
        honour = honour_award(scheme=town, subject=world.household.subject, title="十星级文明户", period="2025", actor=world.admin)
    assert (honour.title, honour.period, honour.reward_list.period) == ("十星级文明户", "2025", "2025")
    assert [(h.subject.name, h.title) for h in honours_of(scheme=town, period="2025")] == [("张三户", "十星级文明户")]
    assert AuditEvent.objects.filter(action="rankings.honour_award", actor_id=world.admin.pk).count() == 1


def test_honours_need_the_evaluated_list_and_eligibility(town, world):
    with frozen(2026, 1, 2, 8, 0):
        with pytest.raises(IllegalTransition) as not_evaluated:
            honour_award(scheme=town, subject=world.household.subject, title="最美家庭", period="2025", actor=None)
        reward_list_evaluate(scheme=town, rule_index=0, period="2025")
        with pytest.raises(IllegalTransition) as below:
            honour_award(scheme=town, subject=world.neighbour_household.subject, title="最美家庭", period="2025", actor=None)
        with pytest.raises(InvalidInput) as wrong_subject:
            honour_award(scheme=town, subject=world.zhangsan.subject, title="十星级文明户", period="2025", actor=None)
        with pytest.raises(InvalidInput) as unknown:
            honour_award(scheme=town, subject=world.household.subject, title="金牌家庭", period="2025", actor=None)
        honour_award(scheme=town, subject=world.household.subject, title="最美家庭", period="2025", actor=None)
        with pytest.raises(Conflict) as twice:
            honour_award(scheme=town, subject=world.household.subject, title="最美家庭", period="2025", actor=None)
    assert not_evaluated.value.code == "list_not_evaluated"
    assert below.value.code == "not_eligible" and "积分未高于平均分" in below.value.zh
    assert wrong_subject.value.code == "honour_wrong_subject"
    assert unknown.value.code == "unknown_honour"
    assert twice.value.code == "honour_exists"
    assert Honour.objects.count() == 1


def test_schemes_without_an_eligibility_rule_grant_their_honours_directly(world):
    scheme = adopt("p5-grid-household", world.shahe, period_policy="year_end_clear")
    with frozen(2026, 1, 2, 8, 0):
        honour = honour_award(scheme=scheme, subject=world.household.subject, title="最美家庭", period="2025", actor=None)
    assert honour.reward_list is None
