"""The schemes admin in a real browser (Debian's Chromium) on a 360-px phone: an admin applies a
seed template, then changes a catalog item from a date and reads both versions."""

from __future__ import annotations

import pytest

from jifen.orgs.testing import World
from jifen.rules.models import Item, ItemVersion, Scheme

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def submit(browsing, selector: str) -> None:
    with browsing.page.expect_navigation():
        browsing.page.click(selector)


def test_an_admin_applies_a_template_and_edits_a_catalog_item(phone, world):
    phone.sign_in("admin", World.PASSWORD)
    phone.goto("/")
    assert "积分方案" in phone.page.locator(".nav-admin a").all_inner_texts()
    with phone.page.expect_navigation():
        phone.page.click(".nav-admin a:text('积分方案')")
    # The admin holds the township: the schemes page of 张集镇 opens; go to the village's.
    phone.goto("/console/org/demo/zhangji/shahe/-/schemes/")
    assert phone.page.inner_text("h1") == "沙河村 村"
    assert phone.page.inner_text("nav.tabs a[aria-current=page]") == "积分方案"
    phone.check("1-schemes-empty")

    phone.page.select_option("select[name=template]", "p7-town-jifen-plus")
    phone.page.fill("input[name=effective_from]", "2026-01-01")
    submit(phone, "#apply + p + form button[type=submit]")
    scheme = Scheme.objects.get(org=world.shahe)
    # The browser keeps the form's #apply across the redirect.
    assert phone.page.url.split("#")[0] == f"{phone.base_url}/console/scheme/{scheme.pk}/"
    assert phone.page.inner_text(".messages") == f"已套用模板，方案「{scheme.name}」。"
    phone.check("2-scheme-settings")

    phone.page.click("nav.tabs a:text('积分细则')")
    phone.page.wait_for_load_state("networkidle")
    assert phone.page.locator("table.catalog tbody tr").count() == 83
    phone.check("3-catalog")

    item = Item.objects.filter(scheme=scheme).order_by("order").first()
    with phone.page.expect_navigation():
        phone.page.click(f"a[href='/console/item/{item.pk}/']")
    old_points = ItemVersion.objects.get(item=item).points
    phone.page.fill("#id_points", str(old_points + 5))
    phone.page.fill("#id_effective_from", "2026-07-01")
    phone.shot("4-item-filled")
    submit(phone, "#edit + p + form button[type=submit]")
    assert phone.page.inner_text(".messages") == "已保存：第 2 版，2026-07-01 起生效。"
    rows = phone.page.locator("table.versions tbody tr")
    assert rows.count() == 2
    assert "2026年1月1日 – 2026年6月30日" in rows.nth(0).inner_text()
    assert "2026年7月1日 – 至今" in rows.nth(1).inner_text()
    assert list(ItemVersion.objects.filter(item=item).values_list("number", "points")) == [(1, old_points), (2, old_points + 5)]
    phone.check("5-item-versions")


def test_a_refused_settings_field_is_shown_on_the_phone(phone, world):
    from jifen.rules import services as rules

    scheme = rules.template_apply(actor=None, name="p7-town-jifen-plus", org=world.shahe)
    phone.sign_in("admin", World.PASSWORD)
    phone.goto(f"/console/scheme/{scheme.pk}/")
    phone.page.fill("#id_time_zone", "Mars/Base")
    phone.page.fill("#id_reward_rules", '[{"type": "lottery", "period": "year"}]')
    submit(phone, "form.scheme-settings button[type=submit]")
    assert phone.page.inner_text(".field.invalid:has(#id_time_zone) .error") == "未知的时区「Mars/Base」（如 Asia/Shanghai）"
    assert "未知的类型" in phone.page.inner_text(".field.invalid:has(#id_reward_rules) .error")
    phone.check("refused-settings")
    scheme.refresh_from_db()
    assert scheme.time_zone == "Asia/Shanghai"


def test_the_rankings_pages_fit_the_phone(phone, world):
    from jifen.rules import services as rules

    scheme = rules.template_apply(actor=None, name="p7-town-jifen-plus", org=world.shahe)
    phone.sign_in("admin", World.PASSWORD)
    for step, path in enumerate([f"/console/scheme/{scheme.pk}/rewards/", f"/console/scheme/{scheme.pk}/rewards/dividends/",
                                 f"/console/scheme/{scheme.pk}/catalog/import/", "/console/org/demo/zhangji/shahe/-/roles/"], 1):
        assert phone.goto(path).status == 200, path
        phone.check(f"{step}-page")
