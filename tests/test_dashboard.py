"""The planners' dashboard at /dashboard/, in a real headless browser whose
clock is in Amsterdam, on a system of its own: empty, then seeded as `make
seed` seeds. Its figures are the API's for the same filters; a filter
changes the charts and the address; a bad token brings the sign-in back; a
stale answer shows its badge; a service down is shown, not swallowed."""

import csv
import time
from datetime import date, datetime, timedelta
from datetime import time as clock
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import Select

from conftest import TEST_DATABASE_URL
from deploy import keys, local, seed
from deploy import wait as waiting
from deploy.platform import REPO_ROOT
from tests.browser import chromium, console_errors, wait
from tests.conftest import http, make_platform, stopped

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
READER = "analytics:read locations:read"
# Made by the seeded test below; README.md shows the copy in docs/.
SCREENSHOT = REPO_ROOT / "var" / "dashboard.png"


@pytest.fixture(scope="module")
def planning(tmp_path_factory, keys_dir):
    folder = tmp_path_factory.mktemp("dashboard")
    platform = make_platform(folder / "run", 16080, 16081, 4000, keys_dir)
    with local.throwaway(platform, TEST_DATABASE_URL) as up:
        yield up


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    downloads = tmp_path_factory.mktemp("downloads")
    with chromium(width=1280, height=1800, time_zone="Europe/Amsterdam", downloads=downloads) as b:
        b.downloads = downloads
        yield b


def reader(platform, scopes: str = READER) -> str:
    return keys.mint(platform.keys, "planner", scopes)


def open_page(browser, platform, query: str = "", token: str | None = None) -> str:
    """Open the dashboard (signed in with `token` through the link's
    fragment, if given); the state it settles in."""
    fragment = f"#token={token}" if token else ""
    browser.get("about:blank")  # a page load of its own, not a jump within the page
    browser.get(f"{platform.public_url}/dashboard/{query}{fragment}")
    return settled(browser)


def settled(browser) -> str:
    wait(browser).until(
        lambda b: b.execute_script("return document.documentElement.dataset.state") != "loading"
    )
    return browser.execute_script("return document.documentElement.dataset.state")


def value(browser, element_id: str) -> float:
    return float(browser.find_element(By.ID, element_id).get_attribute("data-value"))


def chart(browser, canvas_id: str) -> dict:
    return browser.execute_script(
        "const c = Chart.getChart(arguments[0]);"
        "return {labels: c.data.labels, data: c.data.datasets.map(d => d.data)};",
        canvas_id,
    )


def api(platform, report: str, **params) -> dict:
    response = http.get(
        f"{platform.public_url}/api/v1/analytics/{report}", params=params, timeout=10
    )
    assert response.status_code == 200, response.text
    return response.json()


def page_filters(browser) -> dict:
    """The API's filters for what the page shows, worked out here from its
    controls: dates are Amsterdam's, `to` included."""
    control = {
        name: browser.find_element(By.ID, name).get_attribute("value")
        for name in ("from", "to", "zone", "waste_type", "status")
    }
    params = {key: control[key] for key in ("zone", "waste_type", "status") if control[key]}
    if control["from"]:
        params["from"] = midnight(date.fromisoformat(control["from"]))
    if control["to"]:
        params["to"] = midnight(date.fromisoformat(control["to"]) + timedelta(days=1))
    return params


def midnight(day: date) -> str:
    return datetime.combine(day, clock(), tzinfo=AMSTERDAM).isoformat()


def assert_figures_are_the_api_s(browser, platform) -> dict:
    params = page_filters(browser)
    summary = api(platform, "summary", **params)
    bucket = Select(browser.find_element(By.ID, "bucket")).first_selected_option.get_attribute(
        "value"
    )
    series = api(
        platform, "timeseries", bucket=bucket, tz="Europe/Amsterdam", by_waste_type="true", **params
    )
    zones = api(platform, "zones", **params)

    assert value(browser, "total-kg") == pytest.approx(summary["total_kg"])
    assert value(browser, "collections") == summary["collections"]
    assert value(browser, "completion") == pytest.approx(summary["completion_rate"])
    drawn = chart(browser, "series-chart")
    assert len(drawn["labels"]) == len(series["periods"])
    per_period = [sum(kgs) for kgs in zip(*drawn["data"], strict=True)]
    assert per_period == pytest.approx([period["kg"] for period in series["periods"]], abs=1e-6)
    assert chart(browser, "zones-chart")["data"][0] == pytest.approx(
        [z["kg"] for z in zones["zones"]]
    )
    return summary


