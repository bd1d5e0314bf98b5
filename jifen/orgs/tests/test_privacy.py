import pytest

from jifen.orgs.privacy import (
    can_see_personal_data,
    mask_id_number,
    mask_mobile,
    person_id_number_for,
    person_mobile_for,
)


def test_masks_have_the_documented_shape():
    assert mask_id_number("110105194912311234") == "110***********1234"
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_id_number("") == ""
    assert mask_mobile(None) == ""


@pytest.mark.django_db
def test_admin_and_self_see_unmasked_others_see_masks(world):
    p = world.zhangsan
    assert can_see_personal_data(world.admin, p)
    assert can_see_personal_data(world.member, p)
    assert not can_see_personal_data(world.neighbour, p)
    assert not can_see_personal_data(world.reviewer, p)
    assert not can_see_personal_data(world.outsider, p)
    assert not can_see_personal_data(None, p)
    assert person_mobile_for(world.admin, p) == "13800000001"
    assert person_mobile_for(world.neighbour, p) == "138****0001"
    assert person_id_number_for(world.neighbour, p) == mask_id_number(p.id_number)
    assert person_id_number_for(world.neighbour, p).startswith("420***********")


@pytest.mark.django_db
def test_the_gate_answers_exactly_as_can_see_personal_data(world, django_assert_num_queries):
    from django.contrib.auth.models import AnonymousUser

    from jifen.orgs.models import Person
    from jifen.orgs.privacy import PersonalDataGate

    people = list(Person.objects.select_related("org"))
    for viewer in (world.admin, world.reviewer, world.recorder, world.member, world.neighbour, world.outsider, AnonymousUser(), None):
        with django_assert_num_queries(0 if viewer is None or not viewer.is_authenticated else 1):
            gate = PersonalDataGate(viewer)
            answers = [gate.can_see(p) for p in people]
        assert answers == [can_see_personal_data(viewer, p) for p in people]
    gate = PersonalDataGate(world.neighbour)
    assert (gate.mobile(world.zhangsan), gate.id_number(world.zhangsan)) == ("138****0001", mask_id_number(world.zhangsan.id_number))
    assert PersonalDataGate(world.admin).mobile(world.zhangsan) == "13800000001"
