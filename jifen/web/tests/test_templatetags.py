import datetime as dt

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import translation

from jifen.web.templatetags.jifen_web import points, signed_points, zh_date, zh_datetime


@translation.override("zh-hans")
def test_dates_read_the_chinese_way():
    assert zh_date(dt.date(2026, 11, 5)) == "2026年11月5日"
    assert zh_date(None) == ""
    with translation.override("en"):
        assert zh_date(dt.date(2026, 11, 5)) == "5 Nov 2026"


@translation.override("zh-hans")
def test_an_aware_datetime_is_shown_in_the_local_zone():
    late_utc = dt.datetime(2026, 11, 24, 17, 30, tzinfo=dt.UTC)  # already the 25th in Shanghai
    assert zh_date(late_utc) == "2026年11月25日"
    assert zh_datetime(late_utc) == "2026年11月25日 01:30"
    assert zh_datetime(late_utc, "Asia/Urumqi") == "2026年11月24日 23:30"


def test_points_follow_the_schemes_scale_exactly():
    class Scheme:
        points_scale = 1

    assert points(1234, 0) == "1234"
    assert points(1234, Scheme()) == "123.4"
    assert points(5, 2) == "0.05"
    assert points(-15, 1) == "−1.5"
    assert points(0, 1) == "0.0"
    assert signed_points(50, 1) == "+5.0"
    assert signed_points(-50) == "−50"
    assert signed_points(0) == "0"
    assert points(10**20 + 1, 1) == "10000000000000000000.1"  # no float rounding anywhere


@pytest.mark.django_db
def test_personal_data_tags_mask_unless_the_viewer_may_see(world, django_assert_num_queries):
    template = Template("{% load jifen_web %}{% for p in people %}{% person_mobile p %}|{% person_id_number p %};{% endfor %}")
    people = [world.zhangsan, world.wangwu]
    for p in people:
        p.org  # noqa: B018 (loaded before counting queries)

    def render(user):
        request = RequestFactory().get("/")
        request.user = user
        return template.render(Context({"request": request, "people": people}))

    with django_assert_num_queries(1):
        as_member = render(world.member)
    assert as_member == f"13800000001|{world.zhangsan.id_number};138****0003|420***********{world.wangwu.id_number[-4:]};"
    assert render(world.admin) == f"13800000001|{world.zhangsan.id_number};13800000003|{world.wangwu.id_number};"
