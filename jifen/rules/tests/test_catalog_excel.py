"""Catalog xlsx: export → edit in Excel → import; a bad file reports every bad row and loads nothing."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from jifen.core.errors import PermissionDenied
from jifen.core.models import AuditEvent
from jifen.rules import services
from jifen.rules.catalog_excel import COLUMNS, catalog_export, catalog_import
from jifen.rules.models import Category, Item, ItemVersion
from jifen.rules.selectors import item_version_on, item_versions

JUL1 = dt.date(2026, 7, 1)
HEADERS = [c.header for c in COLUMNS]


@pytest.fixture
def p7(world, sample_templates):
    return services.template_apply(actor=None, name="p7-town-jifen-plus", org=world.shahe, effective_from=JUL1)


def export(scheme, path):
    catalog_export(actor=None, scheme=scheme, destination=path)
    return path


def edit(path, changes=(), append=()):
    """changes: (item code, header, value); append: rows as {header: value}."""
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    headers = [c.value for c in ws[1]]
    rows = {ws.cell(row=r, column=headers.index("编码") + 1).value: r for r in range(2, ws.max_row + 1)}
    for code, header, value in changes:
        ws.cell(row=rows[code], column=headers.index(header) + 1).value = value
    for values in append:
        ws.append([values.get(h) for h in headers])
    wb.save(path)
    return path


def snapshot():
    return (
        list(Category.objects.order_by("pk").values_list("code", "name", "group", "subject_types")),
        list(Item.objects.order_by("pk").values_list("code", "category__code")),
        list(ItemVersion.objects.order_by("pk").values_list("item__code", "number", "effective_from", "effective_to", *services.VERSION_FIELDS)),
    )


@pytest.mark.django_db
def test_export_writes_every_item_with_chinese_headers_and_a_help_sheet(p7, tmp_path):
    path = export(p7, tmp_path / "catalog.xlsx")
    wb = load_workbook(path)
    ws = wb["积分细则"]
    assert [c.value for c in ws[1]] == HEADERS
    rows = {r[4]: r for r in ws.iter_rows(min_row=2, values_only=True)}
    assert len(rows) == 8
    row = dict(zip(HEADERS, rows["p7-1-01"], strict=True))
    assert (row["类别编码"], row["类别"], row["类别适用对象"], row["名称"], row["方向"], row["分值"]) == (
        "public_order", "社会治安类", "个人", "制止正在危害国家安全、公共安全或者扰乱公共秩序的违法犯罪行为", "加分", 30,
    )
    assert (row["频次"], row["需要证据"], row["最低授权角色"], row["类型"], row["版本"]) == ("每次", "是", "记录员", "普通", 1)
    assert row["生效日期"].date() == JUL1 and row["停用日期"] is None
    base = dict(zip(HEADERS, rows["p7-2-01"], strict=True))
    assert (base["频次"], base["每年上限"], base["类型"]) == ("每年", 1, "基础分")
    fraud = dict(zip(HEADERS, rows["p7-4-13"], strict=True))
    assert (fraud["方向"], fraud["分值"], fraud["类型"]) == ("扣分", None, "弄虚作假")
    assert "填写说明" in wb.sheetnames


@pytest.mark.django_db
def test_reimporting_an_unchanged_export_changes_nothing(p7, tmp_path):
    path = export(p7, tmp_path / "catalog.xlsx")
    before = snapshot()
    audits = AuditEvent.objects.count()

    report = catalog_import(actor=None, scheme=p7, source=path)

    assert report.ok, report.render()
    assert (report.rows, report.created, report.updated, report.unchanged) == (8, 0, 0, 8)
    assert snapshot() == before
    assert AuditEvent.objects.count() == audits


@pytest.mark.django_db
def test_a_changed_row_makes_a_new_version_from_its_date_and_old_records_keep_their_points(p7, tmp_path):
    item = Item.objects.get(scheme=p7, code="p7-1-05")
    august = item_version_on(item, dt.date(2026, 8, 15))
    path = edit(
        export(p7, tmp_path / "catalog.xlsx"),
        changes=[("p7-1-05", "分值", 20), ("p7-1-05", "生效日期", "2026-09-01")],
        append=[
            {"类别": "社会治安类", "编码": "sh-01", "名称": "参加村里夜间巡逻", "方向": "加分", "分值": 3, "频次": "每天", "每月上限": 10,
             "备注": "村民代表会议2026年8月通过"},
            {"类别": "环境卫生类", "类别适用对象": "家庭户", "编码": "hj-01", "名称": "门前三包不到位", "方向": "扣分",
             "最低分": 2, "最高分": "5", "需要证据": "是", "最低授权角色": "审核人", "生效日期": "2026/8/1"},
        ],
    )

    report = catalog_import(actor=None, scheme=p7, source=path)

    assert report.ok, report.render()
    assert (report.created, report.updated, report.unchanged) == (2, 1, 7)
    assert list(item_versions(item).values_list("number", "effective_from", "effective_to", "points")) == [
        (1, JUL1, dt.date(2026, 8, 31), 15), (2, dt.date(2026, 9, 1), None, 20),
    ]
    assert ItemVersion.objects.get(pk=august.pk).points == 15
    patrol = ItemVersion.objects.get(item__code="sh-01")
    assert (patrol.item.category.code, patrol.points, patrol.frequency, patrol.cap_per_month) == ("public_order", 3, "per_day", 10)
    assert patrol.note == "村民代表会议2026年8月通过"
    new = ItemVersion.objects.get(item__code="hj-01")
    assert (new.direction, new.points_min, new.points_max, new.evidence_required, new.min_role, new.effective_from) == (
        "deduct", 2, 5, True, "reviewer", dt.date(2026, 8, 1),
    )
    category = new.item.category
    assert (category.code, category.name, category.subject_types) == ("huan-jing-wei-sheng-lei", "环境卫生类", ["household"])
    assert AuditEvent.objects.get(action="rules.catalog_import").after == {"file": "", "created": 2, "updated": 1, "unchanged": 7}
    # And the new export imports back unchanged.
    again = catalog_import(actor=None, scheme=p7, source=export(p7, tmp_path / "again.xlsx"))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)


@pytest.mark.django_db
def test_a_retire_date_takes_the_item_out_of_the_catalog(p7, tmp_path):
    path = edit(export(p7, tmp_path / "c.xlsx"), changes=[("p7-1-05", "停用日期", "2027-01-01")])
    report = catalog_import(actor=None, scheme=p7, source=path)
    assert (report.updated, report.unchanged) == (1, 7)
    item = Item.objects.get(code="p7-1-05")
    assert item_version_on(item, dt.date(2027, 1, 1)) is None
    assert item_version_on(item, dt.date(2026, 12, 31)).points == 15
    # Exported again it shows its retirement date, and imports back unchanged.
    again = catalog_import(actor=None, scheme=p7, source=export(p7, tmp_path / "d.xlsx"))
    assert (again.updated, again.unchanged) == (0, 8)


@pytest.mark.django_db
def test_a_bad_file_reports_every_bad_row_and_loads_nothing(p7, tmp_path):
    path = edit(
        export(p7, tmp_path / "catalog.xlsx"),
        changes=[
            ("p7-1-01", "方向", "表扬"),
            ("p7-1-05", "分值", -15),
            ("p7-2-14", "生效日期", "2026-13-01"),
            ("p7-4-01", "最低分", 80),
            ("p7-5-08", "每月上限", "一次"),
        ],
        append=[
            {"类别": "社会治安类", "编码": "p7-1-01", "名称": "重复的编码", "方向": "加分", "分值": 5},
            {"类别": "社会治安类", "名称": "没有编码", "方向": "加分", "分值": 5},
            {"类别": "社会治安类", "编码": "ok-01", "名称": "这一行没问题", "方向": "加分", "分值": 5},
            {"类别": "社会治安类", "编码": "x-01", "名称": "范围反了", "方向": "扣分", "最低分": 9, "最高分": 3},
            {"类别": "单位积分类", "类别适用对象": "党员", "编码": "x-02", "名称": "对象不在方案里", "方向": "加分", "分值": 5},
        ],
    )
    before = snapshot()

    report = catalog_import(actor=None, scheme=p7, source=path)

    assert not report.ok
    assert [(e.row, e.column, e.zh) for e in report.errors] == [
        (2, "方向", "「表扬」不是可选的值（可填：加、加分、处罚、奖、奖分、奖励、扣、扣分、扣罚、扣除）"),
        (3, "分值", "分值不能为负数，扣分请在「方向」填扣分"),
        (5, "生效日期", "「2026-13-01」不是日期（如 2026-07-01）"),
        (6, "分值", "固定分值和分值范围只能填一种"),
        (9, "每月上限", "「一次」应为正整数（不限请留空）"),
        (10, "编码", "编码「p7-1-01」与第 2 行重复"),
        (11, "编码", "编码不能为空（每个事项一个编码，如 p7-1-01）"),
        (13, "最低分", "最低分不能高于最高分"),
        (14, "类别适用对象", "本方案不给「党员」积分"),
    ]
    assert snapshot() == before
    assert not AuditEvent.objects.filter(action="rules.catalog_import").exists()
    assert "导入失败，未写入任何数据" in report.render()


@pytest.mark.django_db
def test_rows_wrong_against_the_stored_catalog_are_all_reported_and_nothing_is_written(p7, tmp_path, monkeypatch):
    path = edit(
        export(p7, tmp_path / "catalog.xlsx"),
        changes=[
            ("p7-1-01", "分值", 35),  # fine on its own: corrected in place, but the file is refused
            ("p7-1-05", "分值", 20), ("p7-1-05", "生效日期", "2026-06-01"),  # before the version's start
            ("p7-2-14", "分值", 12), ("p7-2-14", "生效日期", None),  # a change needs its date
        ],
    )
    before = snapshot()

    report = catalog_import(actor=None, scheme=p7, source=path)

    assert [(e.row, e.column) for e in report.errors] == [(3, "生效日期"), (5, "生效日期")]
    assert report.errors[0].zh == "生效日期 2026-06-01 早于当前版本的生效日期 2026-07-01"
    assert report.errors[1].zh == "事项有改动，须填写生效日期"
    assert snapshot() == before


@pytest.mark.django_db
def test_a_same_date_change_to_a_version_already_used_is_refused(p7, tmp_path, monkeypatch):
    monkeypatch.setattr(services, "item_version_in_use", lambda version: True)
    path = edit(export(p7, tmp_path / "catalog.xlsx"), changes=[("p7-1-01", "分值", 35)])
    before = snapshot()

    report = catalog_import(actor=None, scheme=p7, source=path)

    assert [(e.row, e.column) for e in report.errors] == [(2, "生效日期")]
    assert "请填写更晚的生效日期" in report.errors[0].zh
    assert snapshot() == before


@pytest.mark.django_db
def test_a_dry_run_counts_but_writes_nothing(p7, tmp_path):
    path = edit(export(p7, tmp_path / "c.xlsx"), changes=[("p7-1-05", "分值", 20), ("p7-1-05", "生效日期", "2026-09-01")])
    before = snapshot()
    report = catalog_import(actor=None, scheme=p7, source=path, dry_run=True)
    assert report.ok and (report.created, report.updated, report.unchanged) == (0, 1, 7)
    assert snapshot() == before
    assert "试导入（未写入）" in report.render()


@pytest.mark.django_db
def test_only_an_admin_of_the_schemes_unit_may_import(p7, tmp_path, world):
    path = export(p7, tmp_path / "c.xlsx")
    with pytest.raises(PermissionDenied):
        catalog_import(actor=world.recorder, scheme=p7, source=path)
    assert catalog_import(actor=world.admin, scheme=p7, source=path).ok


@pytest.mark.django_db
def test_the_jifen_import_and_export_commands(p7, tmp_path):
    path = tmp_path / "沙河细则.xlsx"
    out = StringIO()
    call_command("export", "catalog", str(path), "--scheme", p7.code, stdout=out)
    assert out.getvalue().strip() == f"已导出 / exported 8 个事项 / items of {p7.code} → {path}"

    edit(path, changes=[("p7-1-05", "分值", 20), ("p7-1-05", "生效日期", "2026-09-01")])
    out = StringIO()
    call_command("import", "catalog", str(path), "--scheme", p7.code, stdout=out)
    assert "导入完成 / imported: 8 行/rows — 新增/created 0, 更新/updated 1, 未变/unchanged 7" in out.getvalue()
    assert AuditEvent.objects.get(action="rules.catalog_import").after["file"] == "沙河细则.xlsx"

    edit(path, changes=[("p7-1-01", "方向", "表扬")])
    out = StringIO()
    with pytest.raises(SystemExit):
        call_command("import", "catalog", str(path), "--scheme", p7.code, stdout=out)
    assert "第 2 行 / row 2 「方向」" in out.getvalue()


@pytest.mark.django_db
def test_the_commands_need_a_known_scheme_and_a_real_xlsx(p7, tmp_path):
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="--scheme"):
        call_command("export", "catalog", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match="no scheme with code 'nope'"):
        call_command("export", "catalog", str(tmp_path / "x.xlsx"), "--scheme", "nope")
    text = tmp_path / "notes.xlsx"
    text.write_text("not a workbook", encoding="utf-8")
    with pytest.raises(CommandError, match="cannot read the Excel file"):
        call_command("import", "catalog", str(text), "--scheme", p7.code)


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["p3-school-reading", "p6-laundry-company", "p7-town-jifen-plus"])
def test_the_shipped_catalogs_survive_the_excel_round_trip(world, tmp_path, name):
    scheme = services.template_apply(actor=None, name=name, org=world.shahe, effective_from=JUL1)
    before = snapshot()
    count = Item.objects.filter(scheme=scheme).count()

    report = catalog_import(actor=None, scheme=scheme, source=export(scheme, tmp_path / f"{name}.xlsx"))

    assert report.ok, report.render()
    assert (report.rows, report.created, report.updated, report.unchanged) == (count, 0, 0, count)
    assert snapshot() == before
