import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from jifen.rules.models import Item, Scheme
from jifen.rules.template_format import template_names, templates_dir


def run(*args):
    out = StringIO()
    call_command("templates", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_list_shows_every_template_present(sample_templates):
    out = run("list")

    assert "积分方案模板 / scheme templates: 5" in out
    for name in ("p1-demo-village-programme", "p3-school-reading", "p4-party-members", "p6-laundry-company", "p7-town-jifen-plus"):
        assert f"  {name}  " in out
    assert "篇1  评选计划 / programme" in out
    assert "4 个类别 / categories，8 个事项 / items" in out
    assert "1 项待填写 / 1 to be filled" in out  # 篇4's sample item without points


@pytest.mark.django_db
def test_list_shows_a_broken_file_instead_of_failing(settings, tmp_path, sample_templates):
    (tmp_path / "p9-broken.json").write_text('{"format": 1', encoding="utf-8")
    settings.JIFEN_RULES_TEMPLATES_DIR = str(tmp_path)
    out = run("list")
    assert "p9-broken  ⚠ 模板有误 / invalid template" in out


@pytest.mark.django_db
def test_list_in_the_shipped_folder_counts_every_file():
    names = template_names()
    out = run("list")
    assert f"积分方案模板 / scheme templates: {len(names)}（{templates_dir()}）" in out
    assert all(f"  {name}  " in out for name in names)


@pytest.mark.django_db
def test_show_prints_rules_and_items_an_official_can_read(sample_templates):
    out = run("show", "p7-town-jifen-plus")

    assert "积分周期 / period: 年底清零 / cleared at year end" in out
    assert "公示 / notice: 每季度 / quarterly；审核 / review: 每月 / monthly；异议期 / objection window: 待填写 / to be filled" in out
    assert "  veto.period_days: 待填写 / to be filled" in out
    assert "一、社会治安类 (public_order)  对象 / subjects: 个人" in out
    assert "  p7-1-01  +30  制止正在危害国家安全、公共安全或者扰乱公共秩序的违法犯罪行为  [每次，需证据，最低授权:记录员]" in out
    assert "  p7-4-13  按方案规则 / by scheme rule  个人、家庭或者单位申报弄虚作假，给予相应项目双倍扣分" in out
    assert "  p7-5-08  +5  家庭内外环境整洁、干净卫生  [每月，每月至多1次，最低授权:记录员]" in out


@pytest.mark.django_db
def test_show_prints_ranges_and_points_still_to_be_filled(sample_templates):
    assert "  p3-06  +10～80  论文获教育行政部门或学术团体奖励（视级别而定）" in run("show", "p3-school-reading")
    assert "  p4-org-life  待填写 / to be filled  组织生活" in run("show", "p4-party-members")
    assert "  p6-d-02  -100  旷工" in run("show", "p6-laundry-company")


@pytest.mark.django_db
def test_show_prints_a_programme(sample_templates):
    out = run("show", "p1-demo-village-programme")
    assert "示范村评选计划 / demonstration-village programme" in out
    assert "  programme.budget_yuan: 500000" in out


@pytest.mark.django_db
def test_apply_creates_the_scheme_once_and_lists_what_to_fill(world, sample_templates):
    out = run("apply", "p7-town-jifen-plus", "--org", "demo/zhangji/shahe", "--effective-from", "2026-07-01")
    assert "已套用 / applied: p7-town-jifen-plus--demo-zhangji-shahe" in out
    assert "4 个类别 / categories，8 个事项 / items" in out
    assert "  设置 / setting objection_days: 待填写 / to be filled" in out
    assert "  设置 / setting veto.period_days: 待填写 / to be filled" in out

    again = run("apply", "p7-town-jifen-plus", "--org", "demo/zhangji/shahe")
    assert "已套用过，未重复创建 / already applied, nothing duplicated: p7-town-jifen-plus--demo-zhangji-shahe" in again
    assert Scheme.objects.count() == 1 and Item.objects.count() == 8
    assert set(Item.objects.values_list("versions__effective_from", flat=True)) == {dt.date(2026, 7, 1)}


@pytest.mark.django_db
def test_apply_lists_items_whose_points_are_to_be_filled(world, sample_templates):
    out = run("apply", "p4-party-members", "--org", "demo/zhangji/shahe")
    assert "  事项 / item p4-org-life 组织生活（分值见附件1，种子未给出）: 待填写 / to be filled" in out


@pytest.mark.django_db
def test_apply_refuses_a_programme_and_an_unknown_org(world, sample_templates):
    with pytest.raises(CommandError, match="jifen programme"):
        run("apply", "p1-demo-village-programme", "--org", "demo")
    with pytest.raises(CommandError, match="no org unit at path 'demo/nowhere'"):
        run("apply", "p7-town-jifen-plus", "--org", "demo/nowhere")
    assert not Scheme.objects.exists()


@pytest.mark.django_db
def test_apply_takes_the_adopters_period_policy(world):
    out = run("apply", "p3-school-reading", "--org", "demo/zhangji/shahe", "--period-policy", "lifetime")
    assert "已套用 / applied: p3-school-reading--demo-zhangji-shahe" in out
    assert "setting period_policy" not in out
    assert Scheme.objects.get().period_policy == "lifetime"
    out = run("apply", "p3-school-reading", "--org", "demo/zhangji/quanshui")
    assert "  设置 / setting period_policy: 待填写 / to be filled" in out
