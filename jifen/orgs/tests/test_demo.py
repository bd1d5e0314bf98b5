import hashlib
import io
import random
import re
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import F

from jifen.core.demo import DemoContext
from jifen.orgs.demo import PASSWORD, TODAY, build
from jifen.orgs.demo_names import LAUNDRY_TEAMS, MINE_UNITS
from jifen.orgs.models import (
    Employment,
    Household,
    HouseholdMember,
    Membership,
    OrgUnit,
    PartyMembership,
    Person,
    RoleBinding,
    Subject,
    Unit,
    User,
)
from jifen.orgs.validators import birth_date_from_id, gender_from_id, normalize_id_number


class _Rollback(Exception):
    pass


def demo_digest(seed):
    """A digest of everything a person would notice in the demo: units, people, households, accounts."""
    digest = hashlib.sha256()
    try:
        with transaction.atomic():
            build(DemoContext(size="small", seed=seed, stdout=io.StringIO()))
            for row in OrgUnit.objects.order_by("path").values_list("path", "name", "kind__code"):
                digest.update(repr(row).encode())
            people = Person.objects.order_by("id_number").values_list(
                "name", "id_number", "gender", "birth_date", "mobile", "address", "org__path"
            )
            for row in people:
                digest.update(repr(row).encode())
            stays = HouseholdMember.objects.order_by("household__village__path", "household__number", "person__id_number")
            for row in stays.values_list("household__number", "person__id_number", "relation"):
                digest.update(repr(row).encode())
            for row in PartyMembership.objects.order_by("person__id_number").values_list("person__id_number", "branch__path", "klass", "joined_on", "exemption"):
                digest.update(repr(row).encode())
            for row in Employment.objects.order_by("employee_no").values_list("employee_no", "person__id_number", "org__path", "position", "hire_date"):
                digest.update(repr(row).encode())
            for row in RoleBinding.objects.order_by("user__username").values_list("user__username", "user__person__id_number", "role", "org__path"):
                digest.update(repr(row).encode())
            raise _Rollback
    except _Rollback:
        pass
    return digest.hexdigest()


@pytest.mark.django_db
def test_small_demo_is_the_same_for_a_seed_and_differs_for_another(monkeypatch):
    def no_global_random(*args, **kwargs):
        raise AssertionError("the demo must draw from ctx.rng only")

    for name in ("random", "randint", "randrange", "choice", "choices", "shuffle", "sample"):
        monkeypatch.setattr(random, name, no_global_random)

    first = demo_digest(1)
    assert demo_digest(1) == first
    assert demo_digest(2) != first
    assert Person.objects.count() == 0  # each build above was rolled back


@pytest.fixture
def small_demo(db):
    ctx = DemoContext(size="small", seed=1, stdout=io.StringIO())
    build(ctx)
    return ctx


def kinds(code):
    return OrgUnit.objects.filter(kind__code=code)


@pytest.mark.django_db
def test_small_demo_has_one_township_three_villages_and_their_grids_groups_and_branches(small_demo):
    data = small_demo.data
    assert data["root"].path == "demo" and data["root"].name == "清河县"
    assert [t.path for t in data["townships"]] == ["demo/chengguan"]
    assert kinds("township").count() == 1
    assert kinds("village").count() == 3 and kinds("community").count() == 0
    assert kinds("grid").count() == 6 and kinds("group").count() == 12
    assert set(data["grids"]) == set(kinds("grid")) and set(data["groups"]) == set(kinds("group"))
    assert kinds("party_committee").count() == 1 and kinds("party_branch").count() == 4
    for village in data["villages"]:
        children = sorted(village.children.values_list("code", flat=True))
        assert children == ["dzb", "g1", "g2", "z1", "z2", "z3", "z4"]
    assert data["today"] == TODAY and data["password"] == PASSWORD


