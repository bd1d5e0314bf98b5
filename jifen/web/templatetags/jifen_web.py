"""Filters and tags every page uses: Chinese dates, points in a scheme's scale, masked data."""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from typing import Any

from django import template
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import get_language

from jifen.orgs.models import Person
from jifen.orgs.privacy import PersonalDataGate
from jifen.web import nav
from jifen.web.labels import AUDIT_ACTIONS

register = template.Library()

_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _english() -> bool:
    return (get_language() or "").lower().startswith("en")


def _local(value: dt.datetime, tz: str | None) -> dt.datetime:
    if timezone.is_naive(value):
        return value
    return value.astimezone(zoneinfo.ZoneInfo(tz) if tz else timezone.get_current_timezone())


@register.filter
def zh_date(value: dt.date | dt.datetime | None, tz: str | None = None) -> str:
    """2026年11月25日 (in English: 25 Nov 2026); an aware datetime is shown in `tz` or the site zone."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value, tz).date()
    if _english():
        return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"
    return f"{value.year}年{value.month}月{value.day}日"


@register.filter
def zh_datetime(value: dt.datetime | None, tz: str | None = None) -> str:
    """2026年11月25日 14:05, in `tz` (a scheme's zone) or the site's zone."""
    if value is None or value == "":
        return ""
    local = _local(value, tz)
    return f"{zh_date(local.date())} {local:%H:%M}"


def _scale_of(scale: Any) -> int:
    if scale is None or scale == "":
        return 0
    if hasattr(scale, "points_scale"):
        return int(scale.points_scale)
    return int(scale)


@register.filter
def points(value: int | None, scale: Any = 0) -> str:
    """Stored integer points as the scheme shows them: 1234 at scale 1 is 123.4, never a float."""
    if value is None or value == "":
        return ""
    digits = _scale_of(scale)
    amount = Decimal(int(value)).scaleb(-digits)
    text = f"{amount:.{digits}f}"
    return text.replace("-", "−") if amount < 0 else text


@register.filter
def signed_points(value: int | None, scale: Any = 0) -> str:
    """Like `points` with an explicit sign for awards: +5, −10, 0."""
    text = points(value, scale)
    return f"+{text}" if value and int(value) > 0 else text


def _gate(context: template.Context) -> PersonalDataGate:
    # One gate per request: masking a list of people costs one query, not one per person.
    request: HttpRequest | None = context.get("request")
    if request is None:
        return PersonalDataGate(None)
    gate = getattr(request, "_jifen_privacy_gate", None)
    if gate is None:
        gate = PersonalDataGate(getattr(request, "user", None))
        request._jifen_privacy_gate = gate  # type: ignore[attr-defined]
    return gate


@register.simple_tag(takes_context=True)
def person_mobile(context: template.Context, person: Person) -> str:
    """The mobile number as the viewer may see it (masked unless `can_see_personal_data`)."""
    return _gate(context).mobile(person)


@register.simple_tag(takes_context=True)
def person_id_number(context: template.Context, person: Person) -> str:
    return _gate(context).id_number(person)


@register.filter
def kind_name(kind: Any) -> str:
    """An org kind's name in the reader's language (kinds are data with a Chinese and an English name)."""
    if kind is None:
        return ""
    if _english() and getattr(kind, "name_en", ""):
        return str(kind.name_en)
    return str(kind.name)


@register.simple_tag(takes_context=True)
def navigation(context: template.Context) -> list[nav.Section]:
    request: HttpRequest | None = context.get("request")
    return nav.sections_for(request) if request is not None else []


@register.simple_tag(takes_context=True)
def home_unit(context: template.Context) -> Any:
    request: HttpRequest | None = context.get("request")
    return nav.home_unit(request) if request is not None else None


@register.filter
def action_label(action: str) -> str:
    """An audit action's readable name (household and person histories)."""
    return str(AUDIT_ACTIONS.get(action, action))


@register.filter
def in_language(message: Any) -> str:
    """A message carried in both languages (an import row error, a service error) in the reader's."""
    return str(message.en if _english() and getattr(message, "en", "") else message.zh)
