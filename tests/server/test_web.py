"""The web page in a real headless Chromium (Debian's chromium and chromium-driver, driven by
Selenium): search with highlights, a passage in context with its related list, a compare
with its timeline and claims matrix, views reproduced from their URL, keyboard use and a
narrow screen. Screenshots go to $PARALLAX_SCREENSHOTS (docs/images for the README) or to
the test's temporary folder."""

from __future__ import annotations

import os
import shutil
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.server.conftest import Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
QUESTION = "What did China say about Taiwan?"
WAIT_SECONDS = 90  # a bound for a busy machine, never a measurement
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-dev-shm-usage"]

if not (os.path.exists(CHROMIUM) and os.path.exists(CHROMEDRIVER)) and not os.environ.get("CI"):
    pytest.skip("needs Debian's chromium and chromium-driver (scripts/setup installs them as "
                "root); CI always runs these tests", allow_module_level=True)


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never fetch a browser
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.add_argument("--window-size=1280,1000")
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT_SECONDS)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("PARALLAX_SCREENSHOTS")
    folder = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def wait(driver: Any, condition: Callable[[Any], Any], what: str) -> Any:
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_SECONDS).until(condition, message=what)


def all_of(driver: Any, css: str) -> list[Any]:
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, css)


def one(driver: Any, css: str) -> Any:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css)


def screenshot(driver: Any, path: Path, height: int | None = None) -> None:
    if height:
        driver.set_window_size(1280, height)
    driver.execute_script("document.activeElement.blur(); window.scrollTo(0, 0)")
    driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000, "a blank screenshot"


def test_search_highlights_the_best_sentence(browser: Any, server: Server) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.get(server.url + "/")
    one(browser, "body").send_keys("/")  # the key that focuses the question box
    box = browser.switch_to.active_element
    assert box.get_attribute("id") == "q"
    box.send_keys(QUESTION, Keys.ENTER)
    marks = wait(browser, lambda d: all_of(d, "#results li.result .passage mark"),
                 "results with a highlighted sentence")
    first = all_of(browser, "#results li.result")[0]
    assert "Taiwan" in marks[0].text
    assert marks[0].text in one(first, ".passage").text
    assert one(first, "h3").text, "a title"
    assert one(first, ".meta").text[:4].isdigit(), "a date first"
    assert ".txt:" in one(first, ".loc").text, "file and line"
    query = urllib.parse.parse_qs(urllib.parse.urlparse(browser.current_url).query)
    assert query["q"] == [QUESTION], "the view has its URL"


def test_a_passage_opens_in_context_with_its_related_list(browser: Any, server: Server,
                                                          shots: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.get(server.url + "/?" + urllib.parse.urlencode({"q": QUESTION}))
    wait(browser, lambda d: all_of(d, "#results li.result"), "results")
    first = all_of(browser, "#results li.result")[0]
    chosen = first.get_attribute("data-passage")
    one(first, "button.open").send_keys(Keys.ENTER)
    wait(browser, lambda d: all_of(d, "#context .ctx.current"), "the passage in context")
    assert chosen in one(browser, "#context .ctx.current").text
    assert len(all_of(browser, "#context .ctx")) > 1, "its neighbours"
    wait(browser, lambda d: all_of(d, "#related li.result"), "related passages")
    assert chosen not in [r.get_attribute("data-passage")
                          for r in all_of(browser, "#related li.result")]
    own = one(browser, "#reader").get_attribute("data-document")

    one(browser, "#other-sources").send_keys(Keys.SPACE)

    def only_others(d: Any) -> bool:
        docs = [r.get_attribute("data-document") for r in all_of(d, "#related li.result")]
        return bool(docs) and own not in docs
    wait(browser, only_others, "related passages of other sources only")
    assert "passage=" in browser.current_url, "the open passage is in the URL"
    screenshot(browser, shots / "search.png", height=1100)

    one(browser, "body").send_keys(Keys.ESCAPE)
    wait(browser, lambda d: not one(d, "#reader").is_displayed(), "the reader closes")


def test_compare_shows_the_timeline_silence_and_the_claims(browser: Any, server: Server,
                                                           shots: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(1280, 1000)
    browser.get(server.url + "/compare")
    one(browser, "#topic").send_keys("Taiwan", Keys.ENTER)
    wait(browser, lambda d: all_of(d, "#timeline li.source"), "the sources")
    sources = all_of(browser, "#timeline li.source")
    assert len(sources) == 5
    dates = [one(s, "h3").text[:10] for s in sources]
    assert dates == sorted(dates), "in date order"
    silent = all_of(browser, "#timeline li.source.silent")
    assert silent and "silent" in one(silent[0], ".verdict").text
    assert all_of(browser, "#timeline li.source.addressed .passage mark")
    assert len(all_of(browser, "#axis .dot.silent")) == len(silent)
    rows = all_of(browser, "#matrix tbody tr")
    assert rows and len(all_of(rows[0], "td.cell")) == 5
    assert all_of(browser, "#terms dt")
    assert "/compare?" in browser.current_url and "topic=Taiwan" in browser.current_url

    screenshot(browser, shots / "compare.png", height=1700)
    browser.set_window_size(1280, 1000)

    all_of(rows[0], "button.term")[0].send_keys(Keys.ENTER)
    wait(browser, lambda d: all_of(d, "#claim-passages ol[aria-busy=false]"),
         "the claim's passages")
    claim = one(browser, "#claim-passages")
    assert len(all_of(claim, "li.result")) == sum(
        int(c.text.split()[1]) for c in all_of(rows[0], "td.made"))


def test_a_view_loads_from_its_url(browser: Any, server: Server) -> None:
    browser.get(server.url + "/?" + urllib.parse.urlencode({"q": QUESTION, "k": 3}))
    wait(browser, lambda d: len(all_of(d, "#results li.result")) == 3, "three results")
    assert one(browser, "#q").get_attribute("value") == QUESTION
    browser.get(server.url + "/compare?" + urllib.parse.urlencode({"topic": "trade",
                                                                    "by": "year"}))
    wait(browser, lambda d: all_of(d, "#timeline li.source"), "the sources by year")
    assert one(browser, "#by").get_attribute("value") == "year"


def test_errors_show_their_hint(browser: Any, server: Server) -> None:
    browser.get(server.url + "/?" + urllib.parse.urlencode({"q": "Taiwan", "since": "20x"}))
    wait(browser, lambda d: "ISO-8601" in one(d, "#search-status").text, "the error")


def test_a_narrow_screen_needs_no_sideways_scrolling(browser: Any, server: Server,
                                                     shots: Path) -> None:
    browser.set_window_size(390, 844)
    try:
        browser.get(server.url + "/?" + urllib.parse.urlencode({"q": QUESTION}))
        wait(browser, lambda d: all_of(d, "#results li.result"), "results")
        wide = browser.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert wide <= 0
        screenshot(browser, shots / "narrow.png")
    finally:
        browser.set_window_size(1280, 1000)


def test_the_api_documentation_needs_nothing_from_elsewhere(browser: Any,
                                                            server: Server) -> None:
    browser.get(server.url + "/docs")
    wait(browser, lambda d: "GET /api/ask" in [h.text for h in all_of(d, "#endpoints h2")],
         "the endpoints")
    text = one(browser, "#endpoints").text
    assert "1–100" in text and "at most 1000 characters" in text
    loaded = browser.execute_script(
        "return [...document.querySelectorAll('script[src], link[href]')]"
        ".map(e => e.src || e.href)")
    assert loaded and all(url.startswith(server.url) for url in loaded)
