"""Every template file: parses, keeps to FORMAT.md, unique codes, clean Simplified text.

The per-template tests (`test_template_p*.py`) compare the items to hand-checked fixtures;
this file checks what must hold for all of them.
"""

import json
import re

import pytest

from jifen.rules.tests.fixtures.helpers import TEMPLATES_DIR, items_by_code

EXPECTED = {
    "p1-demo-village-programme": ("programme", "篇1"),
    "p2-district-villages": ("scheme", "篇2"),
    "p3-school-reading": ("scheme", "篇3"),
    "p4-party-members": ("scheme", "篇4"),
    "p5-grid-household": ("scheme", "篇5"),
    "p6-laundry-company": ("scheme", "篇6"),
    "p7-town-jifen-plus": ("scheme", "篇7"),
    "p8-coal-mine": ("scheme", "篇8"),
}
PRESENT = sorted(p.stem for p in TEMPLATES_DIR.glob("*.json"))

TOP_KEYS = {"format", "name", "kind", "source", "source_lines", "title", "title_en", "summary",
            "scheme", "settings", "categories"}
SCHEME_KEYS = {"subject_types", "period_policy", "time_zone", "notice_cadence", "review_cadence",
               "objection_days", "redemption_lowers_score", "points_scale"}
SETTINGS_KEYS = {"records_per_day", "base_points", "fraud_multiplier", "veto", "leader_matching",
                 "fixed_points", "authorisation", "grading", "reward_rules", "published_top",
                 "participation_targets", "honours", "funds", "spot_checks", "zero_or_negative",
                 "programme", "summary_cadence", "ranking_cadence"}
CATEGORY_KEYS = {"code", "name", "subject_types", "group", "items"}
ITEM_KEYS = {"code", "name", "direction", "points", "points_min", "points_max", "frequency",
             "caps", "evidence_required", "min_role", "kind", "leader_matching", "source_text"}
SUBJECT_TYPES = {"person", "household", "party_member", "staff", "teacher", "unit"}
CADENCES = {"weekly", "monthly", "quarterly", "yearly", None}
FREQUENCIES = {"per_event", "per_day", "per_month", "per_quarter", "per_year", "once"}
ROLES = {"member", "recorder", "reviewer", "org_admin"}
KINDS = {"normal", "base", "fixed_monthly", "fraud", "veto"}
CODE = re.compile(r"^[a-z0-9_-]+$")

# Traditional-only characters common in the seed: none may survive the conversion.
TRADITIONAL = set("積為會與項獎勵區鄉農動鎮戶資議導組標準實員責經們個這發對從產時義學習書讀級榮譽"
                  "舉報環衛參擔審現設機紀錄記單費聯網縣廳圖養將場當勞滿業務團結幫貧孫衝劃關應")
PINYIN = re.compile(r"\([a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]+\)")


