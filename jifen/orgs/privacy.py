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


class PersonalDataGate:
    """`can_see_personal_data` for one viewer over many people, with one query in all.

    List pages use it so that masking a page of fifty people does not cost fifty queries;
    it answers exactly as `can_see_personal_data` does.
    """

    def __init__(self, viewer: Any) -> None:
        from jifen.orgs.selectors import role_bindings_of

        self.viewer = viewer
        self.authenticated = viewer is not None and bool(getattr(viewer, "is_authenticated", False))
        self.superuser = self.authenticated and bool(getattr(viewer, "is_superuser", False)) and bool(
            getattr(viewer, "is_active", False)
        )
        self.admin_paths: list[str] = []
        if self.authenticated and not self.superuser:
            self.admin_paths = [
                b.org.path for b in role_bindings_of(user=viewer) if b.role in (Role.ORG_ADMIN, Role.PLATFORM_ADMIN)
            ]

    def can_see(self, person: Person) -> bool:
        if not self.authenticated:
            return False
        if self.superuser or getattr(self.viewer, "person_id", None) == person.pk:
            return True
        path = person.org.path
        return any(path == p or path.startswith(p + "/") for p in self.admin_paths)

    def mobile(self, person: Person) -> str:
        return person.mobile if self.can_see(person) else mask_mobile(person.mobile)

    def id_number(self, person: Person) -> str:
        return person.id_number or "" if self.can_see(person) else mask_id_number(person.id_number)
