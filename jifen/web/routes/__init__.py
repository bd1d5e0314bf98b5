"""Page groups beyond sign-in and the org console, one module each (member, recorder, reviewer,
notice board, schemes, shop, grid, dashboards …), so that adding a group touches no shared file.

A module here may define:
- `urlpatterns`: its paths, mounted at the site root (in module-name order);
- `NAV`: a sequence of `(section_key, NavItem)` placing links in the role-aware navigation
  (`jifen.web.nav.SECTIONS`: member, shop, recorder, reviewer, admin).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from types import ModuleType


@functools.cache  # read once: the navigation asks on every page
def modules() -> tuple[ModuleType, ...]:
    names = sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))
    return tuple(importlib.import_module(f"{__name__}.{name}") for name in names)
