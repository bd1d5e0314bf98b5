"""Fixtures for the rules tests. `sample_templates` points template loading at the small sample
files in tests/sample_templates (test data, not the shipped transcriptions)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

SAMPLES = Path(__file__).resolve().parent / "sample_templates"


@pytest.fixture
def sample_templates(settings):
    settings.JIFEN_RULES_TEMPLATES_DIR = str(SAMPLES)
    return SAMPLES


@pytest.fixture
def scheme(world):
    from jifen.rules import services

    return services.scheme_create(
        actor=world.admin, org=world.shahe, code="shahe-test", name="沙河村积分方案", subject_types=["person", "household"],
        period_policy="year_end_clear", notice_cadence="quarterly", objection_days=7,
    )


@pytest.fixture
def category(scheme, world):
    from jifen.rules import services

    return services.category_create(actor=world.admin, scheme=scheme, code="public_order", name="社会治安类", subject_types=["person"])


JAN1 = dt.date(2026, 1, 1)