def test_an_empty_system_says_so_and_names_make_seed(browser, planning):
    assert open_page(browser, planning, token=reader(planning)) == "ready"

    empty = browser.find_element(By.ID, "empty")
    assert empty.is_displayed()
    assert "make seed" in empty.text
    assert value(browser, "collections") == 0


@pytest.fixture(scope="module")
def seeded(planning):
    seed.seed(
        planning.public_url,
        location_count=50,
        collection_count=3000,
        seed_value=1,
        token=http.token,
    )
    # Analytics asks the locations service about places it has not heard of
    # at most every 2 s: until then a new place has no zone or coordinates.
    waiting.until(
        lambda: all(p["known"] for p in api(planning, "locations", limit=1000)["locations"]),
        timeout=15,
        failure="analytics never learned the seeded places",
    )
    return planning


def test_the_seeded_page_is_ready_at_once_with_the_api_s_figures(browser, seeded, capsys):
    assert open_page(browser, seeded, token=reader(seeded)) == "ready"
    ready_ms = browser.execute_script(
        "return performance.getEntriesByName('dashboard-ready')[0].startTime"
    )
    SCREENSHOT.parent.mkdir(exist_ok=True)
    browser.save_screenshot(str(SCREENSHOT))

    with capsys.disabled():
        print(
            f"\ndashboard: usable {ready_ms:.0f} ms after navigation (3,000 collections, 50 places)"
        )
    assert "#" not in browser.current_url  # the token left the address once read
    assert browser.execute_script("return sessionStorage.length") == 1
    summary = assert_figures_are_the_api_s(browser, seeded)
    assert summary["collections"] == 3000
    assert not browser.find_element(By.ID, "empty").is_displayed()
    assert not browser.find_element(By.ID, "stale").is_displayed()
    places = api(seeded, "locations", limit=1000)["locations"]
    rows = browser.find_elements(By.CSS_SELECTOR, "#places tbody tr")
    assert [row.get_attribute("data-location") for row in rows] == [
        p["location"] for p in places[:20]
    ]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#map circle")) == 50
    assert summary["conversions"]["source"] in browser.find_element(By.ID, "factors").text
    litres = sum(summary["unconverted_liters"].values())
    assert value(browser, "unconverted") == pytest.approx(litres) and litres > 0
    assert console_errors(browser) == []


def test_a_filter_changes_the_charts_and_the_address_and_a_link_reproduces_it(browser, seeded):
    open_page(browser, seeded, token=reader(seeded))
    everything = chart(browser, "series-chart")

    Select(browser.find_element(By.ID, "zone")).select_by_value("North")
    settled(browser)
    Select(browser.find_element(By.ID, "bucket")).select_by_value("week")
    settled(browser)
    Select(browser.find_element(By.ID, "period")).select_by_value("12m")
    settled(browser)

    query = parse_qs(urlsplit(browser.current_url).query)
    assert query == {"zone": ["North"], "bucket": ["week"], "period": ["12m"]}
    assert chart(browser, "series-chart") != everything
    assert chart(browser, "zones-chart")["labels"] == ["North"]
    filtered = assert_figures_are_the_api_s(browser, seeded)

    link = browser.current_url
    open_page(browser, seeded)  # a new view, then the link again
    browser.get(link)
    settled(browser)
    assert Select(browser.find_element(By.ID, "zone")).first_selected_option.text == "North"
    assert assert_figures_are_the_api_s(browser, seeded) == filtered


def test_dates_chosen_by_hand_are_amsterdam_s_days(browser, seeded):
    open_page(browser, seeded, "?from=2026-03-29&to=2026-10-25&bucket=day")

    assert (
        Select(browser.find_element(By.ID, "period")).first_selected_option.get_attribute("value")
        == "custom"
    )
    assert page_filters(browser)["from"] == "2026-03-29T00:00:00+01:00"
    assert page_filters(browser)["to"] == "2026-10-26T00:00:00+01:00"
    assert_figures_are_the_api_s(browser, seeded)


