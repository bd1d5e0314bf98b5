import re

import pytest
from django.urls import reverse

from jifen.orgs import services as orgs
from jifen.orgs.models import Role


def nav_sections(client):
    page = client.get("/").content.decode()
    return re.findall(r'class="nav-section nav-(\w+)"', page)


@pytest.mark.django_db
def test_visitors_get_no_navigation(client):
    assert nav_sections(client) == []


@pytest.mark.django_db
def test_a_member_sees_only_their_own_section(client, world):
    client.force_login(world.member)
    assert nav_sections(client) == ["member", "account"]
    assert client.get(reverse("console")).status_code == 403


@pytest.mark.django_db
def test_an_org_admin_sees_the_admin_section(client, world):
    client.force_login(world.admin)
    # Org admins also hold the shopkeeper's, recorder's and reviewer's powers (nav.SECTIONS), so those sections show.
    assert nav_sections(client) == ["member", "shop", "recorder", "reviewer", "admin", "account"]
    page = client.get("/").content.decode()
    assert f'href="{reverse("console")}"' in page and "组织架构" in page


@pytest.mark.django_db
def test_sections_follow_bindings_as_they_are_granted_and_revoked(client, world):
    client.force_login(world.member)
    binding = orgs.role_binding_grant(actor=None, user=world.member, org=world.shahe, role=Role.ORG_ADMIN)
    assert "admin" in nav_sections(client)
    orgs.role_binding_revoke(actor=None, binding=binding)
    assert "admin" not in nav_sections(client)


@pytest.mark.django_db
def test_the_header_shows_the_persons_unit(client, world):
    client.force_login(world.member)
    assert re.search(r'<span class="context">\s*第一网格', client.get("/").content.decode())


@pytest.mark.django_db
def test_the_navigation_costs_a_fixed_number_of_queries(client, world, django_assert_max_num_queries):
    client.force_login(world.admin)
    client.get("/")
    with django_assert_max_num_queries(6):
        client.get("/")
