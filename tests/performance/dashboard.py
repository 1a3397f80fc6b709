"""`make bench-dashboard`: how soon the planners' dashboard is usable.

    python -m tests.performance.dashboard [--loads 20] [--collections 3000]

Starts the benchmarks' own system (tests/performance/system.py), seeds it
as `make seed` does, then opens /dashboard/ in headless chromium `--loads`
times, each a page load of its own with a warm browser cache, as a planner
reopening the link would. Prints, in milliseconds after navigation: when
the page was ready (its five API requests answered, in parallel, and every
chart drawn: the `dashboard-ready` mark), and the slowest of its requests.
"""

import argparse
import statistics

from deploy import keys, seed
from tests.browser import chromium, wait
from tests.conftest import http
from tests.performance.bulk import machine
from tests.performance.system import own_system

READY = "return performance.getEntriesByName('dashboard-ready')[0].startTime"
SLOWEST_REQUEST = (
    "return Math.max(...performance.getEntriesByType('resource')"
    ".filter(e => e.name.includes('/api/v1/')).map(e => e.duration))"
)


def load_once(browser, url: str) -> tuple[float, float]:
    browser.get("about:blank")
    browser.get(url)
    wait(browser).until(
        lambda b: b.execute_script("return document.documentElement.dataset.state") == "ready"
    )
    return browser.execute_script(READY), browser.execute_script(SLOWEST_REQUEST)


def main(loads: int, collections: int) -> None:
    print(f"Machine: {machine()}")
    with own_system() as system:
        seed.seed(system.public_url, 50, collections, seed_value=1, token=http.token)
        token = keys.mint(system.keys, "planner", "analytics:read locations:read")
        with chromium(time_zone="Europe/Amsterdam") as browser:
            browser.get(f"{system.public_url}/dashboard/#token={token}")
            first = load_once(browser, f"{system.public_url}/dashboard/")
            timings = [load_once(browser, f"{system.public_url}/dashboard/") for _ in range(loads)]
    ready = sorted(t[0] for t in timings)
    slowest = sorted(t[1] for t in timings)
    print(f"{collections:,} collections, 50 places; first load ready at {first[0]:.0f} ms")
    print(
        f"READY ms over {loads} loads: median {statistics.median(ready):.0f}, "
        f"p95 {ready[int(0.95 * (len(ready) - 1))]:.0f}, max {ready[-1]:.0f}"
    )
    print(f"SLOWEST API REQUEST ms: median {statistics.median(slowest):.0f}, max {slowest[-1]:.0f}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=20)
    parser.add_argument("--collections", type=int, default=3000)
    arguments = parser.parse_args()
    main(arguments.loads, arguments.collections)
