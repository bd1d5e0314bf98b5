"""Fixtures of the member, recorder, review and notice page tests: the claims world at a fixed
moment (10 March 2026, 10:00 in Shanghai), photos stored under a temporary media root."""

from __future__ import annotations

import pytest
from django.test import Client

from jifen.claims import services
from jifen.claims.testing import claims_setup, local, photo
from jifen.core import clock
from jifen.orgs.testing import World

NOW = local(2026, 3, 10, 10)


@pytest.fixture
def frozen():
    with clock.frozen(NOW) as at:
        yield at


@pytest.fixture
def setup(world, frozen, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    return claims_setup(world)


def signed_in(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=World.PASSWORD)
    return client


def declare(setup, *, subject=None, item=None, actor=None, points=20, day=5, origin="self", **kw):
    w = setup.world
    item = item or setup.mediate
    if item == setup.help:
        kw.setdefault("evidence", [photo()])
        points = None
    return services.claim_declare(
        actor=actor or w.member, scheme=setup.scheme, subject=subject or w.zhangsan.subject, item=item, points=points,
        occurred_at=local(2026, 3, day, 9), description="帮邻居调解纠纷", place="沙河村", origin=origin, **kw,
    )


def to_pre_approved(setup, **kw):
    return services.claim_pre_approve(actor=setup.world.recorder, claim=declare(setup, **kw))


def to_approved(setup, **kw):
    return services.claim_review(actor=setup.world.reviewer, claim=to_pre_approved(setup, **kw), outcome="approve")


def to_noticed(setup, **kw):
    claim = to_approved(setup, **kw)
    notice = services.notice_publish(actor=setup.world.reviewer, scheme=setup.scheme)
    claim.refresh_from_db()
    return claim, notice
