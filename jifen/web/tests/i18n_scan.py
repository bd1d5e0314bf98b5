"""Find user-facing text in Django templates that does not go through translation.

Template tags, variables, comments, `{% blocktranslate %}` blocks, scripts and styles are taken
out; what is left (text between HTML tags and the user-facing attributes) must hold no letters.
Quoted literals inside variables and tags must not hold Chinese unless wrapped in _("…").
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_COMMENT_BLOCK = re.compile(r"{%\s*comment\b.*?%}.*?{%\s*endcomment\s*%}", re.S)
_COMMENT = re.compile(r"{#.*?#}")  # one line only, as in Django: a longer one is printed
_BLOCKTRANS = re.compile(r"{%\s*blocktrans(?:late)?\b.*?%}.*?{%\s*endblocktrans(?:late)?\s*%}", re.S)
_TAG = re.compile(r"{%.*?%}|{{.*?}}", re.S)
_SCRIPT_STYLE = re.compile(r"<(script|style)\b[^>]*>.*?</\1\s*>", re.S | re.I)
_HTML_COMMENT = re.compile(r"<!--.*?-->", re.S)
_HTML_TAG = re.compile(r"<[!/]?[a-zA-Z][^>]*>", re.S)
_USER_ATTRS = re.compile(r"\b(title|placeholder|alt|aria-label|label|data-label)\s*=\s*(\"[^\"]*\"|'[^']*')", re.I)
_ENTITY = re.compile(r"&[a-zA-Z]+;|&#\d+;|&#x[0-9a-fA-F]+;")
_LETTER = re.compile(r"[^\W\d_]")
_CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
_QUOTED = re.compile(r"(_\()?(\"[^\"]*\"|'[^']*')")
_TRANSLATE_TAG = re.compile(r"{%\s*(trans|translate)\s")


@dataclass(frozen=True)
class Finding:
    line: int
    text: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.text!r}"


def _line_of(source: str, offset: int) -> int:
    return source.count("\n", 0, offset) + 1


def _blank(match: re.Match[str]) -> str:
    # Keep newlines so that line numbers still point at the template.
    return re.sub(r"[^\n]", " ", match.group(0))


def untranslated(source: str) -> list[Finding]:
    findings: list[Finding] = []
    text = _COMMENT_BLOCK.sub(_blank, source)
    text = _COMMENT.sub(_blank, text)
    text = _BLOCKTRANS.sub(_blank, text)
    for match in _TAG.finditer(text):
        chunk = match.group(0)
        if _TRANSLATE_TAG.match(chunk):
            continue
        for literal in _QUOTED.finditer(chunk):
            if literal.group(1) is None and _CJK.search(literal.group(2)):
                findings.append(Finding(_line_of(text, match.start()), literal.group(2)))
    text = _TAG.sub(_blank, text)
    text = _SCRIPT_STYLE.sub(_blank, text)
    text = _HTML_COMMENT.sub(_blank, text)
    for tag in _HTML_TAG.finditer(text):
        for attr in _USER_ATTRS.finditer(tag.group(0)):
            value = _ENTITY.sub(" ", attr.group(2)[1:-1])
            if _LETTER.search(value):
                findings.append(Finding(_line_of(text, tag.start()), f"{attr.group(1)}={attr.group(2)}"))
    text = _HTML_TAG.sub(_blank, text)
    text = _ENTITY.sub(" ", text)
    for number, line in enumerate(text.split("\n"), start=1):
        if _LETTER.search(line):
            findings.append(Finding(number, line.strip()))
    return findings
