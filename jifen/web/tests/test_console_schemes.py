"""Schemes in the admin console: list per unit, apply a seed template, edit settings."""

import datetime as dt

import pytest
from django.urls import reverse

from jifen.core import clock
from jifen.core.models import AuditEvent
from jifen.orgs import services as orgs
from jifen.orgs.models import Role
from jifen.rules import services as rules
from jifen.rules.models import Category, Item, ItemVersion, Scheme
from jifen.rules.template_format import template_load

NOW = dt.datetime(2026, 3, 10, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def p7(world):
    with clock.frozen(NOW):
        return rules.template_apply(actor=world.admin, name="p7-town-jifen-plus", org=world.shahe)


@pytest.fixture
def quanshui_admin(world):
    """赵六 administers his own village, 泉水河村, and nothing else."""
    orgs.role_binding_grant(actor=None, user=world.outsider, org=world.quanshui, role=Role.ORG_ADMIN)
    return world.outsider


def settings_form(scheme, **changes):
    from jifen.web.views.schemes import settings_initial

    data = {k: ("" if v is None else v) for k, v in settings_initial(scheme).items()}
    data["redemption_lowers_score"] = "on" if data["redemption_lowers_score"] else ""
    data["veto_enabled"] = "on" if data["veto_enabled"] else ""
    data.update(changes)
    return {k: v for k, v in data.items() if v is not False and v != ""} | {
        "subject_types": data["subject_types"], "name": data["name"], "time_zone": data["time_zone"],
        **{k: v for k, v in changes.items()},
    }


@pytest.mark.django_db
def test_the_schemes_page_lists_schemes_reaching_the_unit_and_below(client, world, p7):
    county = rules.scheme_create(actor=None, org=world.county, code="county", name="县积分方案", subject_types=["person"])
    other = rules.scheme_create(actor=None, org=world.quanshui, code="quanshui", name="泉水河方案", subject_types=["person"])
    client.force_login(world.admin)
    page = client.get(reverse("console_schemes", args=["demo/zhangji"])).content.decode()
    assert p7.name in page and other.name in page and county.name in page
    # The county's scheme reaches the township but its admin does not manage it: no link.
    assert f'href="/console/scheme/{county.pk}/"' not in page
    assert f'href="/console/scheme/{p7.pk}/"' in page
    row = page[page.index(p7.name):]
    assert '<td class="num" data-label="事项数">83</td>' in row[: row.index("</tr>")]


@pytest.mark.django_db
def test_the_schemes_list_costs_the_same_queries_for_many_schemes(client, world, django_assert_num_queries):
    client.force_login(world.admin)
    url = reverse("console_schemes", args=["demo/zhangji"])
    rules.scheme_create(actor=None, org=world.shahe, code="s0", name="方案0", subject_types=["person"])
    client.get(url)
    with django_assert_num_queries(8):
        client.get(url)
    for i in range(1, 8):
        rules.scheme_create(actor=None, org=world.shahe_grid1, code=f"s{i}", name=f"方案{i}", subject_types=["person"])
    with django_assert_num_queries(8):
        page = client.get(url).content.decode()
    assert page.count('href="/console/scheme/') == 8


@pytest.mark.django_db
def test_applying_a_template_creates_the_whole_scheme(client, world):
    client.force_login(world.admin)
    with clock.frozen(NOW):
        response = client.post(
            reverse("console_schemes", args=["demo/zhangji/shahe"]),
            {"template": "p7-town-jifen-plus", "effective_from": "2026-04-01", "period_policy": ""},
        )
    scheme = Scheme.objects.get(org=world.shahe)
    assert response.status_code == 302 and response["Location"] == f"/console/scheme/{scheme.pk}/"
    template = template_load("p7-town-jifen-plus")
    assert (scheme.template, scheme.template_source, scheme.period_policy) == ("p7-town-jifen-plus", "篇7", "year_end_clear")
    assert Category.objects.filter(scheme=scheme).count() == len(template.categories)
    assert Item.objects.filter(scheme=scheme).count() == len(template.items()) == 83
    assert set(ItemVersion.objects.filter(item__scheme=scheme).values_list("effective_from", flat=True)) == {dt.date(2026, 4, 1)}
    assert AuditEvent.objects.filter(action="rules.template_apply", actor_id=world.admin.pk).count() == 1


@pytest.mark.django_db
def test_a_template_that_leaves_the_period_policy_open_takes_the_admins_choice(client, world):
    client.force_login(world.admin)
    response = client.post(
        reverse("console_schemes", args=["demo/zhangji/shahe"]), {"template": "p5-grid-household", "period_policy": "lifetime"}
    )
    assert response.status_code == 302
    assert Scheme.objects.get(org=world.shahe).period_policy == "lifetime"


@pytest.mark.django_db
def test_the_programme_template_is_refused_and_nothing_is_created(client, world):
    client.force_login(world.admin)
    response = client.post(reverse("console_schemes", args=["demo/zhangji/shahe"]), {"template": "p1-demo-village-programme"})
    assert response.status_code == 422
    assert "是示范村评选计划（篇1），不是积分方案，不能直接套用" in response.content.decode()
    assert Scheme.objects.count() == 0


@pytest.mark.django_db
def test_an_admin_of_another_village_cannot_see_or_change_the_scheme(client, world, p7, quanshui_admin):
    client.force_login(quanshui_admin)
    item = Item.objects.filter(scheme=p7).first()
    for name, args in [("console_scheme", [p7.pk]), ("console_catalog", [p7.pk]), ("console_catalog_import", [p7.pk]),
                       ("console_item", [item.pk]), ("console_rewards", [p7.pk]), ("console_dividends", [p7.pk])]:
        assert client.get(reverse(name, args=args)).status_code == 403, name
    assert client.get(reverse("console_schemes", args=["demo/zhangji/shahe"])).status_code == 403
    assert client.get(reverse("console_scheme", args=[p7.pk + 1000])).status_code == 404
    before = (p7.name, dict(p7.settings), ItemVersion.objects.count(), AuditEvent.objects.count())
    response = client.post(reverse("console_scheme", args=[p7.pk]), settings_form(p7, name="偷改的名字"))
    assert response.status_code == 403
    response = client.post(reverse("console_catalog_export", args=[p7.pk]))
    assert response.status_code == 403
    response = client.post(reverse("console_schemes", args=["demo/zhangji/shahe"]), {"template": "p6-laundry-company"})
    assert response.status_code == 403
    p7.refresh_from_db()
    assert (p7.name, dict(p7.settings), ItemVersion.objects.count(), AuditEvent.objects.count()) == before
    assert Scheme.objects.count() == 1


@pytest.mark.django_db
def test_editing_the_scheme_settings(client, world, p7):
    client.force_login(world.admin)
    rules_json = '[{"type": "rank_table", "period": "year", "amounts_yuan": [500, 300, 100]}]'
    data = settings_form(
        p7, name="沙河村积分制+", objection_days="5", fraud_multiplier="3", veto_period_days="365", base_points="120",
        leader_matching="on", reward_rules=rules_json,
        grade_bands='[{"code": "good", "name": "合格", "min": 60}]',
    )
    response = client.post(reverse("console_scheme", args=[p7.pk]), data)
    assert response.status_code == 302, response.content.decode()
    p7.refresh_from_db()
    assert (p7.name, p7.objection_days) == ("沙河村积分制+", 5)
    assert p7.settings["fraud_multiplier"] == "3.00" or p7.settings["fraud_multiplier"] == "3"
    assert p7.settings["veto"]["period_days"] == 365 and p7.settings["veto"]["enabled"] is True
    assert p7.settings["base_points"]["amount"] == 120
    assert p7.settings["leader_matching"] == {"enabled": True}
    assert p7.settings["reward_rules"] == [{"type": "rank_table", "period": "year", "amounts_yuan": [500, 300, 100]}]
    assert p7.settings["grading"] == {"bands": [{"code": "good", "name": "合格", "min": 60}]}
    assert p7.settings["honours"][0] == "最美党员"  # keys the form does not show are kept
    assert AuditEvent.objects.filter(action="rules.scheme_update").count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"time_zone": "Mars/Base"}, "time_zone", "未知的时区「Mars/Base」（如 Asia/Shanghai）"),
        ({"subject_types": []}, "subject_types", "请至少选择一种积分对象。"),
        ({"objection_days": "400"}, "objection_days", "数值太大"),
        ({"fraud_multiplier": "0.5"}, "fraud_multiplier", "数值太小"),
        ({"veto_period_days": "0"}, "veto_period_days", "数值太小"),
        ({"reward_rules": '[{"type": "lottery", "period": "year"}]'}, "reward_rules", "reward_rules[0]: 未知的类型"),
        ({"reward_rules": '[{"type": "rank_table", "period": "year"'}, "reward_rules", "JSON 格式有误：第 1 行第 41 列。"),
        ({"grade_bands": '[{"code": "a", "name": "甲", "min": 90, "max": 80}]'}, "grade_bands", "grading.bands[0]: 最低分不能高于最高分"),
        ({"base_points": "-1"}, "base_points", "数值太小"),
    ],
)
def test_refused_settings_show_the_error_on_the_field_and_change_nothing(client, world, p7, changes, field, message):
    client.force_login(world.admin)
    before = (dict(p7.settings), p7.time_zone, list(p7.subject_types), p7.objection_days)
    data = settings_form(p7, **changes)
    if changes.get("subject_types") == []:
        data.pop("subject_types")
    response = client.post(reverse("console_scheme", args=[p7.pk]), data)
    assert response.status_code == 422
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    page = response.content.decode()
    assert message in page
    p7.refresh_from_db()
    assert (dict(p7.settings), p7.time_zone, list(p7.subject_types), p7.objection_days) == before
    assert AuditEvent.objects.filter(action="rules.scheme_update").count() == 0


@pytest.mark.django_db
def test_the_settings_page_shows_the_items_still_to_fill(client, world, p7):
    category = Category.objects.filter(scheme=p7).first()
    rules.item_create(actor=None, scheme=p7, category=category, code="new", effective_from=dt.date(2026, 1, 1),
                      name="待定事项", direction="award")
    client.force_login(world.admin)
    page = client.get(reverse("console_scheme", args=[p7.pk])).content.decode()
    assert "还有 1 个事项的分值待填写，填写前不能记分。" in page
    assert 'name="fraud_multiplier" value="2"' in page


@pytest.mark.django_db
def test_problems_in_the_scheme_fields_and_the_settings_are_shown_together(client, world, p7):
    client.force_login(world.admin)
    data = settings_form(p7, time_zone="Mars/Base", fraud_multiplier="200")
    response = client.post(reverse("console_scheme", args=[p7.pk]), data)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["time_zone"] == ["未知的时区「Mars/Base」（如 Asia/Shanghai）"]
    assert errors["fraud_multiplier"] == ["数值太大"]
