"""django-ninja names OpenAPI components by class name and quietly keeps one of two schemas that
share a name, so one domain's `ObjectionIn` would replace another's in the document."""

import importlib
import inspect
import pkgutil
from collections import defaultdict

from ninja import Schema

from jifen.api import routers, schemas


def test_no_two_api_schemas_share_a_name():
    for package in (schemas, routers):
        for module in pkgutil.iter_modules(package.__path__):
            importlib.import_module(f"{package.__name__}.{module.name}")
    where: dict[str, set[str]] = defaultdict(set)
    for cls in _subclasses(Schema):
        if cls.__module__.startswith("jifen."):
            where[cls.__name__].add(f"{cls.__module__}.{cls.__qualname__}")
    shared = {name: sorted(places) for name, places in where.items() if len(places) > 1}
    assert shared == {}
    assert len(where) > 50  # the walk found the API's schemas


def _subclasses(cls):
    for sub in cls.__subclasses__():
        if inspect.isclass(sub):
            yield sub
            yield from _subclasses(sub)
