import datetime as dt
import io

import pytest

from jifen.core.errors import InvalidInput, PermissionDenied
from jifen.core.excel import Column
from jifen.core.models import AuditEvent
from jifen.orgs.examples import EXAMPLE_ROWS
from jifen.orgs.importing import people_import
from jifen.orgs.models import Employment, Household, HouseholdMember, PartyMembership, Person
from jifen.orgs.testing import make_id_number
from jifen.orgs.tests.people_files import EXAMPLE, table_counts, write_people


def example_file(tmp_path, rows=None, name="people.xlsx"):
    return write_people(tmp_path / name, rows if rows is not None else [dict(r) for r in EXAMPLE_ROWS])


@pytest.mark.django_db
def test_good_file_creates_people_households_party_members_and_jobs(world, units):
    before = table_counts()
    report = people_import(actor=world.admin, org=world.shahe, source=EXAMPLE)

    assert report.errors == []
    assert (report.rows, report.created, report.updated, report.unchanged) == (7, 7, 0, 0)
    assert (report.households_created, report.households_updated) == (2, 0)
    after = table_counts()
    assert {k: after[k] - before[k] for k in after} == {
        "people": 7, "subjects": 9, "households": 2, "stays": 7, "party": 3, "jobs": 1, "audit": 1,
    }
    zhang = Person.objects.get(name="张建国")
    assert (zhang.gender, zhang.birth_date, zhang.mobile, zhang.address, zhang.org) == (
        "M", dt.date(1968, 3, 12), "13912340001", "一组12号", world.shahe_grid1,
    )
    assert zhang.subject.kind == "person" and zhang.subject.org == world.shahe_grid1
    household = Household.objects.get(village=world.shahe, number="9001")
    assert (household.head, household.org, household.subject.name, household.address) == (zhang, world.shahe_grid1, "张建国户", "一组12号")
    members = sorted(household.members.values_list("person__name", "relation"))
    assert members == [("张伟", "子"), ("张建国", "户主"), ("李秀英", "配偶"), ("王桂兰", "母")]
    party = {m.person.name: (m.klass, m.branch, m.joined_on, m.exemption) for m in PartyMembership.objects.select_related("person")}
    assert party == {
        "张建国": ("backbone", units["branch"], dt.date(1995, 7, 1), ""),
        "王桂兰": ("ordinary", units["branch"], dt.date(1972, 7, 1), "over_70"),
        "刘志强": ("floating", units["branch"], dt.date(2008, 6, 15), ""),
    }
    job = Employment.objects.get(employee_no="XD0901")
    assert (job.person.name, job.org, job.position, job.is_leader, job.hire_date, job.education) == (
        "张伟", units["team"], "洗涤工", False, dt.date(2021, 3, 1), "高中",
    )
    event = AuditEvent.objects.latest("id")
    assert (event.action, event.actor_id, event.org_path) == ("orgs.people_import", world.admin.pk, "demo/zhangji/shahe")
    assert event.after["people_created"] == 7 and event.after["households_created"] == 2 and event.after["rows"] == 7


@pytest.mark.django_db
def test_reimporting_the_same_file_changes_nothing(world, units):
    people_import(actor=world.admin, org=world.shahe, source=EXAMPLE)
    before = table_counts()
    stamps = dict(Person.objects.values_list("id", "updated_at"))

    report = people_import(actor=world.admin, org=world.shahe, source=EXAMPLE)

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged, report.households_created, report.households_updated) == (0, 0, 7, 0, 0)
    assert table_counts() == before  # no new rows anywhere, not even an audit row
    assert dict(Person.objects.values_list("id", "updated_at")) == stamps


@pytest.mark.django_db
def test_changed_cells_update_and_are_audited_per_person(world, units, tmp_path):
    people_import(actor=world.admin, org=world.shahe, source=EXAMPLE)
    rows = [dict(r) for r in EXAMPLE_ROWS]
    rows[1]["mobile"] = "13700000099"  # 李秀英 has a new phone
    rows[2]["position"] = "组长"  # 张伟 is promoted
    rows[2]["is_leader"] = "是"
    rows[5]["grid"] = "g1"  # 刘志强's household moves to grid 1 …
    rows[4]["grid"] = rows[6]["grid"] = "g1"  # … all three of them
    before = table_counts()

    report = people_import(actor=world.admin, org=world.shahe, source=example_file(tmp_path, rows))

    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 5, 2)
    assert report.households_updated == 1
    assert Person.objects.get(name="李秀英").mobile == "13700000099"
    job = Employment.objects.get(employee_no="XD0901")
    assert (job.position, job.is_leader) == ("组长", True)
    household = Household.objects.get(village=world.shahe, number="9002")
    assert household.org == world.shahe_grid1 and household.subject.org == world.shahe_grid1
    assert Person.objects.get(name="刘欣怡").subject.org == world.shahe_grid1
    after = table_counts()
    # Four people's own fields changed (one row each) plus the import's summary row.
    assert after["audit"] - before["audit"] == 5
    event = AuditEvent.objects.filter(action="orgs.person_update", object_id=str(Person.objects.get(name="李秀英").pk)).get()
    assert (event.before, event.after) == ({"mobile": "13912340002"}, {"mobile": "13700000099"})
    assert {k: after[k] - before[k] for k in after if k != "audit"} == {k: 0 for k in after if k != "audit"}


