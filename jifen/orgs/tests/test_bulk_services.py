import datetime as dt

import pytest

from jifen.core.errors import Conflict, InvalidInput
from jifen.core.models import AuditEvent
from jifen.orgs import services as orgs
from jifen.orgs.models import Household, HouseholdMember, Person, Role, RoleBinding, Subject, User
from jifen.orgs.testing import make_id_number


@pytest.mark.django_db
def test_people_bulk_write_creates_subjects_households_and_one_summary_audit_row(world):
    on = dt.date(2026, 11, 25)
    head = Person(org=world.shahe_grid2, name="孙大", id_number=make_id_number("420881", "19700101", 60, True))
    wife = Person(org=world.shahe_grid2, name="钱二", id_number=make_id_number("420881", "19720101", 61, False), mobile="13600000001")
    household = Household(village=world.shahe, org=world.shahe_grid2, number="SH-100")
    batch = orgs.PeopleBatch(
        on=on, new_people=[head, wife], new_households=[household], heads=[(household, head)],
        new_stays=[HouseholdMember(household=household, person=p, relation=r, joined_on=on) for p, r in ((head, "户主"), (wife, "配偶"))],
    )
    audit_before = AuditEvent.objects.count()
    counts = orgs.people_bulk_write(actor=world.admin, batch=batch, action="orgs.test_bulk", org_path=world.shahe.path)

    assert counts["people_created"] == 2 and counts["households_created"] == 1 and counts["stays_created"] == 2
    head.refresh_from_db()
    assert (head.gender, head.birth_date, head.subject.kind, head.subject.name) == ("M", dt.date(1970, 1, 1), "person", "孙大")
    household = Household.objects.get(number="SH-100")
    assert (household.head, household.subject.name, household.subject.org) == (head, "孙大户", world.shahe_grid2)
    assert AuditEvent.objects.count() == audit_before + 1
    assert AuditEvent.objects.latest("id").action == "orgs.test_bulk"


@pytest.mark.django_db
def test_people_bulk_write_refuses_an_unclean_person_and_writes_nothing(world):
    good = make_id_number("420881", "19700101", 63, True)
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    before = (Person.objects.count(), Subject.objects.count(), AuditEvent.objects.count())
    batch = orgs.PeopleBatch(on=dt.date(2026, 11, 25), new_people=[
        Person(org=world.shahe_grid2, name="好", id_number=make_id_number("420881", "19700101", 62, True)),
        Person(org=world.shahe_grid2, name="坏", id_number=bad),
    ])
    with pytest.raises(InvalidInput):
        orgs.people_bulk_write(actor=None, batch=batch, action="orgs.test_bulk", org_path="")
    assert (Person.objects.count(), Subject.objects.count(), AuditEvent.objects.count()) == before


@pytest.mark.django_db
def test_accounts_bulk_create_shares_one_password_and_grants_each_role(world):
    sun = orgs.person_create(actor=None, org=world.shahe_grid2, name="孙记", id_number=make_id_number("420881", "19800101", 64, True))
    users = orgs.accounts_bulk_create(actor=None, password="demo-pass-123", accounts=[
        orgs.AccountSpec(username="g2-recorder", org=world.shahe_grid2, role=Role.RECORDER, person=sun, points_limit=10),
        orgs.AccountSpec(username="shop", org=world.shahe, role=Role.SHOPKEEPER),
    ])
    assert [u.username for u in users] == ["g2-recorder", "shop"]
    assert all(User.objects.get(pk=u.pk).check_password("demo-pass-123") for u in users)
    binding = RoleBinding.objects.get(user=users[0])
    assert (binding.role, binding.org, binding.points_limit) == ("recorder", world.shahe_grid2, 10)
    assert users[0].first_name == "孙记"


@pytest.mark.django_db
def test_accounts_bulk_create_refuses_a_taken_username_and_creates_none(world):
    before = User.objects.count()
    with pytest.raises(Conflict):
        orgs.accounts_bulk_create(actor=None, password="x-123456", accounts=[
            orgs.AccountSpec(username="new-one", org=world.shahe, role=Role.MEMBER),
            orgs.AccountSpec(username="zhangsan", org=world.shahe, role=Role.MEMBER),
        ])
    assert User.objects.count() == before


@pytest.mark.django_db
def test_accounts_bulk_create_refuses_a_person_who_already_has_an_account(world):
    before = User.objects.count()
    with pytest.raises(Conflict):
        orgs.accounts_bulk_create(actor=None, password="x-123456", accounts=[
            orgs.AccountSpec(username="second-zhangsan", org=world.shahe, role=Role.MEMBER, person=world.zhangsan),
        ])
    assert User.objects.count() == before
