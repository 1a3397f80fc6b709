"""A real headless browser for the pages the gateway serves: Debian's
chromium, driven by its chromedriver through selenium."""

import shutil
from contextlib import contextmanager

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.ui import WebDriverWait

# Headless, as root, and nothing fetched from the internet (there is none
# here: its connections would be refused, many at a time).
ARGUMENTS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-dev-shm-usage",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)


@contextmanager
def chromium(width: int = 1280, height: int = 2000, time_zone: str | None = None, downloads=None):
    """A browser window of that size, its clock in `time_zone` (the machine's
    by default), saving downloads to the folder `downloads`."""
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for argument in ARGUMENTS:
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    driver = webdriver.Chrome(service=Service(driver_path), options=options)
    try:
        driver.set_window_size(width, height)
        if time_zone:
            driver.execute_cdp_cmd("Emulation.setTimezoneOverride", {"timezoneId": time_zone})
        if downloads:
            behaviour = {"behavior": "allow", "downloadPath": str(downloads)}
            driver.execute_cdp_cmd("Browser.setDownloadBehavior", behaviour)
        yield driver
    finally:
        driver.quit()


def wait(browser, seconds: float = 20) -> WebDriverWait:
    return WebDriverWait(browser, seconds)


def console_errors(browser) -> list[str]:
    """What the page logged as errors since the last call (CSP refusals included)."""
    return [entry["message"] for entry in browser.get_log("browser") if entry["level"] == "SEVERE"]