@pytest.mark.django_db
def test_dry_run_reports_what_would_happen_and_writes_nothing(world, units):
    before = table_counts()
    report = people_import(actor=world.admin, org=world.shahe, source=EXAMPLE, dry_run=True)
    assert report.errors == [] and report.dry_run
    assert (report.created, report.households_created) == (7, 2)
    assert "试导入" in report.render()
    assert table_counts() == before


def _bad_rows():
    good = make_id_number("420881", "19900101", 40, True)
    return [
        # 2: check digit wrong
        {"name": "甲", "id_number": good[:-1] + ("0" if good[-1] != "0" else "1"), "grid": "g1"},
        # 3: bad phone, unknown grid
        {"name": "乙", "id_number": make_id_number("420881", "19900102", 41, True), "mobile": "12345", "grid": "g9"},
        # 4 and 5: the same ID twice, in two households
        {"name": "丙", "id_number": good, "grid": "g1", "household_no": "8001", "relation": "户主"},
        {"name": "丙", "id_number": good, "grid": "g1", "household_no": "8002", "relation": "户主"},
        # 6 and 7: a household with two heads
        {"name": "丁", "id_number": make_id_number("420881", "19900103", 42, True), "grid": "g1", "household_no": "8003", "relation": "户主"},
        {"name": "戊", "id_number": make_id_number("420881", "19900104", 43, False), "grid": "g1", "household_no": "8003", "relation": "户主"},
        # 8: a household without a head
        {"name": "己", "id_number": make_id_number("420881", "19900105", 44, False), "grid": "g1", "household_no": "8004", "relation": "配偶"},
        # 9: gender contradicts the ID, a date that is no date, a class that does not exist
        {"name": "庚", "id_number": make_id_number("420881", "19900106", 45, True), "gender": "女", "grid": "g1",
         "party_class": "积极类", "party_branch": "dzb", "party_joined": "去年"},
        # 10: job details without an employee number; a party member without a branch
        {"name": "辛", "id_number": make_id_number("420881", "19900107", 46, True), "grid": "g1", "position": "洗涤工",
         "party_class": "普通类"},
        # 11: neither ID nor employee number
        {"name": "壬", "grid": "g1"},
        # 12: a masked ID from a masked export
        {"name": "癸", "id_number": "420***********0011", "grid": "g1"},
        # 13: a good row: still nothing is written
        {"name": "好人", "id_number": make_id_number("420881", "19900108", 47, True), "grid": "g2"},
        # 14: under 70 cannot be exempted for age; unknown branch
        {"name": "子", "id_number": make_id_number("420881", "19900109", 48, True), "grid": "g1",
         "party_class": "普通类", "party_branch": "不存在的支部", "party_exemption": "年满70周岁"},
    ]


@pytest.mark.django_db
def test_every_bad_cell_is_reported_and_nothing_is_written(world, units, tmp_path):
    before = table_counts()
    report = people_import(actor=world.admin, org=world.shahe, source=example_file(tmp_path, _bad_rows()))

    # Listed by row, then in the file's column order.
    assert [(e.row, e.column) for e in report.errors] == [
        (2, "身份证号"),
        (3, "手机号"), (3, "所属网格"),
        (5, "身份证号"), (5, "户号"),
        (7, "与户主关系"),
        (8, "与户主关系"),
        (9, "性别"), (9, "党员类别"), (9, "入党日期"),
        (10, "所属党支部"), (10, "工号"),
        (11, "身份证号"),
        (12, "身份证号"),
        (14, "所属党支部"), (14, "免于考核"),
    ]
    by_place = {(e.row, e.column): e for e in report.errors}
    assert by_place[(2, "身份证号")].zh == "身份证号校验位不正确"
    assert by_place[(2, "身份证号")].en == "the ID number's check digit is wrong"
    assert by_place[(3, "所属网格")].zh == "在「沙河村」下找不到组织「g9」"
    assert by_place[(5, "身份证号")].zh == "与第 4 行的身份证号重复"
    assert "8001" in by_place[(5, "户号")].zh
    assert by_place[(7, "与户主关系")].en == "household 8003 has more than one head (rows 6, 7)"
    assert "没有户主" in by_place[(8, "与户主关系")].zh
    assert by_place[(14, "免于考核")].zh == "未满70周岁，不能以年龄免于考核"
    assert all(e.zh and e.en for e in report.errors)
    assert not report.ok and "未写入任何数据" in report.render()
    assert table_counts() == before