def test_the_places_sort_by_any_column_and_download_as_csv(browser, seeded):
    open_page(browser, seeded, token=reader(seeded))
    header = browser.find_element(By.CSS_SELECTOR, "th[data-key='collections']")
    header.find_element(By.TAG_NAME, "button").click()
    counts = [
        int(row.find_elements(By.TAG_NAME, "td")[4].text.replace(",", ""))
        for row in browser.find_elements(By.CSS_SELECTOR, "#places tbody tr")
    ]
    browser.find_element(By.ID, "download").click()

    assert header.get_attribute("aria-sort") == "descending"
    assert counts == sorted(counts, reverse=True)
    saved = browser.downloads / "locations.csv"
    deadline = time.monotonic() + 10
    while not saved.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    with saved.open(newline="") as text:
        table = list(csv.DictReader(text))
    places = {p["location"]: p for p in api(seeded, "locations", limit=1000)["locations"]}
    assert len(table) == len(places) == 50
    assert [int(row["Collections"]) for row in table] == sorted(
        (int(r["Collections"]) for r in table), reverse=True
    )
    assert all(float(row["kg"]) == pytest.approx(places[row["Location"]]["kg"]) for row in table)


def test_a_bad_token_brings_back_the_sign_in_and_a_pasted_one_signs_in(browser, seeded):
    assert open_page(browser, seeded, token="not-a-token") == "signin"

    assert "refused" in browser.find_element(By.ID, "sign-in-reason").text
    assert browser.switch_to.active_element.get_attribute("id") == "token"
    browser.find_element(By.ID, "token").send_keys(reader(seeded), Keys.ENTER)
    assert settled(browser) == "ready"


def test_a_link_with_a_token_opened_on_the_page_signs_in_with_it(browser, seeded):
    assert open_page(browser, seeded, token="expired-or-foreign") == "signin"

    browser.execute_script("window.location.hash = arguments[0]", f"token={reader(seeded)}")

    wait(browser).until(lambda b: settled(b) == "ready")
    assert "#" not in browser.current_url


def test_a_token_without_a_scope_is_told_which_scope_it_lacks(browser, seeded):
    assert open_page(browser, seeded, token=reader(seeded, "analytics:read")) == "error"

    problem = browser.find_element(By.ID, "problem")
    assert problem.is_displayed()
    assert "locations:read" in problem.text


def test_a_stale_answer_shows_its_badge_with_the_time_of_its_data(browser, seeded):
    with stopped(seeded, local.live_program(seeded, "collections")):
        state = open_page(browser, seeded, token=reader(seeded))
        badge = browser.find_element(By.ID, "stale")
        shown, text = badge.is_displayed(), badge.text

    assert state == "ready"
    assert shown
    assert text.startswith("Stale: figures as of ")
    assert open_page(browser, seeded) == "ready"
    assert not browser.find_element(By.ID, "stale").is_displayed()


def test_a_service_down_is_shown_not_swallowed(browser, seeded):
    with stopped(seeded, local.live_program(seeded, "analytics")):
        state = open_page(browser, seeded, token=reader(seeded))
        problem = browser.find_element(By.ID, "problem").text

    assert state == "error"
    assert "502" in problem or "503" in problem


def test_every_control_is_reached_by_the_keyboard(browser, seeded):
    open_page(browser, seeded, token=reader(seeded))
    body = browser.find_element(By.TAG_NAME, "body")
    reached = []
    for _ in range(40):
        body.send_keys(Keys.TAB)
        active = browser.switch_to.active_element
        reached.append(active.get_attribute("id") or active.text)

    for control in ("period", "from", "to", "bucket", "zone", "waste_type", "status", "download"):
        assert control in reached
    assert "kg" in reached  # a sortable column's header


def test_on_a_phone_nothing_is_wider_than_the_screen(seeded):
    with chromium(width=390, height=844, time_zone="Europe/Amsterdam") as phone:
        assert open_page(phone, seeded, token=reader(seeded)) == "ready"
        overflow = phone.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )

    assert overflow <= 0
