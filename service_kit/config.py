"""Helpers for the services' config modules (which alone read the environment)."""

from pathlib import Path
from urllib.parse import urlsplit

REPO_ROOT = Path(__file__).resolve().parent.parent
LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR"}


class ConfigError(ValueError):
    """A setting is missing or malformed; the service refuses to start."""


def default_sqlite_url(service: str) -> str:
    """The zero-configuration database: one SQLite file per service under var/."""
    var = REPO_ROOT / "var"
    var.mkdir(exist_ok=True)
    return f"sqlite:///{var / f'{service}.db'}"


def database_url(value: str | None, service: str) -> str:
    if not value:
        return default_sqlite_url(service)
    if not value.startswith(("postgresql", "sqlite")):
        raise ConfigError(f"DATABASE_URL must be a postgresql:// or sqlite:// URL, got {value!r}")
    return value


def log_level(value: str | None) -> str:
    level = (value or "INFO").upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"LOG_LEVEL must be one of {sorted(LOG_LEVELS)}, got {value!r}")
    return level


def seconds(value: str | None, name: str, default: float) -> float:
    if value is None or value == "":
        return default
    try:
        parsed = float(value)
    except ValueError:
        parsed = -1.0
    if not 0 <= parsed < 86400:
        raise ConfigError(f"{name} must be a number of seconds (0 to 86400), got {value!r}")
    return parsed


def service_url(value: str | None, name: str, default: str) -> str:
    """An http(s) base URL of another service (the gateway's internal listener)."""
    url = value or default
    parsed = urlsplit(url)
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        raise ConfigError(f"{name} must be an http:// or https:// URL with a host, got {value!r}")
    return url
