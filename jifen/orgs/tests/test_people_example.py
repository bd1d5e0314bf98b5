"""The example file in docs/examples is the one the code would write, and it imports into the demo."""

import io

import pytest
from openpyxl import load_workbook

from jifen.core.demo import DemoContext
from jifen.orgs.demo import build
from jifen.orgs.examples import write_people_example
from jifen.orgs.importing import people_import
from jifen.orgs.models import Household
from jifen.orgs.tests.people_files import EXAMPLE


def cells(source):
    return [list(row) for row in load_workbook(source).worksheets[0].iter_rows(values_only=True)]


def test_committed_example_matches_the_generator():
    fresh = io.BytesIO()
    write_people_example(fresh)
    fresh.seek(0)
    assert cells(EXAMPLE) == cells(fresh)


@pytest.mark.django_db
def test_example_imports_into_a_demo_village_and_again_changes_nothing():
    ctx = DemoContext(size="small", seed=1, stdout=io.StringIO())
    build(ctx)
    village = next(v for v in ctx.data["villages"] if v.kind.code == "village")
    report = people_import(actor=ctx.data["admin"], org=village, source=EXAMPLE)
    assert report.errors == [] and (report.created, report.households_created) == (7, 2)
    assert Household.objects.get(village=village, number="9001").head.name == "张建国"
    again = people_import(actor=ctx.data["admin"], org=village, source=EXAMPLE)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 7)
