"""Helpers for the people import and export tests."""

from pathlib import Path

from jifen.core.excel import write_workbook
from jifen.core.models import AuditEvent
from jifen.orgs.importing import COLUMNS
from jifen.orgs.models import (
    Employment,
    Household,
    HouseholdMember,
    PartyMembership,
    Person,
    Subject,
)

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "people-example.xlsx"


def write_people(path: Path, rows: list[dict[str, str]], columns=COLUMNS) -> Path:
    write_workbook(path, [("人员", columns, [[row.get(c.key, "") for c in columns] for row in rows])])
    return path


def table_counts() -> dict[str, int]:
    return {
        "people": Person.objects.count(), "subjects": Subject.objects.count(), "households": Household.objects.count(),
        "stays": HouseholdMember.objects.count(), "party": PartyMembership.objects.count(),
        "jobs": Employment.objects.count(), "audit": AuditEvent.objects.count(),
    }
