"""Demo data through the public API: places across zones and a year of collections.

`make seed` (with `make run` up) loads about 50 locations and 3,000
collections so a newcomer sees data at once. The same seed gives the same
data; running it again reuses the locations and adds 3,000 more collections.
"""

import random
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from threading import local

import requests
from requests.adapters import HTTPAdapter
from urllib3.util import Retry

ZONES = ("North", "South", "East", "West", "Centre", "Harbour")
TYPES = ("Residential", "Commercial", "Industrial", "Public", "DropOff")
STREETS = (
    "Harbour",
    "Mill",
    "Church",
    "Station",
    "Park",
    "Market",
    "Canal",
    "Orchard",
    "Bridge",
    "Castle",
    "Meadow",
    "Quarry",
    "School",
    "Dock",
    "Elm",
    "Linden",
)
KINDS = {
    "Residential": "Flats",
    "Commercial": "Shops",
    "Industrial": "Works",
    "Public": "Square",
    "DropOff": "Depot",
}
# Waste type: (weight, typical kg per collection)
WASTE = {
    "Organic": (30, 120),
    "Plastic": (20, 40),
    "Paper": (20, 60),
    "Metal": (8, 150),
    "Glass": (15, 80),
    "Electronic": (7, 25),
}
THREADS = 8
# Collections a bulk import request carries (the import takes up to 10,000).
IMPORT_CHUNK = 1000


def locations(rng: random.Random, count: int) -> list[dict]:
    made, names = [], set()
    while len(made) < count:
        kind = rng.choice(TYPES)
        name = f"{rng.choice(STREETS)} {rng.choice(('Road', 'Lane', 'Street'))} {KINDS[kind]}"
        if name in names:
            name = f"{name} {len(made) + 1}"
        names.add(name)
        made.append(
            {
                "name": name,
                "address": f"{rng.randint(1, 240)} {name.rsplit(' ', 1)[0]}",
                "zone": rng.choice(ZONES),
                "location_type": kind,
                "latitude": round(52.37 + rng.uniform(-0.05, 0.05), 5),
                "longitude": round(4.90 + rng.uniform(-0.08, 0.08), 5),
            }
        )
    return made


def collections(rng: random.Random, places: list[str], count: int, now: datetime) -> list[dict]:
    kinds, weights = zip(*((kind, weight) for kind, (weight, _) in WASTE.items()), strict=True)
    made = []
    for _ in range(count):
        waste = rng.choices(kinds, weights)[0]
        when = now - timedelta(seconds=rng.randint(0, 365 * 24 * 3600))
        kg = max(0.5, rng.gauss(WASTE[waste][1], WASTE[waste][1] / 3))
        unit, quantity = rng.choices(
            [
                ("Kg", round(kg, 1)),
                ("Tons", round(kg / 1000, 3) or 0.001),
                ("Liters", round(kg * 4, 0) or 1.0),
            ],
            [70, 10, 20],
        )[0]
        recent = now - when < timedelta(days=7)
        made.append(
            {
                "location": rng.choice(places),
                "waste_type": waste,
                "quantity": quantity,
                "unit": unit,
                "collected_date": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "status": "Pending" if recent and rng.random() < 0.6 else "Completed",
            }
        )
    return made


class _Client(local):
    """One keep-alive session per thread, each sending the token, and waiting
    out the gateway's per-client rate limit (a 429 means nothing was done,
    so the same request is sent again after its Retry-After)."""

    def __init__(self, token: str):
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        patient = Retry(
            total=20,
            status_forcelist=[429],
            allowed_methods=None,
            respect_retry_after_header=True,
            backoff_factor=0.1,
            raise_on_status=False,
        )
        self.http.mount("http://", HTTPAdapter(max_retries=patient))
        self.http.mount("https://", HTTPAdapter(max_retries=patient))


def _post_all(url: str, bodies: list[dict], label: str, accept: set[int], token: str) -> None:
    client = _Client(token)

    def post(body: dict) -> int:
        return client.http.post(url, json=body, timeout=10).status_code

    done = 0
    with ThreadPoolExecutor(THREADS) as pool:
        for status in pool.map(post, bodies):
            if status not in accept:
                raise RuntimeError(f"{label}: the API answered {status}")
            done += 1
            if done % 500 == 0 or done == len(bodies):
                print(f"  {label}: {done}/{len(bodies)}", flush=True)


def _import_all(base_url: str, bodies: list[dict], token: str) -> None:
    """The collections through the bulk import, a chunk per request; each
    chunk's Idempotency-Key makes sending it again (after a 503, say) safe."""
    client = _Client(token)
    for start in range(0, len(bodies), IMPORT_CHUNK):
        chunk = bodies[start : start + IMPORT_CHUNK]
        key = {"Idempotency-Key": str(uuid.uuid4())}
        for attempt in range(3):
            answer = client.http.post(
                f"{base_url}/api/v1/collections/import", json=chunk, headers=key, timeout=60
            )
            if answer.status_code != 503:
                break
            time.sleep(float(answer.headers.get("Retry-After", 1)) * (attempt + 1))
        if answer.status_code != 201:
            raise RuntimeError(f"collections: the import answered {answer.status_code}")
        print(f"  collections: {start + len(chunk)}/{len(bodies)}", flush=True)


def _active(base_url: str, names: list[str], token: str) -> list[str]:
    """Those of `names` that are active locations, in their order."""
    params = [("name", name) for name in names] + [("limit", "1000")]
    answer = _Client(token).http.get(f"{base_url}/api/v1/locations", params=params, timeout=10)
    answer.raise_for_status()
    active = {location["name"] for location in answer.json()}
    return [name for name in names if name in active]


def seed(
    base_url: str, location_count: int, collection_count: int, seed_value: int, token: str
) -> None:
    # Demo data, the same for a seed.
    rng = random.Random(seed_value)  # nosec B311
    places = locations(rng, location_count)
    print(f"Seeding {base_url}: {location_count} locations, {collection_count} collections")
    # 409: the name exists from an earlier seed; it is reused if still active.
    _post_all(f"{base_url}/api/v1/locations", places, "locations", {201, 409}, token)
    names = _active(base_url, [place["name"] for place in places], token)
    if not names:
        raise RuntimeError("none of the seed's locations is active (all archived?)")
    now = datetime.now(UTC).replace(microsecond=0)
    _import_all(base_url, collections(rng, names, collection_count, now), token)
    print("Done.")


def main(
    base_url: str, location_count: int, collection_count: int, seed_value: int, token: str
) -> None:
    """Seed the system at `base_url` with a token of its own keys (`make token`)."""
    try:
        requests.get(f"{base_url}/api/v1/locations", params={"limit": 1}, timeout=5)
    except requests.ConnectionError:
        sys.exit(f"error: nothing answers at {base_url}; start the system with `make run` first")
    seed(base_url, location_count, collection_count, seed_value, token)