@pytest.mark.django_db
def test_small_demo_has_300_households_each_with_one_head_and_consistent_people(small_demo):
    assert Household.objects.count() == 300
    heads = HouseholdMember.objects.filter(relation="户主", left_on__isnull=True)
    assert heads.count() == 300
    assert set(heads.values_list("household_id", "person_id")) == set(Household.objects.values_list("id", "head_id"))
    for village in small_demo.data["villages"]:
        numbers = sorted(Household.objects.filter(village=village).values_list("number", flat=True))
        assert numbers == [f"{n:04d}" for n in range(1, 101)]
    assert not Household.objects.exclude(org__kind__code="grid").exists()
    # Every member lives in the household's grid; household sizes look rural (1 to 10 people).
    assert not HouseholdMember.objects.exclude(person__org=F("household__org")).exists()
    sizes = Counter(Counter(HouseholdMember.objects.values_list("household_id", flat=True)).values())
    assert min(sizes) >= 1 and max(sizes) <= 10

    people = list(Person.objects.all())
    assert Subject.objects.filter(kind="person").count() == len(people)
    assert Subject.objects.filter(kind="household").count() == 300
    assert Subject.objects.filter(kind="unit").count() == Unit.objects.count() == 6
    assert not Person.objects.exclude(subject__org=F("org")).exists()
    assert len({p.id_number for p in people}) == len(people)
    for p in people:
        assert normalize_id_number(p.id_number) == p.id_number
        assert (birth_date_from_id(p.id_number), gender_from_id(p.id_number)) == (p.birth_date, p.gender)
        assert 0 <= (TODAY - p.birth_date).days // 365 <= 100
        assert p.mobile == "" or re.fullmatch(r"1[3-9]\d{9}", p.mobile)
    mobiles = [p.mobile for p in people if p.mobile]
    assert len(set(mobiles)) == len(mobiles)


@pytest.mark.django_db
def test_small_demo_has_party_members_in_three_classes_with_valid_exemptions(small_demo):
    members = list(PartyMembership.objects.select_related("person", "branch__kind"))
    assert {m.klass for m in members} == {"backbone", "ordinary", "floating"}
    assert {m.branch.kind.code for m in members} == {"party_branch"}
    for m in members:
        age = (TODAY - m.person.birth_date).days // 365
        assert m.exemption != "over_70" or age >= 70
        assert m.joined_on <= TODAY and (m.joined_on - m.person.birth_date).days >= 18 * 365
    assert any(m.exemption for m in members)
    assert {m.branch.path for m in members} >= {f"{v.path}/dzb" for v in small_demo.data["villages"]}


@pytest.mark.django_db
def test_small_demo_has_the_laundry_company_mine_and_school(small_demo):
    data = small_demo.data
    assert data["company"].path == "demo/xidi"
    assert [t.name for t in data["teams"]] == [name for _, name, _ in LAUNDRY_TEAMS]
    for team in data["teams"]:
        jobs = Employment.objects.filter(org=team)
        assert jobs.filter(is_leader=True).count() == 1 and jobs.count() >= 4
        assert all(re.fullmatch(r"XD\d{4}", no) for no in jobs.values_list("employee_no", flat=True))
        assert not jobs.exclude(person__org=team).exists()
    assert [u.name for u in data["mine_units"]] == [name for _, name, _, _ in MINE_UNITS]
    assert Employment.objects.filter(org__path__startswith="demo/meikuang/").exclude(skill_level="").exists()
    assert [g.name for g in data["grade_groups"]] == ["高一年级组", "高二年级组", "高三年级组"]
    assert len(data["subject_groups"]) == 8
    teachers = Person.objects.filter(employment__org__in=data["subject_groups"])
    assert teachers.count() >= 16
    for teacher in teachers:
        assert Membership.objects.filter(person=teacher, org__in=data["grade_groups"]).count() == 1


@pytest.mark.django_db
def test_small_demo_accounts_cover_every_role_and_sign_in_with_the_demo_password(small_demo):
    data = small_demo.data
    villages, grids = data["villages"], data["grids"]
    bindings = RoleBinding.objects.all()
    assert bindings.filter(role="platform_admin", org=data["root"]).count() == 1
    assert bindings.filter(role="org_admin", org__in=data["townships"]).count() == 1
    assert bindings.filter(role="reviewer", org__in=villages).count() == 3
    assert bindings.filter(role="recorder", org__in=grids).count() == 6
    assert bindings.filter(role="shopkeeper", org__in=villages).count() == 3
    assert bindings.filter(role="member", org__in=villages).count() == 60
    assert User.objects.count() == bindings.count() == sum(len(users) for users in data["users"].values())
    admin = data["admin"]
    assert (admin.username, admin.is_superuser) == ("admin", True)
    assert admin.check_password(PASSWORD)
    reviewer = data["users"]["reviewer"][0]
    assert reviewer.person.household_stays.get().household.village == villages[0]
    # Every account that belongs to someone belongs to a different person.
    person_ids = [pid for pid in User.objects.values_list("person_id", flat=True) if pid]
    assert len(set(person_ids)) == len(person_ids) == User.objects.count() - 1


@pytest.mark.django_db
def test_demo_command_prints_the_sign_in_names_and_refuses_a_second_run():
    out = io.StringIO()
    call_command("demo", size="small", seed=1, stdout=out)
    text = out.getvalue()
    assert "密码 / password: jifen-demo-2026" in text
    assert "平台管理员 / platform admin: admin" in text and "村民 / villager: jiangjiaying-0001" in text
    with pytest.raises(CommandError):
        call_command("demo", size="small", stdout=io.StringIO())
