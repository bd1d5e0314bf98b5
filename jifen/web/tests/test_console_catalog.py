"""The catalog editor: categories, items, versions from a date, and the xlsx export/import page."""

import datetime as dt
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from jifen.core import clock
from jifen.core.models import AuditEvent
from jifen.orgs import services as orgs
from jifen.orgs.models import Role
from jifen.rules import services as rules
from jifen.rules.models import Category, Item, ItemVersion

NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)
JAN1 = dt.date(2026, 1, 1)


@pytest.fixture
def scheme(world):
    return rules.scheme_create(
        actor=None, org=world.shahe, code="shahe", name="沙河村积分方案", subject_types=["person", "household"],
        period_policy="year_end_clear",
    )


@pytest.fixture
def category(scheme):
    return rules.category_create(actor=None, scheme=scheme, code="order", name="社会治安类")


@pytest.fixture
def item(scheme, category):
    return rules.item_create(
        actor=None, scheme=scheme, category=category, code="A1", effective_from=JAN1, name="调解邻里纠纷",
        direction="award", points=5, cap_per_month=2,
    )


def item_form(**changes):
    data = {
        "name": "调解邻里纠纷", "direction": "award", "points": "5", "points_min": "", "points_max": "",
        "frequency": "per_event", "cap_per_day": "", "cap_per_month": "2", "cap_per_year": "", "min_role": "recorder",
        "kind": "normal", "effective_from": "2026-04-01", "note": "",
    }
    data.update(changes)
    return data


@pytest.mark.django_db
def test_the_catalog_shows_categories_with_each_items_newest_version(client, world, scheme, item):
    rules.item_edit(actor=None, item=item, effective_from=dt.date(2026, 2, 1), points=8)
    client.force_login(world.admin)
    page = client.get(reverse("console_catalog", args=[scheme.pk])).content.decode()
    assert "社会治安类" in page and f'href="/console/item/{item.pk}/">A1</a>' in page
    assert '<td class="num" data-label="分值">+8</td>' in page and "第 2 版" in page


@pytest.mark.django_db
def test_the_catalog_costs_the_same_queries_for_many_items(client, world, scheme, category, django_assert_num_queries):
    client.force_login(world.admin)
    url = reverse("console_catalog", args=[scheme.pk])
    rules.item_create(actor=None, scheme=scheme, category=category, code="X0", effective_from=JAN1, name="事项0", direction="award", points=1)
    client.get(url)
    with django_assert_num_queries(8):
        client.get(url)
    other = rules.category_create(actor=None, scheme=scheme, code="family", name="家庭类")
    for i in range(1, 12):
        rules.item_create(actor=None, scheme=scheme, category=other if i % 2 else category, code=f"X{i}",
                          effective_from=JAN1, name=f"事项{i}", direction="deduct", points_min=1, points_max=i + 1)
    with django_assert_num_queries(8):
        page = client.get(url).content.decode()
    assert page.count('href="/console/item/') == 12


@pytest.mark.django_db
def test_adding_a_category_and_an_item(client, world, scheme):
    client.force_login(world.admin)
    url = reverse("console_catalog", args=[scheme.pk])
    response = client.post(url, {"add_category": "1", "category-code": "family", "category-name": "家庭类"})
    assert response.status_code == 302
    category = Category.objects.get(scheme=scheme, code="family")
    data = {f"item-{k}": v for k, v in item_form(name="赡养老人", points="", points_min="5", points_max="20",
                                                  evidence_required="on", min_role="reviewer").items()}
    response = client.post(url, {"add_item": "1", "item-category": category.pk, "item-code": "F1", **data})
    item = Item.objects.get(scheme=scheme, code="F1")
    assert response.status_code == 302 and response["Location"] == f"/console/item/{item.pk}/"
    version = item.versions.get()
    assert (version.name, version.points, version.points_min, version.points_max, version.evidence_required,
            version.min_role, version.effective_from) == ("赡养老人", None, 5, 20, True, "reviewer", dt.date(2026, 4, 1))


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"points": "5", "points_min": "1", "points_max": "9"}, "points", "固定分值和分值范围只能填一种"),
        ({"points": "", "points_min": "9", "points_max": "3"}, "points_min", "最低分不能高于最高分"),
        ({"cap_per_day": "0"}, "cap_per_day", "上限至少为 1（不限请留空）"),
        ({"points": "2.5"}, "points", "分值最多 0 位小数"),
        ({"code": "A1"}, None, "事项编码「A1」已存在"),
        ({"code": "坏 编码"}, "code", "事项编码只能用字母、数字、- 和 _（最多 64 个）"),
    ],
)
def test_a_refused_item_shows_the_error_and_adds_nothing(client, world, scheme, item, changes, field, message):
    client.force_login(world.admin)
    code = changes.pop("code", "A2")
    data = {f"item-{k}": v for k, v in item_form(**changes).items()}
    before = (Item.objects.count(), ItemVersion.objects.count())
    response = client.post(reverse("console_catalog", args=[scheme.pk]),
                           {"add_item": "1", "item-category": item.category_id, "item-code": code, **data})
    assert response.status_code == 422
    errors = response.context["item_form"].errors
    assert message in errors[field or "__all__"], errors
    assert (Item.objects.count(), ItemVersion.objects.count()) == before


