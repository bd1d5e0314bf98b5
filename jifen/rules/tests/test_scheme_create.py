import pytest

from jifen.core.errors import Conflict, InvalidInput
from jifen.core.models import AuditEvent
from jifen.rules import services
from jifen.rules.models import Scheme

P7_SETTINGS = {
    "records_per_day": 1,
    "base_points": {"amount": 100, "frequency": "yearly", "subject_types": ["person"], "condition": "遵纪守法"},
    "fraud_multiplier": 2,
    "veto": {"enabled": True, "period_days": None, "bars": ["redemption", "rewards"], "keeps_earning": True},
}


def create(world, **overrides):
    args = {
        "actor": world.admin, "org": world.shahe, "code": "shahe-p7", "name": "沙河村积分制+",
        "subject_types": ["person", "household", "unit"], "period_policy": "year_end_clear",
        "notice_cadence": "quarterly", "review_cadence": "monthly", "settings": P7_SETTINGS,
    }
    return services.scheme_create(**{**args, **overrides})


@pytest.mark.django_db
def test_it_creates_a_scheme_with_its_rules_and_an_audit_row(world):
    scheme = create(world)

    scheme.refresh_from_db()
    assert (scheme.code, scheme.name, scheme.org_id) == ("shahe-p7", "沙河村积分制+", world.shahe.pk)
    assert scheme.subject_types == ["person", "household", "unit"]
    assert (scheme.period_policy, scheme.time_zone) == ("year_end_clear", "Asia/Shanghai")
    assert (scheme.notice_cadence, scheme.review_cadence, scheme.objection_days) == ("quarterly", "monthly", None)
    assert scheme.redemption_lowers_score is False
    # Stored normalised: the Decimal multiplier as a string, nothing added that was not given.
    assert scheme.settings == {**P7_SETTINGS, "fraud_multiplier": "2"}
    event = AuditEvent.objects.get(action="rules.scheme_create")
    assert (event.object_id, event.org_path, event.actor_id) == (str(scheme.pk), "demo/zhangji/shahe", world.admin.pk)
    assert event.after["code"] == "shahe-p7"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("settings", "field", "zh"),
    [
        ({"veto": {"period_days": "a year"}}, "settings.veto.period_days", "应为整数"),
        ({"fraud_multipler": 2}, "settings.fraud_multipler", "不认识的设置项（可能拼写错误）"),
        ({"reward_rules": [{"type": "rank_table", "period": "month", "amounts_yuan": [100, -80]}]},
         "settings.reward_rules[0].amounts_yuan[1]", "数值太小"),
        ({"reward_rules": [{"type": "lottery", "period": "month"}]}, "settings.reward_rules[0]", "未知的类型"),
        ({"grading": {"bands": [{"code": "ok", "name": "合格", "min": 80, "max": 60}]}}, "settings.grading.bands[0]", "最低分不能高于最高分"),
        ({"participation_targets": [{"who": "党员", "min_share": "1.5"}]}, "settings.participation_targets[0].min_share", "数值太大"),
        ({"fraud_multiplier": 0.5}, "settings.fraud_multiplier", "数值太小"),
    ],
)
def test_bad_settings_are_refused_with_the_field_path_and_nothing_is_written(world, settings, field, zh):
    with pytest.raises(InvalidInput) as exc:
        create(world, settings=settings)

    assert exc.value.code == "invalid_settings"
    assert exc.value.detail["field"] == field
    assert exc.value.detail["errors"][0]["zh"] == zh
    assert f"{field}：{zh}" in exc.value.zh
    assert not Scheme.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="rules.").exists()


@pytest.mark.django_db
def test_every_bad_setting_is_listed_not_just_the_first(world):
    with pytest.raises(InvalidInput) as exc:
        create(world, settings={"records_per_day": 0, "veto": {"keeps_earning": "sometimes"}, "honours": [""]})

    assert [e["field"] for e in exc.value.detail["errors"]] == [
        "settings.records_per_day", "settings.veto.keeps_earning", "settings.honours[0]",
    ]
    assert "（共 3 处）" in exc.value.zh


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"subject_types": []}, "subject_types"),
        ({"subject_types": ["person", "cow"]}, "subject_types[1]"),
        ({"time_zone": "Asia/Beijing"}, "time_zone"),
        ({"notice_cadence": "fortnightly"}, "notice_cadence"),
        ({"objection_days": -1}, "objection_days"),
        ({"period_policy": "forever"}, "period_policy"),
        ({"points_scale": 9}, "points_scale"),
        ({"code": "Shahe P7"}, "code"),
        ({"name": "  "}, "name"),
    ],
)
def test_bad_scheme_fields_are_refused(world, overrides, field):
    with pytest.raises(InvalidInput) as exc:
        create(world, **overrides)

    assert exc.value.detail["field"] == field
    assert not Scheme.objects.exists()


@pytest.mark.django_db
def test_base_points_must_score_a_subject_the_scheme_has(world):
    with pytest.raises(InvalidInput) as exc:
        create(world, subject_types=["household"])

    assert exc.value.detail["field"] == "settings.base_points.subject_types"
    assert not Scheme.objects.exists()


@pytest.mark.django_db
def test_a_scheme_code_is_used_once(world):
    create(world)
    with pytest.raises(Conflict):
        create(world, org=world.quanshui)
    assert Scheme.objects.count() == 1