def is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def chinese_strings(value):
    """Every string in a template, for the text checks."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from chinese_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from chinese_strings(v)


def load(name):
    with open(TEMPLATES_DIR / f"{name}.json", encoding="utf-8") as f:
        return json.load(f)


def test_the_eight_named_templates_are_all_here():
    assert PRESENT == sorted(EXPECTED)


@pytest.mark.parametrize("name", PRESENT)
def test_top_level_and_scheme_keep_to_the_format(name):
    doc = load(name)
    kind, source = EXPECTED[name]
    expected_keys = TOP_KEYS - ({"scheme"} if kind == "programme" else set())
    assert set(doc) == expected_keys
    assert (doc["format"], doc["name"], doc["kind"], doc["source"]) == (1, name, kind, source)
    assert len(doc["source_lines"]) == 2 and all(is_int(n) for n in doc["source_lines"])
    assert set(doc["settings"]) <= SETTINGS_KEYS
    if kind == "scheme":
        scheme = doc["scheme"]
        assert set(scheme) == SCHEME_KEYS
        assert scheme["subject_types"] and set(scheme["subject_types"]) <= SUBJECT_TYPES
        assert scheme["period_policy"] in {"year_end_clear", "lifetime", None}
        assert scheme["time_zone"] == "Asia/Shanghai"
        assert scheme["notice_cadence"] in CADENCES and scheme["review_cadence"] in CADENCES
        assert scheme["objection_days"] is None or is_int(scheme["objection_days"])
        assert isinstance(scheme["redemption_lowers_score"], bool)
        assert scheme["points_scale"] == 0


@pytest.mark.parametrize("name", PRESENT)
def test_categories_and_items_keep_to_the_format(name):
    doc = load(name)
    allowed_subjects = set(doc.get("scheme", {}).get("subject_types", []))
    for category in doc["categories"]:
        assert set(category) == CATEGORY_KEYS
        assert CODE.match(category["code"])
        assert set(category["subject_types"]) <= allowed_subjects
        for item in category["items"]:
            assert set(item) - {"note"} == ITEM_KEYS, item["code"]
            assert CODE.match(item["code"]), item["code"]
            assert item["direction"] in {"award", "deduct"}
            assert item["frequency"] in FREQUENCIES and item["min_role"] in ROLES
            assert item["kind"] in KINDS
            assert item["leader_matching"] in {None, True, False}
            assert isinstance(item["evidence_required"], bool)
            assert set(item["caps"]) == {"per_day", "per_month", "per_year"}
            # 当年积 -> per_year capped at 1; 当月积 / 每月积 -> per_month capped at 1
            expected_caps = {"per_day": None, "per_month": None, "per_year": None}
            if item["frequency"] in {"per_year", "per_month"}:
                expected_caps[item["frequency"]] = 1
            assert item["caps"] == expected_caps, item["code"]
            if item["points_min"] is not None or item["points_max"] is not None:
                assert item["points"] is None, item["code"]
                assert is_int(item["points_min"]) and is_int(item["points_max"])
                assert 0 < item["points_min"] < item["points_max"], item["code"]
            else:
                assert item["points"] is None or (is_int(item["points"]) and item["points"] > 0)
            if item["points"] is None and item["points_min"] is None:
                # no number in the seed: only the fraud and veto rules may say so
                assert item["kind"] in {"fraud", "veto"}, item["code"]


@pytest.mark.parametrize("name", PRESENT)
def test_codes_are_unique(name):
    doc = load(name)
    item_codes = [i["code"] for c in doc["categories"] for i in c["items"]]
    category_codes = [c["code"] for c in doc["categories"]]
    assert len(item_codes) == len(set(item_codes)) == len(items_by_code(doc))
    assert len(category_codes) == len(set(category_codes))
    prefix = name.split("-")[0] + "-"
    assert all(code.startswith(prefix) for code in item_codes)


@pytest.mark.parametrize("name", PRESENT)
def test_each_item_can_be_traced_to_its_seed_sentence(name):
    for item in items_by_code(load(name)).values():
        source = item["source_text"]
        assert item["name"] in source, item["code"]
        if item["points_min"] is not None:
            assert f"{item['points_min']}-{item['points_max']}分" in source, item["code"]
        elif item["points"] is not None and "第173-175行" not in item.get("note", ""):
            # 篇6's scrambled tables carry their value in the note, not in the sentence
            assert f"{item['points']}分" in source, item["code"]


@pytest.mark.parametrize("name", PRESENT)
def test_text_is_simplified_without_pinyin_or_garbling(name):
    for text in chinese_strings(load(name)):
        assert not TRADITIONAL & set(text), text
        assert not PINYIN.search(text), text
        assert "?" not in text and "\ufffd" not in text, text
        if re.search(r"[\u4e00-\u9fff]", text):
            assert not re.search(r"[,():;]", text), f"half-width punctuation in {text!r}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_template_loads_through_the_rules_loader(name, settings):
    # Skips until the rules app's loader exists; from then on every file must pass it.
    template_format = pytest.importorskip("jifen.rules.template_format")
    settings.JIFEN_RULES_TEMPLATES_DIR = str(TEMPLATES_DIR)
    template = template_format.template_load(name)
    assert (template.name, template.kind) == (name, EXPECTED[name][0])
    assert [item.code for _, item in template.items()] == list(items_by_code(load(name)))


def test_templates_list_shows_the_eight_without_errors(settings):
    from io import StringIO

    from django.core.management import call_command

    settings.JIFEN_RULES_TEMPLATES_DIR = str(TEMPLATES_DIR)
    out = StringIO()
    call_command("templates", "list", stdout=out)
    text = out.getvalue()
    assert "scheme templates: 8（" in text
    assert "⚠" not in text  # the command marks a file it cannot load
    listed = [line.split()[0] for line in text.splitlines() if line.startswith("  p")]
    assert listed == sorted(EXPECTED)
    assert "6 个类别 / categories，83 个事项 / items" in text  # 篇7
    assert "11 个类别 / categories，58 个事项 / items" in text  # 篇6
