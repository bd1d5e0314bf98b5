"""Hooks the domain apps declare on their AppConfig, so core commands need no edits per app.

- `demo_step`: dotted path of `fn(ctx: DemoContext) -> None`, run by `jifen demo` in
  INSTALLED_APPS order.
- `tick_tasks`: dotted paths of `fn(*, now: datetime) -> str`, run by `jifen tick`.
- `importers` / `exporters`: {kind: dotted path} for `jifen import KIND` / `jifen export KIND`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.utils.module_loading import import_string


def hooks(attr: str) -> list[tuple[str, Any]]:
    found = []
    for config in apps.get_app_configs():
        value = getattr(config, attr, None)
        if value:
            found.append((config.label, value))
    return found


def demo_steps() -> list[tuple[str, Callable[..., Any]]]:
    return [(label, import_string(path)) for label, path in hooks("demo_step")]


def tick_tasks() -> list[tuple[str, Callable[..., Any]]]:
    return [(f"{label}:{path.rsplit('.', 1)[-1]}", import_string(path)) for label, paths in hooks("tick_tasks") for path in paths]


def _kinds(attr: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for _label, mapping in hooks(attr):
        merged.update(mapping)
    return merged


def importers() -> dict[str, str]:
    return _kinds("importers")


def exporters() -> dict[str, str]:
    return _kinds("exporters")
