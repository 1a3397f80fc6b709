"""A system with the gateway's default per-client limits and a CORS
allow-list, and keys of its own: a client sending as fast as it can is
slowed with 429s while another is served; preflights from an allowed origin
are answered; signing keys rotate under traffic with no failed request."""

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from threading import Event, Thread

import pytest
import requests

from conftest import TEST_DATABASE_URL, bearer_session
from deploy import keys, local
from tests.conftest import add_location, make_platform
from tests.traffic import Traffic

ORIGIN = "https://planner.example"


@pytest.fixture(scope="module")
def limited(tmp_path_factory):
    folder = tmp_path_factory.mktemp("limited")
    keys.ensure(folder / "keys")
    platform = replace(
        make_platform(folder / "run", 26080, 26081, 18000, folder / "keys"),
        rate=50,  # the defaults (deploy/platform.py), which the others raise
        burst=100,
        cors_origins=ORIGIN,
    )
    with local.throwaway(platform, TEST_DATABASE_URL) as up:
        yield up


def token(platform, subject: str) -> str:
    return keys.mint(platform.keys, subject)


def test_a_client_sending_as_fast_as_it_can_gets_429s_then_is_served_again(limited):
    url = f"{limited.public_url}/api/v1/collections?limit=1"
    greedy_token = token(limited, "greedy")  # the gateway's client is its token
    greedy, patient = bearer_session(greedy_token), bearer_session(token(limited, "patient"))
    patient_statuses, done = [], Event()

    def patient_client() -> None:
        while not done.is_set():
            patient_statuses.append(patient.get(url, timeout=5).status_code)
            time.sleep(0.1)

    def greedy_client(_) -> list[requests.Response]:
        session = bearer_session(greedy_token)
        return [session.get(url, timeout=5) for _ in range(50)]

    other = Thread(target=patient_client)
    other.start()
    try:
        # Eight connections at once: faster than the limit however long the
        # service takes to answer each one (a measured run is slower).
        with ThreadPoolExecutor(8) as pool:
            answers = [answer for sent in pool.map(greedy_client, range(8)) for answer in sent]
    finally:
        done.set()
        other.join()
    refused = [answer for answer in answers if answer.status_code == 429]
    time.sleep(2.5)
    again = greedy.get(url, timeout=5)

    assert refused, "400 requests on eight connections were never slowed"
    assert {answer.status_code for answer in answers} == {200, 429}
    assert refused[0].headers["Retry-After"] == "1"
    assert refused[0].headers["Content-Type"].startswith("application/problem+json")
    assert refused[0].json()["status"] == 429
    assert again.status_code == 200
    assert patient_statuses and set(patient_statuses) == {200}


def test_a_preflight_from_an_allowed_origin_is_answered_by_the_gateway(limited):
    asked = {"Origin": ORIGIN, "Access-Control-Request-Method": "POST"}

    preflight = requests.options(
        f"{limited.public_url}/api/v1/collections", headers=asked, timeout=5
    )
    stranger = requests.options(
        f"{limited.public_url}/api/v1/collections",
        headers=asked | {"Origin": "https://evil.example"},
        timeout=5,
    )
    read = requests.get(
        f"{limited.public_url}/api/v1/collections?limit=1",
        headers={"Origin": ORIGIN, "Authorization": f"Bearer {token(limited, 'planner')}"},
        timeout=5,
    )

    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Origin" not in stranger.headers
    assert read.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "X-Request-ID" in read.headers["Access-Control-Expose-Headers"]


def test_every_answer_says_nosniff_and_no_version(limited):
    for path in ("/api/v1/collections", "/nowhere"):
        answer = requests.get(f"{limited.public_url}{path}", timeout=5)
        assert answer.headers["X-Content-Type-Options"] == "nosniff"
        assert answer.headers["Server"] == "nginx"


def test_signing_keys_rotate_under_traffic_with_no_failed_request(limited):
    place = add_location(
        limited.public_url, f"Rotation Yard {time.monotonic_ns()}", token(limited, "op")
    )
    before = token(limited, "before")

    with Traffic(limited.public_url, place["name"], place["id"], 2, 0.05, before) as old:
        time.sleep(1)
        keys.rotate(limited.keys)
        after = token(limited, "after")
        with Traffic(limited.public_url, place["name"], place["id"], 2, 0.05, after) as new:
            time.sleep(3)

    for traffic in (old, new):
        statuses = {answer.status for answer in traffic.record.answers}
        assert traffic.record.failures() == []
        assert statuses <= {200, 201}, statuses
    assert len(new.record.answers) > 20
    kids = {
        key["kid"]
        for key in requests.get(
            limited.token_url.replace("/token", "/.well-known/jwks.json"), timeout=5
        ).json()["keys"]
    }
    assert len(kids) == 2
