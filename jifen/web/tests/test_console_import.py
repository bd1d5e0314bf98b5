import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from jifen.core.excel import write_workbook
from jifen.core.models import AuditEvent
from jifen.orgs import services as orgs
from jifen.orgs.importing import COLUMNS
from jifen.orgs.models import Household, Person

EXAMPLE_PATH = "docs/examples/people-example.xlsx"
URL = "console_people_import"


@pytest.fixture
def units(world):
    # What the example file names: Shahe's party branch and the laundry's washing team.
    orgs.org_unit_create(actor=None, parent=world.shahe, code="dzb", name="沙河村党支部", kind="party_branch")
    company = orgs.org_unit_create(actor=None, parent=world.county, code="xidi", name="洁源洗涤公司", kind="company")
    orgs.org_unit_create(actor=None, parent=company, code="xidi", name="洗涤组", kind="team")


def example(request):
    path = request.config.rootpath / EXAMPLE_PATH
    return SimpleUploadedFile("花名册.xlsx", path.read_bytes())


def xlsx(rows, name="people.xlsx"):
    buffer = io.BytesIO()
    write_workbook(buffer, [("人员", COLUMNS, [[row.get(c.key, "") for c in COLUMNS] for row in rows])])
    return SimpleUploadedFile(name, buffer.getvalue())


def counts():
    return Person.objects.count(), Household.objects.count(), AuditEvent.objects.count()


@pytest.mark.django_db
def test_the_import_page_explains_the_columns(client, world):
    client.force_login(world.admin)
    page = client.get(reverse(URL, args=["demo/zhangji/shahe"])).content.decode()
    assert '<strong>身份证号</strong>' in page and 'enctype="multipart/form-data"' in page
    assert 'name="dry_run" id="id_dry_run" checked' in page  # a first upload only checks


@pytest.mark.django_db
def test_a_dry_run_reports_and_writes_nothing(client, world, units, request):
    client.force_login(world.admin)
    before = counts()
    response = client.post(reverse(URL, args=["demo/zhangji/shahe"]), {"file": example(request), "dry_run": "on"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "试导入通过，未写入任何数据。" in page
    assert "共 7 行：新增 7 人，更新 0 人，不变 0 人。" in page and "户：新增 2 户，更新 0 户。" in page
    assert counts() == before


@pytest.mark.django_db
def test_importing_writes_everything_and_a_second_time_changes_nothing(client, world, units, request):
    client.force_login(world.admin)
    url = reverse(URL, args=["demo/zhangji/shahe"])
    page = client.post(url, {"file": example(request)}, follow=True).content.decode()
    assert "导入完成：新增 7 人，更新 0 人。" in page
    assert Household.objects.get(village=world.shahe, number="9001").head.name == "张建国"
    after = counts()
    page = client.post(url, {"file": example(request)}).content.decode()
    assert "共 7 行：新增 0 人，更新 0 人，不变 7 人。" in page
    assert counts() == after


@pytest.mark.django_db
def test_every_bad_row_is_listed_on_the_page_and_nothing_is_written(client, world):
    client.force_login(world.admin)
    before = counts()
    rows = [
        {"name": "好人", "id_number": "11010519491231002X", "grid": "g1"},
        {"name": "", "id_number": "110105197001010118", "grid": "g1"},
        {"name": "坏号", "id_number": "123", "mobile": "12345", "grid": "g1"},
    ]
    response = client.post(reverse(URL, args=["demo/zhangji/shahe"]), {"file": xlsx(rows)})
    page = response.content.decode()
    assert response.status_code == 422
    assert "导入失败，未写入任何数据" in page
    cells = [
        [cell.split(">")[-1] for cell in row.split("</td>")[:3]]
        for row in page[page.index('<table class="list errors">'):page.index("</table>")].split("<tr>")[2:]
    ]
    assert ["3", "姓名"] in [c[:2] for c in cells]
    assert ["4", "身份证号"] in [c[:2] for c in cells] and ["4", "手机号"] in [c[:2] for c in cells]
    assert all(c[0] != "2" for c in cells)
    assert counts() == before


@pytest.mark.django_db
def test_row_errors_are_shown_in_english_when_switched(client, world):
    client.force_login(world.admin)
    client.cookies.load({"django_language": "en"})
    rows = [{"name": "坏号", "id_number": "11010519491231002X", "mobile": "12345", "grid": "g1"}]
    page = client.post(reverse(URL, args=["demo/zhangji/shahe"]), {"file": xlsx(rows)}).content.decode()
    assert "a mobile number is 11 digits starting with 1" in page and "Import refused, nothing written" in page


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (SimpleUploadedFile("people.xls", b"old excel"), "请上传 .xlsx 格式的 Excel 文件"),
        (SimpleUploadedFile("people.xlsx", b"not really a workbook"), "无法读取 Excel 文件"),
    ],
)
def test_a_file_that_is_not_a_workbook_is_refused_clearly(client, world, upload, message):
    client.force_login(world.admin)
    before = counts()
    response = client.post(reverse(URL, args=["demo/zhangji/shahe"]), {"file": upload})
    assert response.status_code == 422 and message in response.content.decode()
    assert counts() == before


@pytest.mark.django_db
def test_only_admins_of_the_unit_may_import(client, world, request):
    client.force_login(world.reviewer)
    before = counts()
    response = client.post(reverse(URL, args=["demo/zhangji/shahe"]), {"file": xlsx([{"name": "某人", "grid": "g1"}])})
    assert response.status_code == 403 and counts() == before


@pytest.mark.django_db
def test_export_is_masked_unless_asked_and_always_audited(client, world):
    client.force_login(world.admin)
    url = reverse("console_people_export", args=["demo/zhangji/shahe"])
    assert client.get(url).status_code == 405
    response = client.post(url)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response["Content-Disposition"].startswith('attachment; filename="people-demo-zhangji-shahe-')
    rows = list(load_workbook(io.BytesIO(response.content)).worksheets[0].iter_rows(values_only=True))
    header = rows[0]
    mobiles = {row[header.index("姓名")]: row[header.index("手机号")] for row in rows[1:]}
    assert mobiles["张三"] == "138****0001" and len(rows) == 6
    full = client.post(url, {"unmasked": "1"})
    rows = list(load_workbook(io.BytesIO(full.content)).worksheets[0].iter_rows(values_only=True))
    assert {row[header.index("姓名")]: row[header.index("手机号")] for row in rows[1:]}["张三"] == "13800000001"
    audits = list(AuditEvent.objects.filter(action="orgs.people_export").order_by("id").values_list("after", flat=True))
    assert [a["unmasked"] for a in audits] == [False, True]


@pytest.mark.django_db
def test_export_of_another_village_is_refused(client, world):
    orgs_binding = orgs.role_binding_grant(actor=None, user=world.reviewer, org=world.shahe, role="org_admin")
    client.force_login(world.reviewer)
    assert client.post(reverse("console_people_export", args=["demo/zhangji/quanshui"])).status_code == 403
    assert orgs_binding.pk and not AuditEvent.objects.filter(action="orgs.people_export").exists()