@pytest.mark.django_db
def test_an_existing_person_moves_household_and_the_old_one_loses_its_head(world, units, tmp_path):
    rows = [
        {"name": "张三", "id_number": world.zhangsan.id_number, "grid": "g1", "household_no": "SH-002", "relation": "其他"},
    ]
    report = people_import(actor=world.admin, org=world.shahe, source=example_file(tmp_path, rows))

    assert report.errors == []
    assert (report.created, report.updated, report.households_updated) == (0, 1, 1)
    assert "SH-001" in report.warnings[0]
    stays = list(HouseholdMember.objects.filter(person=world.zhangsan).order_by("id").values_list("household__number", "left_on"))
    assert [number for number, _ in stays] == ["SH-001", "SH-002"]
    assert stays[0][1] is not None and stays[1][1] is None
    world.household.refresh_from_db()
    assert world.household.head is None


@pytest.mark.django_db
def test_a_new_head_needs_the_present_head_in_the_file(world, units, tmp_path):
    rows = [{"name": "李梅", "id_number": world.limei.id_number, "grid": "g1", "household_no": "SH-001", "relation": "户主"}]
    before = table_counts()
    report = people_import(actor=world.admin, org=world.shahe, source=example_file(tmp_path, rows))
    assert [(e.row, e.column) for e in report.errors] == [(2, "与户主关系")]
    assert "张三" in report.errors[0].zh
    assert table_counts() == before

    rows.append({"name": "张三", "id_number": world.zhangsan.id_number, "grid": "g1", "household_no": "SH-001", "relation": "配偶"})
    report = people_import(actor=world.admin, org=world.shahe, source=example_file(tmp_path, rows, "swap.xlsx"))
    assert report.errors == []
    world.household.refresh_from_db()
    assert world.household.head == world.limei and world.household.subject.name == "李梅户"
    relations = dict(world.household.members.filter(left_on__isnull=True).values_list("person__name", "relation"))
    assert relations == {"张三": "配偶", "李梅": "户主"}


@pytest.mark.django_db
def test_staff_without_an_id_number_are_matched_by_employee_number(world, units, tmp_path):
    columns = (Column("name", "姓名"), Column("employee_no", "工号"), Column("department", "班组"), Column("position", "岗位"))
    rows = [{"name": "周工", "employee_no": "XD0100", "department": "demo/xidi/xidi", "position": "洗涤工"}]
    # The team is outside Shahe, so import under the company itself.
    path = write_people(tmp_path / "staff.xlsx", rows, columns)
    report = people_import(actor=None, org=units["company"], source=path)
    assert report.errors == [] and report.created == 1
    person = Person.objects.get(employment__employee_no="XD0100")
    assert (person.org, person.id_number, person.employment.position) == (units["team"], None, "洗涤工")

    rows[0]["position"] = "组长"
    report = people_import(actor=None, org=units["company"], source=write_people(tmp_path / "staff2.xlsx", rows, columns))
    assert (report.created, report.updated) == (0, 1)
    assert Person.objects.filter(name="周工").count() == 1
    assert Employment.objects.get(employee_no="XD0100").position == "组长"


@pytest.mark.django_db
def test_only_an_org_admin_may_import(world, units):
    before = table_counts()
    with pytest.raises(PermissionDenied):
        people_import(actor=world.reviewer, org=world.shahe, source=EXAMPLE)
    assert table_counts() == before


@pytest.mark.django_db
def test_a_missing_required_column_is_reported_on_the_header_row(world, tmp_path):
    path = write_people(tmp_path / "x.xlsx", [{"id_number": "x"}], (Column("id_number", "身份证号"),))
    report = people_import(actor=None, org=world.shahe, source=path)
    assert [(e.row, e.column, e.en) for e in report.errors] == [(1, "姓名", "required column is missing")]


@pytest.mark.django_db
def test_a_file_that_is_not_xlsx_is_refused_in_both_languages(world):
    with pytest.raises(InvalidInput) as excinfo:
        people_import(actor=None, org=world.shahe, source=io.BytesIO(b"name,id\n"))
    assert excinfo.value.code == "bad_file" and "xlsx" in excinfo.value.en
