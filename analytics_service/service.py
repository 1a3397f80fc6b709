"""The four answers: catch up with the feed, then report.

Each takes the query as its schema loaded it, and gives the answer as the
contract writes it (its schema documents it; the tests check every answer
against it). The reports read on the request's autocommit connection (one
statement each, nothing to commit); the copy of the places is kept in the
request's transaction. An answer is kept while it stays right (answers.py).
"""

from collections import defaultdict
from collections.abc import Callable

from analytics_service import metrics, reports
from analytics_service.answers import Answers, question
from analytics_service.follower import Follower, Freshness
from analytics_service.places import Places
from analytics_service.sources import Filters
from analytics_service.units import Kilograms
from service_kit.data import db
from service_kit.web.fields import format_utc


class Analytics:
    """What the answers need besides the database: the feed, the places, the factors."""

    def __init__(
        self,
        follower: Follower,
        places: Places,
        kilograms: Kilograms,
        catch_up_budget: float,
        feed_poll: float,
    ):
        self.follower, self.places, self.kilograms = follower, places, kilograms
        self.catch_up_budget, self.feed_poll = catch_up_budget, feed_poll
        self.answers = Answers()

    def forget(self) -> None:
        """Forget where the replica was and every answer kept (its data was
        changed behind this process's back: a restore, a test's reset)."""
        self.follower.forget()
        self.answers = Answers()

    def summary(self, query: dict) -> dict:
        def report(filters: Filters) -> dict:
            return reports.summary(db.autocommit(), filters, self.kilograms)

        return self._answer("summary", query, report)

    def timeseries(self, query: dict) -> dict:
        def report(filters: Filters) -> dict:
            series = reports.Series(query["bucket"], query["tz"], query["by_waste_type"])
            periods = reports.timeseries(db.autocommit(), filters, series, self.kilograms)
            return {"bucket": query["bucket"], "tz": query["tz"].key, "periods": periods}

        return self._answer("timeseries", query, report)

    def locations(self, query: dict) -> dict:
        def report(filters: Filters) -> dict:
            rows, unknown = self._places(filters)
            key, reverse = query["sort"].lstrip("-"), query["sort"].startswith("-")
            rows.sort(key=lambda row: (row[key], row["location"]), reverse=reverse)
            return {"locations": rows[: query["limit"]], "unknown_locations": unknown}

        return self._answer("locations", query, report, about_places=True)

    def zones(self, query: dict) -> dict:
        def report(filters: Filters) -> dict:
            rows, unknown = self._places(filters)
            return {"zones": by_zone(rows), "unknown_locations": unknown}

        return self._answer("zones", query, report, about_places=True)

    def _answer(
        self,
        report: str,
        query: dict,
        make: Callable[[Filters], dict],
        about_places: bool = False,
    ) -> dict:
        """Catch up with the feed, then the answer: the one kept for this
        question at this position, or made now (and kept)."""
        freshness = self.follower.catch_up(self.catch_up_budget)
        if freshness.stale:
            metrics.stale_answer()
            return self._made(query, freshness, make)[0]
        places = about_places or bool(query.get("zone"))
        key = (report, question(query), freshness.position, freshness.monthly)
        if places:
            # A copy of the places due for a refresh is refreshed by making the answer.
            key += (self.places.version,)
            answer = None if self.places.due() else self.answers.get(key)
        else:
            answer = self.answers.get(key)
        if answer is None:
            answer, complete = self._made(query, freshness, make)
            if complete:
                self.answers.keep(key, answer)
        return answer

    def _made(self, query: dict, freshness: Freshness, make) -> tuple[dict, bool]:
        """The answer made now, and whether it may be kept: not if it names a
        place or a zone the copy of the places does not know (the next
        question may find it there)."""
        filters, zones_known = self._filters(query, freshness)
        answer = self._header(freshness) | make(filters)
        return answer, zones_known and not answer.get("unknown_locations")

    def _header(self, freshness: Freshness) -> dict:
        """What every answer carries: the factors, the data's time, staleness."""
        as_of = freshness.data_as_of
        return {
            "conversions": self.kilograms.described(),
            "data_as_of": format_utc(as_of) if as_of else None,
            "stale": freshness.stale,
        }

    def _filters(self, query: dict, freshness: Freshness) -> tuple[Filters, bool]:
        """The query as filters: the places of a zone from the copy of the
        places (refreshed if it has not heard of the zone); and whether the
        copy knew every zone asked."""
        locations = set(query["location"]) if query.get("location") else None
        zones_known = True
        if query.get("zone"):
            known = self.places.known(db.session, zones=set(query["zone"]))
            in_zones = {name for name, place in known.items() if place.zone in query["zone"]}
            locations = in_zones if locations is None else locations & in_zones
            zones_known = set(query["zone"]) <= {place.zone for place in known.values()}
        filters = Filters(
            start=query.get("start"),
            end=query.get("end"),
            locations=frozenset(locations) if locations is not None else None,
            waste_types=tuple(query.get("waste_type", ())),
            statuses=tuple(query.get("status", ())),
            monthly=freshness.monthly,
        )
        return filters, zones_known

    def _places(self, filters: Filters) -> tuple[list[dict], list[str]]:
        """Each place's figures with its zone, type and coordinates; and the
        names the locations service does not know."""
        totals = reports.by_location(db.autocommit(), filters, self.kilograms)
        known = self.places.known(db.session, must_include=set(totals))
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


def by_zone(places: list[dict]) -> list[dict]:
    """The places' figures added up per zone (None: no known zone), by name."""
    zones: dict = defaultdict(
        lambda: {
            "kg": 0.0,
            "collections": 0,
            "locations": 0,
            "unconverted_liters": defaultdict(float),
        }
    )
    for place in places:
        zone = zones[place["zone"]]
        zone["kg"] += place["kg"]
        zone["collections"] += place["collections"]
        zone["locations"] += 1
        for waste_type, liters in place["unconverted_liters"].items():
            zone["unconverted_liters"][waste_type] += liters
    listed = [{"zone": name, **totals} for name, totals in zones.items()]
    listed.sort(key=lambda zone: (zone["zone"] is None, zone["zone"] or ""))
    return listed
