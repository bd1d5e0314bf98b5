import io

import pytest
from openpyxl import load_workbook

from jifen.core.demo import DemoContext
from jifen.core.errors import PermissionDenied
from jifen.core.models import AuditEvent
from jifen.orgs.demo import build
from jifen.orgs.importing import COLUMNS, people_export, people_import, people_rows
from jifen.orgs.models import (
    Employment,
    Household,
    HouseholdMember,
    Membership,
    PartyMembership,
    Person,
    Subject,
    Unit,
    User,
    subtree_q,
)
from jifen.orgs.tests.people_files import EXAMPLE, table_counts


def snapshot(org):
    """Everything the layout carries, keyed by what does not change on re-import (not primary keys)."""
    people = {}
    stays = {
        s.person_id: s
        for s in HouseholdMember.objects.filter(left_on__isnull=True).select_related(
            "household__village", "household__org", "household__head", "household__subject"
        )
    }
    for p in Person.objects.filter(subtree_q(org.path, "org__path")).select_related(
        "org", "subject", "party__branch", "employment__org"
    ):
        stay = stays.get(p.pk)
        party = getattr(p, "party", None)
        job = getattr(p, "employment", None)
        people[p.id_number or job.employee_no] = (
            p.name, p.gender, p.birth_date, p.mobile, p.address, p.org.path, p.subject.org_id == p.org_id,
            (stay.household.village.path, stay.household.number, stay.relation, stay.household.org.path,
             stay.household.address, stay.household.head.id_number, stay.household.subject.name) if stay else None,
            (party.klass, party.branch.path, party.joined_on, party.exemption) if party else None,
            (job.employee_no, job.org.path, job.position, job.is_leader, job.hire_date, job.education, job.title,
             job.skill_level, job.speciality) if job else None,
        )
    return people


def wipe_people():
    User.objects.update(person=None)
    Unit.objects.update(contact=None)
    Household.objects.update(head=None)
    for model in (HouseholdMember, Membership, PartyMembership, Employment, Household, Person):
        model.objects.all().delete()
    Subject.objects.filter(kind__in=["person", "household"]).delete()
    assert Person.objects.count() == 0


def export_bytes(org, *, unmasked):
    buffer = io.BytesIO()
    people_export(actor=None, org=org, destination=buffer, unmasked=unmasked)
    buffer.seek(0)
    return buffer


@pytest.mark.django_db
def test_export_then_import_gives_back_identical_data(world, units):
    people_import(actor=None, org=world.shahe, source=EXAMPLE)
    before, rows_before = snapshot(world.shahe), people_rows(org=world.shahe, unmasked=True)
    assert len(before) == 12  # the world's five in Shahe and the example's seven
    exported = export_bytes(world.shahe, unmasked=True)

    wipe_people()
    report = people_import(actor=None, org=world.shahe, source=exported)

    assert report.errors == []
    assert (report.created, report.households_created) == (12, 4)
    assert snapshot(world.shahe) == before
    assert people_rows(org=world.shahe, unmasked=True) == rows_before


@pytest.mark.django_db
def test_exported_file_reimported_unchanged_writes_nothing(world, units):
    people_import(actor=None, org=world.shahe, source=EXAMPLE)
    exported = export_bytes(world.township, unmasked=True)
    before = table_counts()
    report = people_import(actor=None, org=world.township, source=exported)
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, 14)
    assert table_counts() == before


@pytest.mark.django_db
def test_the_demo_county_survives_an_export_import_round_trip():
    ctx = DemoContext(size="small", seed=3, stdout=io.StringIO())
    build(ctx)
    root = ctx.data["root"]
    before, rows_before = snapshot(root), people_rows(org=root, unmasked=True)
    exported = export_bytes(root, unmasked=True)

    wipe_people()
    report = people_import(actor=None, org=root, source=exported)

    assert report.errors == []
    assert report.created == len(before) == len(rows_before)
    assert report.households_created == 300
    assert snapshot(root) == before
    assert people_rows(org=root, unmasked=True) == rows_before


@pytest.mark.django_db
def test_export_is_masked_by_default_and_audited(world, units):
    exported = export_bytes(world.shahe, unmasked=False)
    sheet = load_workbook(exported).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    assert header == [col.header for col in COLUMNS]
    first = dict(zip(header, [cell.value for cell in sheet[2]], strict=True))
    assert (first["姓名"], first["身份证号"], first["手机号"], first["户号"], first["与户主关系"], first["所属网格"]) == (
        "张三", "420***********003X", "138****0001", "SH-001", "户主", "g1",
    )
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.org_path, event.after) == ("orgs.people_export", "demo/zhangji/shahe", {"rows": 5, "unmasked": False, "file": ""})


@pytest.mark.django_db
def test_a_masked_export_cannot_be_imported_as_new_people(world, units):
    exported = export_bytes(world.shahe, unmasked=False)
    wipe_people()
    report = people_import(actor=None, org=world.shahe, source=exported)
    # Every row's masked ID identifies no one; its masked mobile number cannot be stored either.
    assert [(e.row, e.column) for e in report.errors] == [
        (row, column) for row in range(2, 7) for column in ("身份证号", "手机号")
    ]
    assert "打码" in report.errors[0].zh
    assert Person.objects.count() == 0


@pytest.mark.django_db
def test_a_reviewer_may_export_masked_only_and_a_recorder_not_at_all(world, units):
    before = AuditEvent.objects.count()
    with pytest.raises(PermissionDenied):
        people_export(actor=world.reviewer, org=world.shahe, destination=io.BytesIO(), unmasked=True)
    with pytest.raises(PermissionDenied):
        people_export(actor=world.recorder, org=world.shahe_grid1, destination=io.BytesIO())
    with pytest.raises(PermissionDenied):
        people_export(actor=world.reviewer, org=world.quanshui, destination=io.BytesIO())
    assert AuditEvent.objects.count() == before
    assert people_export(actor=world.reviewer, org=world.shahe, destination=io.BytesIO()) == 5
    assert people_export(actor=world.admin, org=world.shahe, destination=io.BytesIO(), unmasked=True) == 5
    assert list(AuditEvent.objects.filter(action="orgs.people_export").values_list("actor_id", "after__unmasked")) == [
        (world.admin.pk, True), (world.reviewer.pk, False),
    ]
