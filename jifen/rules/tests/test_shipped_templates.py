"""Every template file shipped in jifen/rules/templates loads, and applies to exactly what it says.

(Whether a file matches the seed text is checked item by item in the templates' own tests.)
"""

import json
from decimal import Decimal
from pathlib import Path

import pytest

from jifen.rules import services
from jifen.rules.models import ItemVersion
from jifen.rules.template_format import template_load

SHIPPED = Path(services.__file__).resolve().parent / "templates"
FILES = sorted(SHIPPED.glob("*.json"))
FORMAT_NAMES = {
    "p1-demo-village-programme", "p2-district-villages", "p3-school-reading", "p4-party-members",
    "p5-grid-household", "p6-laundry-company", "p7-town-jifen-plus", "p8-coal-mine",
}


@pytest.mark.parametrize("path", FILES, ids=[p.stem for p in FILES])
def test_a_shipped_template_is_one_of_the_eight_and_valid(path, settings):
    settings.JIFEN_RULES_TEMPLATES_DIR = str(SHIPPED)
    assert path.stem in FORMAT_NAMES
    template = template_load(path.stem)
    assert template.kind == ("programme" if path.stem.startswith("p1-") else "scheme")


@pytest.mark.django_db
@pytest.mark.parametrize("path", [p for p in FILES if not p.stem.startswith("p1-")], ids=lambda p: p.stem)
def test_applying_a_shipped_template_creates_exactly_its_items(path, settings, world):
    settings.JIFEN_RULES_TEMPLATES_DIR = str(SHIPPED)
    data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    scale = 10 ** data["scheme"].get("points_scale", 0)

    def units(value):
        return None if value is None else int(Decimal(value) * scale)

    scheme = services.template_apply(actor=None, name=path.stem, org=world.shahe)

    got = list(
        ItemVersion.objects.filter(item__scheme=scheme).order_by("item__order")
        .values_list("item__category__code", "item__code", "name", "direction", "points", "points_min", "points_max")
    )
    expected = [
        (c["code"], i["code"], i["name"], i["direction"], units(i.get("points")), units(i.get("points_min")), units(i.get("points_max")))
        for c in data["categories"] for i in c["items"]
    ]
    assert got == expected
    assert services.template_apply(actor=None, name=path.stem, org=world.shahe).pk == scheme.pk
