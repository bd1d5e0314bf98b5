import datetime as dt
import io

import pytest

from jifen.core import clock
from jifen.core.demo import DemoContext
from jifen.grid import demo, selectors
from jifen.grid.models import GridPost, HouseholdLink, Issue, IssueEvent, Visit
from jifen.orgs.demo import build as orgs_build
from jifen.orgs.models import Household, OrgUnit

pytestmark = pytest.mark.django_db


def test_demo_adds_posts_links_visits_and_issues_to_the_demo_villages_quickly():
    ctx = DemoContext(size="small", seed=1, stdout=io.StringIO())
    with clock.frozen(dt.datetime(2026, 11, 25, 4, 0, tzinfo=dt.UTC)):
        orgs_build(ctx)
        demo.build(ctx)
    grids = [g for g in ctx.data["grids"] if g.parent.kind.code == "village"]
    assert GridPost.objects.filter(post="worker").count() == len(grids)
    assert GridPost.objects.filter(post="leader").count() == len(grids)
    village_households = Household.objects.filter(org__in=grids).count()
    assert HouseholdLink.objects.filter(until__isnull=True).count() == village_households
    root = OrgUnit.objects.get(path="demo")
    assert list(selectors.households_without_worker(root)) == []
    assert Visit.objects.count() == min(demo.MAX_VISITS, village_households)
    assert Issue.objects.count() == demo.MAX_ISSUES
    # The ones reported weeks ago were escalated by the demo's own pass.
    assert IssueEvent.objects.filter(action="escalate").exists()
    assert "网格 / grids" in ctx.stdout.getvalue()
