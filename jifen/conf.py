"""Strict parsing of settings from the environment: a bad value stops start-up loudly."""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit


class ConfigError(Exception):
    pass


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={raw!r}: 应为 true/false / expected true or false")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r}: 应为整数 / expected an integer") from None


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [part.strip() for part in raw.split(",") if part.strip()]


def parse_database_url(url: str, *, base_dir: Path) -> dict:
    """Turn sqlite:///path or postgres://user:pass@host:port/name into a Django DATABASES entry."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    options = dict(parse_qsl(parts.query))
    if scheme == "sqlite":
        raw_path = unquote(parts.path)
        if parts.netloc:
            raise ConfigError(
                f"DATABASE_URL={url!r}: SQLite 地址应为 sqlite:///相对路径 或 sqlite:////绝对路径 / "
                "a SQLite URL is sqlite:///relative or sqlite:////absolute"
            )
        name = raw_path[1:] if raw_path.startswith("/") else raw_path
        if not name:
            raise ConfigError(f"DATABASE_URL={url!r}: 缺少文件名 / missing file name")
        path = Path(name)
        if not path.is_absolute():
            path = base_dir / path
        timeout = int(options.pop("timeout", "30"))
        if options:
            raise ConfigError(f"DATABASE_URL={url!r}: 未知参数 / unknown options {sorted(options)}")
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(path),
            "OPTIONS": {
                # WAL lets readers run while one writer writes; IMMEDIATE makes every
                # transaction take the write lock up front, so writers queue instead of
                # failing with "database is locked" when they upgrade a read lock.
                "init_command": (
                    "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;"
                    f"PRAGMA busy_timeout={timeout * 1000};PRAGMA foreign_keys=ON;"
                ),
                "transaction_mode": "IMMEDIATE",
                "timeout": timeout,
            },
            "TEST": {"NAME": None},
        }
    if scheme in {"postgres", "postgresql", "pgsql"}:
        name = unquote(parts.path.lstrip("/"))
        if not name:
            raise ConfigError(f"DATABASE_URL={url!r}: 缺少数据库名 / missing database name")
        try:
            port = parts.port
        except ValueError:
            raise ConfigError(f"DATABASE_URL={url!r}: 端口无效 / bad port") from None
        conn_max_age = int(options.pop("conn_max_age", "0"))
        db = {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname or "",
            "PORT": str(port or ""),
            "CONN_MAX_AGE": conn_max_age,
            "OPTIONS": options,
        }
        return db
    raise ConfigError(
        f"DATABASE_URL={url!r}: 只支持 sqlite 与 postgres / only sqlite:// and postgres:// are supported"
    )
