"""The docs page at /api/docs, in a real headless browser (Debian's
chromium, driven by chromedriver through selenium): it lists every public
operation, and with a pasted token "Try it out" calls the API."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as shown

from tests.browser import chromium, wait
from tests.conftest import http

OPERATIONS = 17


@pytest.fixture(scope="module")
def browser():
    with chromium() as driver:
        yield driver


def test_the_page_lists_every_public_operation(browser, public):
    browser.get(f"{public}/api/docs")

    wait(browser).until(lambda b: len(b.find_elements(By.CSS_SELECTOR, ".opblock")) >= OPERATIONS)
    blocks = browser.find_elements(By.CSS_SELECTOR, ".opblock")
    paths = {b.find_element(By.CSS_SELECTOR, ".opblock-summary-path").text for b in blocks}
    assert len(blocks) == OPERATIONS
    assert "/api/v1/collections/{collection_id}" in {p.replace("\u200b", "") for p in paths}
    assert browser.title == "Waste collection API"
    assert not [p for p in paths if "internal" in p or "health" in p]


def test_try_it_out_with_a_pasted_token_calls_the_api(browser, public):
    browser.get(f"{public}/api/docs/#/analytics/analytics.getSummary")
    wait(browser).until(shown.element_to_be_clickable((By.CSS_SELECTOR, ".btn.authorize")))
    browser.find_element(By.CSS_SELECTOR, ".btn.authorize").click()
    field = wait(browser).until(
        shown.visibility_of_element_located((By.CSS_SELECTOR, ".auth-container input"))
    )
    field.send_keys(http.token)
    browser.find_element(By.CSS_SELECTOR, ".auth-btn-wrapper .authorize").click()
    browser.find_element(By.CSS_SELECTOR, ".btn-done").click()

    operation = browser.find_element(
        By.CSS_SELECTOR, "[id^='operations-analytics-'][id$='getSummary']"
    )
    if not operation.find_elements(By.CSS_SELECTOR, ".try-out__btn"):
        operation.find_element(By.CSS_SELECTOR, ".opblock-summary").click()
    wait(browser).until(lambda b: operation.find_elements(By.CSS_SELECTOR, ".try-out__btn"))
    operation.find_element(By.CSS_SELECTOR, ".try-out__btn").click()
    operation.find_element(By.CSS_SELECTOR, ".execute").click()

    status = wait(browser).until(
        lambda b: operation.find_elements(
            By.CSS_SELECTOR, ".live-responses-table tr.response .response-col_status"
        )
    )
    assert status[0].text.strip() == "200"
    body = operation.find_element(By.CSS_SELECTOR, ".live-responses-table .microlight").text
    assert '"total_kg"' in body
