"""The /api/v1/analytics routes: catch up with the feed, then report."""

from flask import current_app
from flask.views import MethodView

from analytics_service.schemas import (
    AnalyticsQuery,
    LocationsOut,
    LocationsQuery,
    SummaryOut,
    TimeseriesOut,
    TimeseriesQuery,
    ZonesOut,
)
from analytics_service.service import Analytics
from service_kit.access.scopes import Scopes
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

        Kilograms of every collection the filters select (Tons, and litres
        by the waste type's density, at the factors the answer names), how
        many, the completion rate, and each waste type's share; litres
        without a factor are reported, never guessed.
        """
        return _written(_analytics().summary(query))


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
        return _written(_analytics().timeseries(query))


@blp.route("/locations")
class Locations(MethodView):
    @blp.arguments(LocationsQuery, location="query")
    @blp.response(200, LocationsOut)
    def get(self, query):
        """Per location, with its zone, type and coordinates.

        Places the locations service does not know are listed with
        `known: false` and in `unknown_locations`, never dropped.
        """
        return _written(_analytics().locations(query))


@blp.route("/zones")
class Zones(MethodView):
    @blp.arguments(AnalyticsQuery, location="query")
    @blp.response(200, ZonesOut)
    def get(self, query):
        """Per zone, and how many places each has.

        Collections at places without a known zone are under `zone: null`.
        """
        return _written(_analytics().zones(query))


def _analytics() -> Analytics:
    return current_app.extensions["analytics"]


def _written(answer: dict):
    """The answer as written: already in the contract's shape (its schema
    above documents it, and the tests check every answer against it), so
    marshmallow does not go over it again; a kept answer is only written."""
    return current_app.json.response(answer)
