"""The benchmark harness's report: its table and its verdict on each target
(the figures themselves come from `make bench`, not from tests)."""

from tests.performance import harness, report

MB = 1024 * 1024


def _scenario(rps: float, errors: int = 0) -> dict:
    return {"rps": rps, "p50_ms": 1.0, "p95_ms": 2.0, "p99_ms": 3.0, "errors": errors}


def _results(get_one: float, p99_at_half: float, rss_mb: int, errors: int = 0) -> dict:
    return {
        "machine": "test machine",
        "collections": 100_000,
        "locations": 500,
        "scenarios": {
            "nginx floor": _scenario(20_000),
            "Flask floor": _scenario(1000),
            "GET one collection": _scenario(get_one) | {"cpu_ms_per_request": 1.25},
            "list 100, filtered": _scenario(300),
            "POST a collection": _scenario(450, errors),
        },
        "fixed_rate": [
            {"share": share, "rate": int(get_one * share), "p50_ms": 1.0, "p95_ms": 2.0}
            | {"p99_ms": p99_at_half, "failed": 0, "dropped": 0}
            for share in (0.25, 0.5, 0.75)
        ],
        "memory": {"collections": {"rss": rss_mb * MB, "pss": rss_mb * MB // 2}},
    }


def test_targets_met_are_reported_met():
    table = report.markdown(_results(get_one=700, p99_at_half=8.0, rss_mb=120))

    assert "| GET one collection | 700 | 70% |" in table
    assert "| 1.25 |" in table
    assert "| 50% of max | 350 |" in table
    assert "| collections | 120 | 60 |" in table
    assert "NO" not in table


def test_each_target_missed_is_reported_missed():
    table = report.markdown(_results(get_one=500, p99_at_half=12.0, rss_mb=151, errors=3))

    for target in (
        "GET one >= 60% of the Flask floor",
        "GET one p99 at 50% load <= 10 ms",
        "no errors",
        "collections <= 150 MB RSS",
    ):
        assert f"| {target} | NO |" in table
    assert "| list 100 >= 25% of the floor | yes |" in table
    assert "| POST >= 40% of the floor | yes |" in table


def test_a_partial_run_reports_no_verdicts():
    results = _results(get_one=700, p99_at_half=8.0, rss_mb=120)

    assert "| target |" not in report.markdown(results, complete=False)


def test_a_share_is_of_the_floor_run_beside_the_scenario():
    results = _results(get_one=700, p99_at_half=8.0, rss_mb=120)
    results["scenarios"]["GET one collection"]["floor_rps"] = 1400
    results["scenarios"]["list 100, filtered"]["floor_rps"] = 900

    table = report.markdown(results)

    assert "| GET one collection | 700 | 50% |" in table
    assert "| GET one >= 60% of the Flask floor | NO |" in table
    assert "| list 100, filtered | 300 | 33% |" in table
    assert "(900 to 1,400 req/s in this run)" in table


def test_turns_add_up_to_one_run_with_each_percentile_the_worst_turns():
    first = {"requests": 1000, "rps": 100.0, "errors": 0, "cpu_ms_per_request": 1.0}
    second = {"requests": 3000, "rps": 300.0, "errors": 2, "cpu_ms_per_request": 2.0}
    first |= {"p50_ms": 1.0, "p95_ms": 9.0, "p99_ms": 12.0}
    second |= {"p50_ms": 2.0, "p95_ms": 5.0, "p99_ms": 11.0}

    figures = harness._over_turns([first, second])

    assert figures["requests"] == 4000
    assert figures["rps"] == 200.0  # 4,000 requests in 10 + 10 seconds
    assert figures["errors"] == 2
    assert (figures["p50_ms"], figures["p95_ms"], figures["p99_ms"]) == (2.0, 9.0, 12.0)
    assert figures["cpu_ms_per_request"] == 1.75  # (1,000 x 1 + 3,000 x 2) / 4,000


def test_a_fixed_rate_row_shows_the_floor_at_the_same_rate():
    results = _results(get_one=700, p99_at_half=8.0, rss_mb=120)
    results["fixed_rate"][1]["floor_p99_ms"] = 4.25

    table = report.markdown(results)

    assert "| 50% of max | 350 | 1.0 | 2.0 | 8.0 | 0 | 0 | 4.2 |" in table
    # Results from before the floor ran at the same rates have no figure.
    assert "| 25% of max | 175 | 1.0 | 2.0 | 8.0 | 0 | 0 | - |" in table
