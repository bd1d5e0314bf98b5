"""Pinyin initials: computed by the services, searched as a prefix."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jifen.orgs import services as orgs
from jifen.orgs.pinyin import looks_like_initials, name_initials
from jifen.orgs.selectors import people_search


def test_initials_of_chinese_and_latin_names():
    assert name_initials("张三") == "zs"
    assert name_initials("欧阳娜娜") == "oynn"
    assert name_initials(" 李Ann ") == "lann"
    assert name_initials("") == ""


def test_only_latin_letters_look_like_initials():
    assert looks_like_initials("zs") is True
    assert looks_like_initials("ZS") is True
    assert looks_like_initials("z1") is False
    assert looks_like_initials("张") is False
    assert looks_like_initials("") is False


@pytest.mark.django_db
def test_people_get_their_initials_when_created_and_renamed(world):
    assert world.zhangsan.name_initials == "zs"
    person = orgs.person_update(actor=world.admin, person=world.wangwu, name="王小五")
    person.refresh_from_db()
    assert person.name_initials == "wxw"


@pytest.mark.django_db
def test_zs_finds_zhangsan_in_the_village(world):
    found = list(people_search(org=world.shahe, query="zs").values_list("name", flat=True))
    assert found == ["张三"]
    assert list(people_search(org=world.shahe, query="ZS").values_list("name", flat=True)) == ["张三"]
    assert list(people_search(org=world.shahe, query="l").values_list("name", flat=True)) == ["李梅", "刘记录"]
    # 赵六 (zl) lives in another village: never found from Shahe.
    assert list(people_search(org=world.shahe, query="zl").values_list("name", flat=True)) == []


@pytest.mark.django_db
def test_the_initials_search_is_one_query(world):
    with CaptureQueriesContext(connection) as queries:
        list(people_search(org=world.shahe, query="zs"))
    assert len(queries) == 1
