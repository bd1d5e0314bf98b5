import io

import pytest

from jifen.core.demo import DemoContext
from jifen.orgs import services as orgs
from jifen.orgs.models import Role
from jifen.reports import demo
from jifen.reports.models import PilotVillage


@pytest.mark.django_db
def test_the_demo_designates_pilot_villages_spread_over_the_county(world):
    villages = [orgs.org_unit_create(actor=None, parent=world.township, code=f"d{i:02d}", name=f"示范{i}", kind="village") for i in range(25)]
    admin = orgs.user_create(actor=None, username="platform", password=world.PASSWORD)
    orgs.role_binding_grant(actor=None, user=admin, org=world.county, role=Role.PLATFORM_ADMIN)
    ctx = DemoContext(size="small", seed=1, stdout=io.StringIO())
    ctx.data.update(villages=[world.shahe, world.quanshui, *villages], admin=admin)
    demo.build(ctx)
    demo.build(ctx)  # a second run changes nothing
    pilots = sorted(PilotVillage.objects.values_list("org__code", flat=True))
    assert len(pilots) == 10
    assert pilots == sorted(v.code for v in sorted([world.shahe, world.quanshui, *villages], key=lambda v: v.path)[::2][:10])
    assert "10 个试点村/pilot villages" in ctx.stdout.getvalue()
