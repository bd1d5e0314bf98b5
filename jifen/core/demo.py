"""The context every app's demo step receives."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, TextIO

SIZES = ("small", "county", "large")


@dataclass
class DemoContext:
    size: str
    seed: int
    stdout: TextIO
    rng: random.Random = field(init=False)
    # Steps leave what later steps need here (root org, villages, company, admin user …).
    data: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.size not in SIZES:
            raise ValueError(f"size must be one of {SIZES}")
        self.rng = random.Random(self.seed)

    def say(self, text: str) -> None:
        self.stdout.write(text + "\n")
        self.stdout.flush()
