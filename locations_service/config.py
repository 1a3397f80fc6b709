"""The locations service's settings; the only module that reads os.environ."""

import os
from dataclasses import dataclass, field

from service_kit import config
from service_kit.access.settings import AccessSettings
from service_kit.telemetry.settings import TelemetrySettings


@dataclass(frozen=True)
class Config:
    database_url: str = field(default_factory=lambda: config.default_sqlite_url("locations"))
    log_level: str = "INFO"
    # Tokens: which it accepts, and its own for calling others (README, "Access").
    access: AccessSettings = field(default_factory=AccessSettings)
    # Its colour and version, on every metric and span, and where spans
    # go (README, "Settings").
    telemetry: TelemetrySettings = field(default_factory=TelemetrySettings)

    @classmethod
    def from_env(cls) -> "Config":
        """Read DATABASE_URL (SQLite under var/ when unset), LOG_LEVEL and the token settings."""
        return cls(
            database_url=config.database_url(os.environ.get("DATABASE_URL"), "locations"),
            log_level=config.log_level(os.environ.get("LOG_LEVEL")),
            access=config.access(os.environ),
            telemetry=config.telemetry(os.environ),
        )
