"""The analytics service's settings; the only module that reads os.environ."""

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from analytics_service import units
from service_kit import config
from service_kit.access.settings import AccessSettings
from service_kit.telemetry.settings import TelemetrySettings


@dataclass(frozen=True)
class Config:
    database_url: str = field(default_factory=lambda: config.default_sqlite_url("analytics"))
    log_level: str = "INFO"
    # Tokens: which it accepts, and its own for calling others (README, "Access").
    access: AccessSettings = field(default_factory=AccessSettings)
    # Its colour and version, on every metric and span, and where spans
    # go (README, "Settings").
    telemetry: TelemetrySettings = field(default_factory=TelemetrySettings)
    collections_url: str = "http://127.0.0.1:8081"
    locations_url: str = "http://127.0.0.1:8081"
    # kg per litre by waste type; a type left out has no factor (litres stay litres).
    kg_per_liter: dict = field(default_factory=lambda: dict(units.EPA_2016_KG_PER_LITER))
    factors_source: str = units.EPA_2016_SOURCE
    # Seconds a query may spend applying new changes before it answers.
    catch_up_budget: float = 1.0
    # Seconds the cached list of locations is trusted before it is fetched again.
    locations_refresh: float = 60.0
    # Seconds the web worker's follower waits when the feed has nothing new;
    # 0 turns it off (then run `python -m analytics_service follow`).
    feed_poll: float = 0.5

    @classmethod
    def from_env(cls) -> "Config":
        """Read DATABASE_URL, LOG_LEVEL, the token settings, COLLECTIONS_URL,
        LOCATIONS_URL, CONVERSION_FACTORS_FILE, CATCH_UP_BUDGET,
        LOCATIONS_REFRESH and FEED_POLL."""
        env = os.environ
        factors, source = _factors(env.get("CONVERSION_FACTORS_FILE"))
        return cls(
            database_url=config.database_url(env.get("DATABASE_URL"), "analytics"),
            log_level=config.log_level(env.get("LOG_LEVEL")),
            access=config.access(env),
            telemetry=config.telemetry(env),
            collections_url=config.service_url(
                env.get("COLLECTIONS_URL"), "COLLECTIONS_URL", cls.collections_url
            ),
            locations_url=config.service_url(
                env.get("LOCATIONS_URL"), "LOCATIONS_URL", cls.locations_url
            ),
            kg_per_liter=factors,
            factors_source=source,
            catch_up_budget=config.seconds(
                env.get("CATCH_UP_BUDGET"), "CATCH_UP_BUDGET", cls.catch_up_budget
            ),
            locations_refresh=config.seconds(
                env.get("LOCATIONS_REFRESH"), "LOCATIONS_REFRESH", cls.locations_refresh
            ),
            feed_poll=config.seconds(env.get("FEED_POLL"), "FEED_POLL", cls.feed_poll),
        )


def _factors(path: str | None) -> tuple[dict, str]:
    """The EPA defaults, overridden by a JSON file of {"WasteType": kg_per_liter or null}."""
    if not path:
        return dict(units.EPA_2016_KG_PER_LITER), units.EPA_2016_SOURCE
    try:
        overrides = json.loads(Path(path).read_text())
    except (OSError, ValueError) as error:
        raise config.ConfigError(f"CONVERSION_FACTORS_FILE {path!r}: {error}") from error
    factors = dict(units.EPA_2016_KG_PER_LITER)
    for waste_type, factor in (overrides if isinstance(overrides, dict) else {None: 0}).items():
        if waste_type not in units.WASTE_TYPES or not units.valid_factor(factor):
            raise config.ConfigError(
                f"CONVERSION_FACTORS_FILE: {waste_type!r}: {factor!r} is not a waste type "
                f"with a number above 0 and at most {units.MAX_KG_PER_LITER:g} (or null for none)"
            )
        if factor is None:
            factors.pop(waste_type, None)
        else:
            factors[waste_type] = float(factor)
    return factors, f"{units.EPA_2016_SOURCE}, overridden by {path}"
