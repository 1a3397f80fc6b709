"""The /api/v1/analytics routes: catch up with the feed, then report."""

from collections import defaultdict

from flask import current_app
from flask.views import MethodView

from analytics_service import metrics, reports
from analytics_service.schemas import (
    AnalyticsQuery,
    LocationsOut,
    LocationsQuery,
    SummaryOut,
    TimeseriesOut,
    TimeseriesQuery,
    ZonesOut,
)
from service_kit.access.scopes import Scopes
from service_kit.data import db
from service_kit.web.api import Blueprint

blp = Blueprint(
    "analytics",
    __name__,
    url_prefix="/api/v1/analytics",
    description="Kilograms by material, place and period.",
    scopes=Scopes("analytics:read", read_means="Read the analytics reports."),
)


@blp.route("/summary")
class Summary(MethodView):
    @blp.arguments(AnalyticsQuery, location="query")
    @blp.response(200, SummaryOut)
    def get(self, query):
        """Totals, by status and by waste type, with the completion rate.

        Kilograms of every collection the filters select (Tons x 1000,
        litres by the waste type's density), how many, the completion rate,
        and each waste type's share; litres without a factor are reported,
        never guessed.
        """
        answer, filters = _prepare(query)
        return answer | reports.summary(db.session, filters, _analytics().kilograms)


@blp.route("/timeseries")
class Timeseries(MethodView):
    @blp.arguments(TimeseriesQuery, location="query")
    @blp.response(200, TimeseriesOut)
    def get(self, query):
        """One row per day, week (from Monday) or month, empty periods included.

        Periods are those of the time zone `tz` (default UTC), across
        daylight-saving changes. Without `from` or `to` the range is the
        data's own, at most 20,000 periods (those next to the end given, or
        the latest); a range given at both ends that holds more is a 422.
        """
        answer, filters = _prepare(query)
        series = reports.Series(query["bucket"], query["tz"], query["by_waste_type"])
        periods = reports.timeseries(db.session, filters, series, _analytics().kilograms)
        return answer | {"bucket": query["bucket"], "tz": query["tz"].key, "periods": periods}


@blp.route("/locations")
class Locations(MethodView):
    @blp.arguments(LocationsQuery, location="query")
    @blp.response(200, LocationsOut)
    def get(self, query):
        """Per location, with its zone, type and coordinates.

        Places the locations service does not know are listed with
        `known: false` and in `unknown_locations`, never dropped.
        """
        answer, filters = _prepare(query)
        rows, unknown = _places(filters)
        key, reverse = query["sort"].lstrip("-"), query["sort"].startswith("-")
        rows.sort(key=lambda row: (row[key], row["location"]), reverse=reverse)
        return answer | {"locations": rows[: query["limit"]], "unknown_locations": unknown}


@blp.route("/zones")
class Zones(MethodView):
    @blp.arguments(AnalyticsQuery, location="query")
    @blp.response(200, ZonesOut)
    def get(self, query):
        """Per zone, and how many places each has.

        Collections at places without a known zone are under `zone: null`.
        """
        answer, filters = _prepare(query)
        rows, unknown = _places(filters)
        zones: dict = defaultdict(
            lambda: {
                "kg": 0.0,
                "collections": 0,
                "locations": 0,
                "unconverted_liters": defaultdict(float),
            }
        )
        for row in rows:
            zone = zones[row["zone"]]
            zone["kg"] += row["kg"]
            zone["collections"] += row["collections"]
            zone["locations"] += 1
            for waste_type, liters in row["unconverted_liters"].items():
                zone["unconverted_liters"][waste_type] += liters
        listed = [{"zone": name, **totals} for name, totals in zones.items()]
        listed.sort(key=lambda zone: (zone["zone"] is None, zone["zone"] or ""))
        return answer | {"zones": listed, "unknown_locations": unknown}


def _analytics():
    return current_app.extensions["analytics"]


def _prepare(query: dict) -> tuple[dict, reports.Filters]:
    """Catch up with the feed, then turn the query into filters."""
    analytics = _analytics()
    freshness = analytics.follower.catch_up(analytics.catch_up_budget)
    locations = set(query["location"]) if query.get("location") else None
    if query.get("zone"):
        known = analytics.places.known(db.session, zones=set(query["zone"]))
        in_zones = {name for name, place in known.items() if place.zone in query["zone"]}
        locations = in_zones if locations is None else locations & in_zones
    filters = reports.Filters(
        start=query.get("start"),
        end=query.get("end"),
        locations=frozenset(locations) if locations is not None else None,
        waste_types=tuple(query.get("waste_type", ())),
        statuses=tuple(query.get("status", ())),
    )
    if freshness.stale:
        metrics.stale_answer()
    answer = {
        "conversions": analytics.kilograms.described(),
        "data_as_of": freshness.data_as_of,
        "stale": freshness.stale,
    }
    return answer, filters


def _places(filters: reports.Filters) -> tuple[list[dict], list[str]]:
    analytics = _analytics()
    totals = reports.by_location(db.session, filters, analytics.kilograms)
    known = analytics.places.known(db.session, must_include=set(totals))
    rows = []
    for name, figures in totals.items():
        place = known.get(name)
        rows.append(
            {
                "location": name,
                "known": place is not None,
                "zone": place.zone if place else None,
                "location_type": place.location_type if place else None,
                "latitude": place.latitude if place else None,
                "longitude": place.longitude if place else None,
                **figures,
            }
        )
    return rows, sorted(name for name in totals if name not in known)
