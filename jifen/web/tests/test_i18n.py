"""Every user-facing string goes through Django i18n, and English is complete."""

from __future__ import annotations

import ast
import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings

from jifen.web.tests.i18n_scan import untranslated

JIFEN = Path(settings.PACKAGE_DIR)
TEMPLATES = sorted(p for p in JIFEN.glob("*/templates/**/*.html"))
PO = JIFEN / "locale" / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def parse_po(path: Path) -> list[dict[str, object]]:
    """Entries of a .po file as {msgid, msgid_plural, msgstr: {index: text}, fuzzy}."""
    entries = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, object] = {"msgstr": {}, "fuzzy": False, "msgid_plural": None}
        key = None
        for line in block.splitlines():
            if line.startswith("#,") and "fuzzy" in line:
                entry["fuzzy"] = True
            if line.startswith("#"):
                continue
            match = re.match(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?) (".*")$', line)
            if match:
                key = match.group(1)
                value = ast.literal_eval(match.group(3))
            elif line.startswith('"') and key:
                value = ast.literal_eval(line)
            else:
                continue
            if key.startswith("msgstr"):
                index = int(key[7:-1]) if "[" in key else 0
                strings = entry["msgstr"]
                strings[index] = strings.get(index, "") + value  # type: ignore[union-attr,index]
            else:
                entry[key] = (entry.get(key) or "") + value
        if "msgid" in entry:
            entries.append(entry)
    return entries


def test_there_are_templates_to_scan():
    assert len(TEMPLATES) >= 15


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(JIFEN)))
def test_template_has_no_text_outside_translation(template):
    findings = untranslated(template.read_text(encoding="utf-8"))
    assert findings == [], f"{template}: wrap these in {{% translate %}} / {{% blocktranslate %}}: " + "; ".join(map(str, findings))


def test_the_scanner_catches_bare_text_attributes_and_literals():
    assert [f.line for f in untranslated("<p>你好</p>\n<b>Hello</b>")] == [1, 2]
    assert len(untranslated('<input placeholder="姓名">')) == 1
    assert len(untranslated('{{ name|default:"无" }}')) == 1
    assert len(untranslated('{% include "x.html" with title="标题" %}')) == 1
    assert len(untranslated("{# a comment that\nruns on #}")) == 2  # Django prints it
    assert untranslated(
        '{% load i18n %}<p title="{% translate \'名\' %}">{% translate "你好" %}</p>'
        "{% blocktranslate with n=x %}共 {{ n }} 人{% endblocktranslate %}"
        '{# 注释 #}{% comment %}说明{% endcomment %}<script>var a = "b";</script>'
        '<p class="muted">{{ x|default:_("无") }} &nbsp; — 1/2</p>'
    ) == []


def test_every_msgid_in_the_english_catalog_is_translated():
    entries = [e for e in parse_po(PO) if e["msgid"]]
    assert len(entries) > 100
    untranslated_ids = [e["msgid"] for e in entries if not all(e["msgstr"].values()) or not e["msgstr"]]  # type: ignore[union-attr]
    fuzzy = [e["msgid"] for e in entries if e["fuzzy"]]
    assert untranslated_ids == [] and fuzzy == []
    plural = [e for e in entries if e["msgid_plural"]]
    assert all(sorted(e["msgstr"]) == [0, 1] for e in plural)  # type: ignore[arg-type]


def test_the_compiled_catalog_matches_the_po_file():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in parse_po(PO):
        msgid = entry["msgid"]
        if not msgid:
            continue
        strings = entry["msgstr"]
        if entry["msgid_plural"]:
            got = [compiled.ngettext(msgid, entry["msgid_plural"], n) for n in (1, 2)]  # type: ignore[arg-type]
            want = [strings[0], strings[1]]  # type: ignore[index]
        else:
            got, want = [compiled.gettext(msgid)], [strings[0]]  # type: ignore[arg-type,index]
        if got != want:
            stale.append(msgid)
    assert stale == [], "django.mo is out of date: run scripts/messages"


_CALL = re.compile(r"\b(n?p?gettext)\(((?:u'(?:[^'\\]|\\.)*'(?:, )?)+)")
_LITERAL = re.compile(r"u'(?:[^'\\]|\\.)*'")


def _template_msgids() -> set[str]:
    """The msgids makemessages would take from the templates (Django's own templatize)."""
    from django.utils.translation.template import templatize

    ids: set[str] = set()
    for template in TEMPLATES:
        code = templatize(template.read_text(encoding="utf-8"), origin=str(template))
        for call in _CALL.finditer(code):
            literals = [ast.literal_eval(text) for text in _LITERAL.findall(call.group(2))]
            # pgettext/npgettext put the context first.
            ids.add(literals[1] if call.group(1).startswith(("p", "np")) else literals[0])
    return ids


def test_every_template_string_is_in_the_english_catalog():
    catalog = {e["msgid"] for e in parse_po(PO)}
    found = _template_msgids()
    assert "登录" in found and "你好，%(name)s" in found
    assert sorted(found - catalog) == [], "new strings: run scripts/messages and translate them"
