"""Fixed and base points runs, period closes, reward rules and lists, party evaluation, dividends."""

from django.db import models  # noqa: F401

__all__: list[str] = []
