"""Pinyin initials of a name ("张三" → "zs"), so a recorder finds someone by typing a few letters.

Stored on `Person.name_initials` (filled by `person_fields_clean`, so every service and the
people import keep it current) and searched as an indexed prefix.
"""

from __future__ import annotations

import re
from functools import lru_cache

from pypinyin import Style, lazy_pinyin

MAX_LENGTH = 50
_NOT_LETTER = re.compile(r"[^a-z]")


@lru_cache(maxsize=65536)  # names repeat a lot (a demo county, an import): pypinyin costs ~50 µs a call
def name_initials(name: str) -> str:
    """Lower-case initials: one letter per Chinese character, Latin letters kept as they are."""
    out = []
    for part in lazy_pinyin((name or "").strip(), style=Style.FIRST_LETTER, errors="default"):
        out.append(_NOT_LETTER.sub("", part.lower()))
    return "".join(out)[:MAX_LENGTH]


def looks_like_initials(query: str) -> bool:
    """Whether a search text could be initials: 1–50 Latin letters and nothing else."""
    return bool(query) and len(query) <= MAX_LENGTH and query.isascii() and query.isalpha()
