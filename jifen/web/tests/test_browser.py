"""The pages in a real browser (Debian's Chromium), at a phone's 360 px unless said otherwise."""

from __future__ import annotations

import pytest

from jifen.core import clock
from jifen.market.tests.conftest import NOW, build_market
from jifen.orgs import services as orgs
from jifen.orgs.testing import World

# Live-server tests are transactional: the database is emptied after each, so the org kinds
# that a data migration wrote are serialized and put back (serialized_rollback).
pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

HOME_BUDGET = 150 * 1024  # bytes over the wire for the member home page, without ECharts


def test_a_member_signs_in_by_mobile_and_lands_on_home(phone, world):
    phone.goto("/login/")
    assert phone.page.inner_text("h1") == "登录"
    phone.check("1-login")
    phone.page.fill("input[name=username]", "13800000001")
    phone.page.fill("input[name=password]", World.PASSWORD)
    phone.shot("2-filled")
    with phone.page.expect_navigation():
        phone.page.click("main button[type=submit]")
    assert phone.page.url == phone.base_url + "/"
    assert phone.page.inner_text("h1") == "你好，张三"
    assert phone.page.inner_text(".site-header .context").strip() == "第一网格"
    assert phone.page.locator(".nav-admin").count() == 0
    phone.check("3-home")


def test_a_wrong_password_is_explained(phone, world):
    phone.goto("/login/")
    phone.page.fill("input[name=username]", "13800000001")
    phone.page.fill("input[name=password]", "not-the-password")
    with phone.page.expect_navigation():
        phone.page.click("main button[type=submit]")
    assert phone.page.inner_text("main .alert") == "手机号/用户名或密码不正确。"
    phone.check("wrong-password")


def test_signing_in_and_out_works_without_javascript(phone_without_js, world):
    browsing = phone_without_js
    browsing.sign_in("admin", World.PASSWORD)
    assert browsing.page.inner_text("h1") == "你好，周管理"
    assert browsing.page.locator(".nav-admin a").all_inner_texts() == [
        "组织架构", "人员", "角色授权", "看板", "月报汇总", "积分方案", "商品与库存", "资金"
    ]
    browsing.check("1-signed-in")
    with browsing.page.expect_navigation():
        browsing.page.click("footer button[type=submit]")
    assert browsing.page.locator("main a.button").inner_text() == "登录"
    browsing.check("2-signed-out")


def test_the_english_switch(phone, world):
    phone.goto("/login/")
    with phone.page.expect_navigation():
        phone.page.click("form.lang button[value=en]")
    assert phone.page.url == phone.base_url + "/login/"
    assert phone.page.inner_text("h1") == "Sign in"
    assert phone.page.inner_text("label[for=id_username]").startswith("Mobile number or username")
    phone.check("english-login")


def test_every_admin_page_fits_a_360px_phone(phone, world):
    # Long names and paths are where narrow layouts break.
    long_unit = orgs.org_unit_create(
        actor=None, parent=world.shahe, code="a-very-long-code-for-the-third-villager-group-of-shahe",
        name="沙河村第三村民小组（原河东生产队及其附属林场）", kind="group",
    )
    orgs.person_create(actor=None, org=long_unit, name="欧阳长长的名字", mobile="13700000009", address="沙河村河东组" * 8)
    with clock.frozen(NOW):
        mk = build_market(world)
    phone.sign_in("admin", World.PASSWORD)
    pages = [
        ("home", "/"),
        ("account", "/account/"),
        ("password", "/account/password/"),
        ("org-township", "/console/org/demo/zhangji/"),
        ("org-village", "/console/org/demo/zhangji/shahe/"),
        ("org-long", f"/console/org/{long_unit.path}/"),
        ("org-create", "/console/org/demo/zhangji/shahe/-/new/"),
        ("org-move", "/console/org/demo/zhangji/shahe/g2/-/move/"),
        ("people", "/console/org/demo/zhangji/-/people/"),
        ("people-search", "/console/org/demo/zhangji/-/people/?q=SH-001"),
        ("person", f"/console/person/{world.zhangsan.pk}/"),
        ("person-no-account", f"/console/person/{world.limei.pk}/"),
        ("household", f"/console/household/{world.household.pk}/"),
        ("roles", "/console/org/demo/zhangji/shahe/-/roles/?all=1"),
        ("import", "/console/org/demo/zhangji/shahe/-/import/"),
        ("shops", "/console/org/demo/zhangji/-/shops/"),
        ("shop", f"/console/shop/{mk.shop.pk}/"),
        ("good", f"/console/good/{mk.oil.pk}/"),
        ("voucher", f"/console/good/{mk.voucher.pk}/"),
        ("funds", "/console/org/demo/zhangji/-/funds/"),
        ("fund", f"/console/fund/{mk.fund.pk}/"),
    ]
    for step, (name, path) in enumerate(pages, start=1):
        response = phone.goto(path)
        assert response.status == 200, path
        phone.check(f"{step:02d}-{name}")


