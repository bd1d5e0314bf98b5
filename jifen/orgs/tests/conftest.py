import pytest

from jifen.orgs import services as orgs


@pytest.fixture
def units(world):
    """The world plus what the example file names: Shahe's party branch and the laundry's washing team."""
    branch = orgs.org_unit_create(actor=None, parent=world.shahe, code="dzb", name="沙河村党支部", kind="party_branch")
    company = orgs.org_unit_create(actor=None, parent=world.county, code="xidi", name="洁源洗涤公司", kind="company")
    team = orgs.org_unit_create(actor=None, parent=company, code="xidi", name="洗涤组", kind="team")
    return {"branch": branch, "company": company, "team": team}
