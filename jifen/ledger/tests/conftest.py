from types import SimpleNamespace

import pytest

from jifen.ledger import services
from jifen.ledger.testing import make_scheme


@pytest.fixture
def scheme(world):
    return make_scheme(world.shahe)


@pytest.fixture
def acc(world, scheme):
    """张三, 王五 and 李梅's accounts plus the scheme's issuance and shop accounts."""
    return SimpleNamespace(
        zhangsan=services.account_for(scheme=scheme, subject=world.zhangsan.subject),
        wangwu=services.account_for(scheme=scheme, subject=world.wangwu.subject),
        limei=services.account_for(scheme=scheme, subject=world.limei.subject),
        issuance=services.system_account(scheme=scheme, kind="issuance"),
        shop=services.system_account(scheme=scheme, kind="shop"),
    )
