"""Helpers for the services' config modules (which alone read the environment)."""

from pathlib import Path
from urllib.parse import urlsplit

from service_kit.access.settings import AccessSettings
from service_kit.telemetry.settings import TelemetrySettings

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


def access(env) -> AccessSettings:
    """Token settings: TOKEN_ISSUER, TOKEN_AUDIENCE, JWKS_FILE or JWKS_URL,
    JWKS_REFRESH, TOKEN_CLOCK_SKEW; and this service's own credentials,
    TOKEN_URL, CLIENT_ID, CLIENT_SECRET (README, "Access")."""
    defaults = AccessSettings()
    jwks_url = env.get("JWKS_URL") or None
    if jwks_url and env.get("JWKS_FILE"):
        raise ConfigError("give JWKS_FILE or JWKS_URL, not both")
    token_url = env.get("TOKEN_URL") or None
    client_id, client_secret = env.get("CLIENT_ID") or None, env.get("CLIENT_SECRET") or None
    if token_url and not (client_id and client_secret):
        raise ConfigError("TOKEN_URL needs CLIENT_ID and CLIENT_SECRET")
    return AccessSettings(
        issuer=env.get("TOKEN_ISSUER") or defaults.issuer,
        audience=env.get("TOKEN_AUDIENCE") or defaults.audience,
        jwks_file=None if jwks_url else env.get("JWKS_FILE") or defaults.jwks_file,
        jwks_url=service_url(jwks_url, "JWKS_URL", "") if jwks_url else None,
        jwks_refresh=seconds(env.get("JWKS_REFRESH"), "JWKS_REFRESH", defaults.jwks_refresh),
        clock_skew=seconds(env.get("TOKEN_CLOCK_SKEW"), "TOKEN_CLOCK_SKEW", defaults.clock_skew),
        token_url=service_url(token_url, "TOKEN_URL", "") if token_url else None,
        client_id=client_id,
        client_secret=client_secret,
    )


def telemetry(env) -> TelemetrySettings:
    """Who this process is in metrics and spans: SERVICE_COLOUR and
    SERVICE_VERSION (the platform sets both); where spans go,
    OTEL_EXPORTER_OTLP_ENDPOINT (README, "Settings")."""
    defaults = TelemetrySettings()
    endpoint = env.get("OTEL_EXPORTER_OTLP_ENDPOINT") or None
    return TelemetrySettings(
        colour=env.get("SERVICE_COLOUR") or defaults.colour,
        version=env.get("SERVICE_VERSION") or defaults.version,
        otlp_endpoint=service_url(endpoint, "OTEL_EXPORTER_OTLP_ENDPOINT", "")
        if endpoint
        else None,
    )