def test_a_refused_form_fits_the_phone_too(phone, world):
    phone.sign_in("admin", World.PASSWORD)
    phone.goto("/console/org/demo/zhangji/shahe/-/new/")
    phone.page.fill("input[name=name]", "重复的网格")
    phone.page.fill("input[name=code]", "g1")
    phone.page.select_option("select[name=kind]", "grid")
    with phone.page.expect_navigation():
        phone.page.click("main button[type=submit]")
    assert phone.page.inner_text("main .alert.error") == "组织路径「demo/zhangji/shahe/g1」已存在"
    phone.check("refused")


def test_people_search_narrows_while_typing(phone, world):
    phone.sign_in("admin", World.PASSWORD)
    phone.goto("/console/org/demo/zhangji/-/people/")
    assert phone.page.locator("ul.people li").count() == 7
    phone.page.fill("#q", "0003")  # phone tail of 王五
    phone.wait_for_count("ul.people li", 1)
    assert phone.page.inner_text("ul.people strong") == "王五"
    assert phone.page.url.endswith("/console/org/demo/zhangji/-/people/?q=0003")
    phone.check("search-0003")


def test_the_home_page_stays_small(phone, world):
    visitor = phone.transfer_size("/")
    urls = [url for url, _size in phone.transfers]
    assert any(url.endswith("/static/vendor/htmx/htmx.min.js") for url in urls)
    assert any(url.endswith("/static/web/jifen.css") for url in urls)
    phone.sign_in("13800000001", World.PASSWORD)
    member = phone.transfer_size("/")
    assert not any("echarts" in url for url, _size in phone.transfers)
    print(f"home page transfer: visitor {visitor} B, member {member} B, budget {HOME_BUDGET} B")
    assert 0 < visitor <= HOME_BUDGET and 0 < member <= HOME_BUDGET


def test_the_desktop_layout(desktop, world):
    desktop.sign_in("admin", World.PASSWORD)
    desktop.goto("/console/org/demo/zhangji/shahe/-/roles/")
    assert desktop.page.locator("table.list thead").is_visible()
    desktop.check("roles")


def test_an_import_with_errors_shows_its_report_on_the_phone(phone, world, tmp_path):
    from jifen.core.excel import write_workbook
    from jifen.orgs.importing import COLUMNS
    from jifen.orgs.models import Person

    rows = [{"name": "坏号", "id_number": "11010519491231002X", "mobile": "12345", "grid": "不存在的网格"}]
    path = tmp_path / "花名册.xlsx"
    write_workbook(path, [("人员", COLUMNS, [[row.get(c.key, "") for c in COLUMNS] for row in rows])])
    before = Person.objects.count()
    phone.sign_in("admin", World.PASSWORD)
    phone.goto("/console/org/demo/zhangji/shahe/-/import/")
    phone.page.set_input_files("input[name=file]", str(path))
    phone.page.uncheck("input[name=dry_run]")
    with phone.page.expect_navigation():
        phone.page.click("main form button[type=submit]")
    assert "导入失败，未写入任何数据" in phone.page.inner_text("#report .alert")
    assert phone.page.locator("table.errors tbody tr").count() == 2
    phone.check("import-errors")
    assert Person.objects.count() == before