@pytest.mark.django_db
def test_editing_an_item_from_a_date_makes_a_new_version_and_keeps_the_old_one_readable(client, world, scheme, item):
    client.force_login(world.admin)
    url = reverse("console_item", args=[item.pk])
    with clock.frozen(NOW):
        response = client.post(url, item_form(points="8", effective_from="2026-04-01"))
    assert response.status_code == 302 and response["Location"] == url
    old, new = ItemVersion.objects.filter(item=item).order_by("number")
    assert (old.number, old.points, old.effective_from, old.effective_to) == (1, 5, JAN1, dt.date(2026, 3, 31))
    assert (new.number, new.points, new.effective_from, new.effective_to) == (2, 8, dt.date(2026, 4, 1), None)
    assert AuditEvent.objects.filter(action="rules.item_edit", actor_id=world.admin.pk).count() == 1
    page = client.get(url).content.decode()
    assert page.count('<tr class="version') == 2
    assert "2026年1月1日 – 2026年3月31日" in page and "2026年4月1日 – 至今" in page
    assert '<td class="num" data-label="分值">+5</td>' in page and '<td class="num" data-label="分值">+8</td>' in page


@pytest.mark.django_db
def test_an_edit_dated_before_the_current_version_is_refused(client, world, scheme, item):
    client.force_login(world.admin)
    response = client.post(reverse("console_item", args=[item.pk]), item_form(points="8", effective_from="2025-12-01"))
    assert response.status_code == 422
    assert response.context["form"].errors["effective_from"] == ["生效日期 2025-12-01 早于当前版本的生效日期 2026-01-01"]
    assert list(ItemVersion.objects.filter(item=item).values_list("number", "points", "effective_to")) == [(1, 5, None)]


@pytest.mark.django_db
def test_another_villages_admin_cannot_edit_the_item(client, world, item):
    orgs.role_binding_grant(actor=None, user=world.outsider, org=world.quanshui, role=Role.ORG_ADMIN)
    client.force_login(world.outsider)
    response = client.post(reverse("console_item", args=[item.pk]), item_form(points="50"))
    assert response.status_code == 403
    assert list(ItemVersion.objects.filter(item=item).values_list("number", "points")) == [(1, 5)]
    response = client.post(reverse("console_catalog", args=[item.scheme_id]),
                           {"add_category": "1", "category-code": "x", "category-name": "外来"})
    assert response.status_code == 403 and Category.objects.count() == 1


def export(client, scheme) -> bytes:
    response = client.post(reverse("console_catalog_export", args=[scheme.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return response.content


def upload(client, scheme, content: bytes, dry_run: bool = False):
    data = {"file": SimpleUploadedFile("细则.xlsx", content)}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("console_catalog_import", args=[scheme.pk]), data)


@pytest.mark.django_db
def test_an_exported_catalog_imports_back_unchanged(client, world, scheme, item):
    client.force_login(world.admin)
    content = export(client, scheme)
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert [c.value for c in sheet[1]][4:7] == ["编码", "名称", "方向"]
    response = upload(client, scheme, content)
    assert response.status_code == 200
    report = response.context["report"]
    assert (report.ok, report.rows, report.created, report.updated, report.unchanged) == (True, 1, 0, 0, 1)
    assert "共 1 行：新增 0 项，修改 0 项，不变 1 项。" in response.content.decode()
    assert ItemVersion.objects.count() == 1


@pytest.mark.django_db
def test_an_import_with_bad_rows_shows_each_error_and_writes_nothing(client, world, scheme, item):
    client.force_login(world.admin)
    book = openpyxl.load_workbook(io.BytesIO(export(client, scheme)))
    sheet = book.active
    headers = [c.value for c in sheet[1]]
    sheet.cell(row=2, column=headers.index("分值") + 1, value=9)  # a real change …
    sheet.append([sheet.cell(row=2, column=i + 1).value for i in range(len(headers))])
    sheet.cell(row=3, column=headers.index("编码") + 1, value="A9")
    sheet.cell(row=3, column=headers.index("方向") + 1, value="也许")  # … and a bad row
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, scheme, buffer.getvalue())
    assert response.status_code == 422
    page = response.content.decode()
    assert "导入失败，未写入任何数据：共 1 处错误。" in page
    errors = response.context["report"].errors
    assert [(e.row, e.column) for e in errors] == [(3, "方向")]
    assert page.count("<tr>\n      <td class=\"num\" data-label=\"行\">") == 1
    assert list(ItemVersion.objects.values_list("number", "points")) == [(1, 5)]
    assert not Item.objects.filter(code="A9").exists()


@pytest.mark.django_db
def test_a_file_that_is_not_xlsx_is_refused(client, world, scheme):
    client.force_login(world.admin)
    response = client.post(reverse("console_catalog_import", args=[scheme.pk]),
                           {"file": SimpleUploadedFile("细则.xls", b"not excel")})
    assert response.status_code == 422
    assert response.context["form"].errors["file"] == ["请上传 .xlsx 格式的 Excel 文件（旧的 .xls 请先另存为 .xlsx）。"]
