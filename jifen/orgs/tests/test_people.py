import datetime as dt

import pytest

from jifen.core.errors import Conflict, InvalidInput
from jifen.core.models import AuditEvent
from jifen.orgs import services as orgs
from jifen.orgs.models import HouseholdMember, Person


@pytest.mark.django_db
def test_person_takes_birth_date_and_gender_from_the_id(world):
    p = orgs.person_create(actor=world.admin, org=world.shahe_grid2, name="孙七", id_number="11010519491231002x")
    assert (p.gender, p.birth_date, p.id_number) == ("F", dt.date(1949, 12, 31), "11010519491231002X")
    assert p.subject.kind == "person" and p.subject.org == world.shahe_grid2
    event = AuditEvent.objects.filter(action="orgs.person_create").latest("id")
    assert (event.actor_id, event.object_id, event.org_path) == (world.admin.pk, str(p.pk), "demo/zhangji/shahe/g2")


@pytest.mark.django_db
def test_gender_contradicting_the_id_is_refused_and_nothing_written(world):
    before = Person.objects.count()
    with pytest.raises(InvalidInput) as excinfo:
        orgs.person_create(actor=None, org=world.shahe_grid2, name="孙七", id_number="11010519491231002X", gender="M")
    assert excinfo.value.detail == {"field": "gender"}
    assert Person.objects.count() == before


@pytest.mark.django_db
def test_duplicate_id_number_is_refused(world):
    with pytest.raises(Conflict):
        orgs.person_create(actor=None, org=world.shahe_grid2, name="冒名", id_number=world.zhangsan.id_number)


@pytest.mark.django_db
def test_a_person_is_in_one_household_at_a_time_with_history(world):
    on = dt.date(2026, 3, 1)
    orgs.household_member_add(actor=None, household=world.neighbour_household, person=world.limei, relation="女", on=on)
    stays = list(HouseholdMember.objects.filter(person=world.limei).order_by("id").values_list("household__number", "left_on"))
    assert stays == [("SH-001", on), ("SH-002", None)]


@pytest.mark.django_db
def test_moving_the_head_out_clears_the_head(world):
    orgs.household_member_add(actor=None, household=world.neighbour_household, person=world.zhangsan, relation="其他")
    world.household.refresh_from_db()
    assert world.household.head is None
