"""The web page in a real headless Chromium (Debian's chromium and chromium-driver, driven by
Selenium): search with highlights, a passage in context with its related list, a compare
with its timeline and key points, views reproduced from their URL, keyboard use and a
narrow screen. Screenshots go to $PARALLAX_SCREENSHOTS (docs/images for the README) or to
the test's temporary folder."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

import pytest

from tests.server.browser import AVAILABLE, MISSING, all_of, one, screenshot, sideways, wait
from tests.server.conftest import Server

QUESTION = "What did China say about Taiwan?"

if not AVAILABLE:
    pytest.skip(MISSING, allow_module_level=True)


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


def test_compare_shows_the_timeline_silence_and_the_key_points(browser: Any, server: Server,
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
    assert all_of(browser, "#key-points li.key-point .said")
    rows = all_of(browser, "#key-point-matrix tbody tr")
    assert rows and len(all_of(rows[0], "td.cell")) == 5
    assert not all_of(browser, "#checks-section:not([hidden])"), "no claims given, none shown"
    assert all_of(browser, "#terms dt")
    assert "/compare?" in browser.current_url and "topic=Taiwan" in browser.current_url

    screenshot(browser, shots / "compare.png", height=1700)
    browser.set_window_size(1280, 1000)

    cell = all_of(browser, "#key-point-matrix button.cell-open")[0]
    count = int(cell.text.split()[1])
    cell.send_keys(Keys.ENTER)
    wait(browser, lambda d: all_of(d, "#key-point-passages li.result"), "the cell's passages")
    assert len(all_of(browser, "#key-point-passages li.result")) <= count


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
        assert sideways(browser) <= 0
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
