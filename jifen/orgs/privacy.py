"""Masking of personal data (PIPL). One helper decides who sees ID and phone numbers unmasked."""

from __future__ import annotations

from typing import Any

from jifen.orgs.models import Person, Role


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_mobile(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def can_see_personal_data(viewer: Any, person: Person) -> bool:
    """Platform admins, org admins over the person's unit, and the person themself."""
    from jifen.orgs.selectors import user_has_role

    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if getattr(viewer, "person_id", None) == person.pk:
        return True
    return user_has_role(user=viewer, org=person.org, roles=[Role.ORG_ADMIN, Role.PLATFORM_ADMIN])


def person_id_number_for(viewer: Any, person: Person) -> str:
    return person.id_number or "" if can_see_personal_data(viewer, person) else mask_id_number(person.id_number)


def person_mobile_for(viewer: Any, person: Person) -> str:
    return person.mobile if can_see_personal_data(viewer, person) else mask_mobile(person.mobile)
