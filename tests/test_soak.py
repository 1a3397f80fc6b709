"""The soak's verdict: steady growth after the warm-up fails it, noise and a
warm-up climb do not."""

from tests.performance.soak import SERVICES, growth_problems


def minutes(rss: list[float], fds: list[int] | None = None) -> list[dict]:
    fds = fds or [40] * len(rss)
    return [
        {"services": {s: {"rss_mb": r, "fds": f} for s in SERVICES}}
        for r, f in zip(rss, fds, strict=True)
    ]


def test_memory_that_grows_every_minute_fails_the_soak():
    problems = growth_problems(minutes([90, 100, 101, 103, 105, 107, 109, 111, 113, 115]))

    assert problems == [f"{s} rss_mb grows 2.00 a minute" for s in SERVICES]


def test_a_warm_up_climb_then_flat_memory_passes():
    assert (
        growth_problems(minutes([60, 95, 110, 110.5, 110, 111, 110.4, 110.8, 110.2, 110.9])) == []
    )


def test_descriptors_that_leak_fail_it_too():
    problems = growth_problems(minutes([100] * 10, fds=[40, 40, 40, 45, 50, 55, 60, 65, 70, 75]))

    assert problems == [f"{s} fds grows 5.00 a minute" for s in SERVICES]


def test_too_short_a_soak_judges_nothing():
    assert growth_problems(minutes([10, 20, 30, 40])) == []
