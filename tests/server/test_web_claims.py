"""Claims and key points on the compare page, in a real headless Chromium against a real
`parallax serve` (tests/server/browser.py): claims typed one a line reach the API as repeated
`claim` parameters and stay in the URL, so a shared link shows the same comparison; the
claims × sources matrix shows each source's verdict and probability exactly as the API gives
them, and a cell opens the passages making the claim; the API's refusals show with their
hint; key points read as sentences with where each was taken from, beside a key points ×
sources matrix of prevalence that works like the claims matrix."""

from __future__ import annotations

import urllib.parse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from tests.server.browser import AVAILABLE, MISSING, all_of, one, screenshot, sideways, wait
from tests.server.conftest import Server

if not AVAILABLE:
    pytest.skip(MISSING, allow_module_level=True)

TOPIC = "Taiwan"
CLAIMS = ["China opposes Taiwan independence",
          "Trade between the two countries is mutually beneficial"]


def compare_url(server: Server, topic: str, claims: Sequence[str] = ()) -> str:
    return server.url + "/compare?" + urllib.parse.urlencode(
        {"topic": topic, "claim": list(claims)}, doseq=True)


def api_report(server: Server, topic: str, claims: Sequence[str] = ()) -> dict[str, Any]:
    reply = server.get("/api/compare?" + urllib.parse.urlencode(
        {"topic": topic, "claim": list(claims)}, doseq=True))
    assert reply.status == 200, reply.body
    return reply.json()


def shown(cell: Any) -> str:
    """What a matrix cell shows: its button's text, or its symbol (the words beside it are
    for screen readers)."""
    found = all_of(cell, "button.cell-open") or all_of(cell, "[aria-hidden=true]")
    return found[0].text


def verdict_shown(verdict: dict[str, Any]) -> tuple[str, str]:
    """(class, text) of a source's cell for one claim: makes it, does not, or no passage
    came near, with the probability as a probability."""
    if verdict["score"] is None:
        return "none", "–"
    probability = f"{verdict['score']:.2f}"
    return ("made", f"● {probability}") if verdict["makes"] else ("not", f"· {probability}")


def query_of(url: str) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlparse(url).query)


def test_claims_typed_one_a_line_are_checked_against_every_source(browser: Any,
                                                                  server: Server) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.set_window_size(1280, 1000)
    browser.get(server.url + "/compare")
    one(browser, "#topic").send_keys(TOPIC)
    field = one(browser, "#claims")
    field.send_keys(CLAIMS[0], Keys.ENTER, Keys.ENTER, "   ", Keys.ENTER, CLAIMS[1])
    assert one(browser, "#claims-count").text == "2 claims to check.", "empty lines ignored"
    field.send_keys(Keys.CONTROL, Keys.ENTER)  # compares from the field itself

    wait(browser, lambda d: all_of(d, "#checks tbody tr"), "the claims matrix")
    assert query_of(browser.current_url)["claim"] == CLAIMS, "the claims are in the URL"
    report = api_report(server, TOPIC, CLAIMS)
    heads = all_of(browser, "#checks thead th")[1:]
    assert [h.get_attribute("title") for h in heads] == [s["label"] for s in report["sources"]]
    rows = all_of(browser, "#checks tbody tr")
    assert len(rows) == len(report["claim_checks"]) == 2
    for row, check in zip(rows, report["claim_checks"], strict=True):
        assert check["claim"] in one(row, "th").text
        cells = all_of(row, "td.cell")
        verdicts = {v["key"]: v for v in check["sources"]}
        # Every source has its column, in date order, whether it makes the claim or not.
        assert [c.get_attribute("data-source") for c in cells] == [
            s["key"] for s in report["sources"]]
        for cell in cells:
            kind, text = verdict_shown(verdicts[cell.get_attribute("data-source")])
            assert kind in cell.get_attribute("class").split()
            assert shown(cell) == text

    # A cell that makes the claim opens its passages, from the keyboard.
    row = 0 if all_of(rows[0], "button.cell-open") else 1
    button = all_of(rows[row], "button.cell-open")[0]
    key = button.find_element("xpath", "..").get_attribute("data-source")
    verdict = next(v for v in report["claim_checks"][row]["sources"] if v["key"] == key)
    button.send_keys(Keys.ENTER)
    wait(browser, lambda d: all_of(d, "#check-passages li.result"), "its passages")
    assert button.get_attribute("aria-expanded") == "true"
    items = all_of(browser, "#check-passages li.result")
    assert [i.get_attribute("data-passage") for i in items] == [
        p["passage_id"] for p in verdict["passages"]]
    for item, passage in zip(items, verdict["passages"], strict=True):
        document = passage["document"]
        assert one(item, "h3").text == document["title"]
        assert one(item, ".meta").text.startswith(document["date"])
        mark = one(item, ".passage mark").text
        assert mark and mark == passage["highlight"].strip()
        assert f":{passage['lines'][0]}" in one(item, ".loc code").text, "file and line"
        assert query_of(one(item, "a.in-context").get_attribute("href"))["passage"] == [
            passage["passage_id"]]

    browser.switch_to.active_element.send_keys(Keys.ESCAPE)
    wait(browser, lambda d: not one(d, "#check-passages").is_displayed(), "Escape closes")
    assert browser.switch_to.active_element == button, "back on the cell that opened them"

    # Its link opens the passage in the page's passage view.
    button.send_keys(Keys.ENTER)
    wait(browser, lambda d: all_of(d, "#check-passages a.in-context"), "the passages again")
    one(browser, "#check-passages a.in-context").click()
    chosen = verdict["passages"][0]["passage_id"]
    wait(browser, lambda d: all_of(d, "#context .ctx.current"), "the passage in context")
    assert chosen in one(browser, "#context .ctx.current").text
    assert query_of(browser.current_url)["passage"] == [chosen]


def test_a_shared_link_shows_the_same_claims_on_a_narrow_screen(browser: Any, server: Server,
                                                                 shots: Path) -> None:
    browser.set_window_size(390, 844)
    try:
        browser.get(compare_url(server, TOPIC, CLAIMS))
        wait(browser, lambda d: all_of(d, "#checks tbody tr"), "the claims matrix")
        assert one(browser, "#claims").get_attribute("value") == "\n".join(CLAIMS)
        assert [one(r, "th").text.split("\n")[0] for r in all_of(browser, "#checks tbody tr")] \
            == [f"{n}. {claim}" for n, claim in enumerate(CLAIMS, start=1)]
        assert sideways(browser) <= 0, "the matrix scrolls inside its box, not the page"
        screenshot(browser, shots / "claims-narrow.png")
    finally:
        browser.set_window_size(1280, 1000)
    screenshot(browser, shots / "claims.png", height=2700)
    browser.set_window_size(1280, 1000)


def test_a_claim_the_api_refuses_shows_why_and_what_to_do(browser: Any, server: Server) -> None:
    browser.get(compare_url(server, TOPIC, ["of the and"]))
    wait(browser, lambda d: "error" in one(d, "#compare-status").get_attribute("class"),
         "the error")
    status = one(browser, "#compare-status")
    assert "no content words" in status.text
    assert "A claim needs words that say something" in one(status, ".hint").text
    assert not one(browser, "#report").is_displayed()


def test_more_than_twenty_claims_are_refused_before_asking(browser: Any, server: Server) -> None:
    from selenium.webdriver.common.keys import Keys

    browser.get(server.url + "/compare")
    one(browser, "#topic").send_keys(TOPIC)
    field = one(browser, "#claims")
    field.send_keys("\n".join(f"Claim number {n} about trade" for n in range(21)))
    assert one(browser, "#claims-count").text == "21 claims: at most 20 at once."
    assert field.get_attribute("aria-invalid") == "true"
    one(browser, "#compare-form button[type=submit]").send_keys(Keys.ENTER)
    status = one(browser, "#compare-status")
    assert "21 claims given; at most 20 at once" in status.text
    assert "smaller groups" in status.text
    assert "claim" not in query_of(browser.current_url), "nothing was asked"
    assert browser.switch_to.active_element == field


def test_key_points_read_as_sentences_with_their_prevalence(browser: Any, server: Server,
                                                            shots: Path) -> None:
    from selenium.webdriver.common.keys import Keys

    report = api_report(server, TOPIC)
    points = report["key_points"]
    assert points, "Taiwan is addressed: it has key points"
    browser.set_window_size(1280, 1000)
    browser.get(compare_url(server, TOPIC))
    wait(browser, lambda d: all_of(d, "#key-points li.key-point"), "the key points")
    labels = {s["key"]: s["label"] for s in report["sources"]}
    items = all_of(browser, "#key-points li.key-point")
    assert len(items) == len(points)
    for item, point in zip(items, points, strict=True):
        assert one(item, ".said").text == point["text"]
        assert labels[point["source"]] in one(item, ".loc").text, "where it was taken from"
        assert query_of(one(item, "a.in-context").get_attribute("href"))["passage"] == [
            point["passage_id"]]

    rows = all_of(browser, "#key-point-matrix tbody tr")
    assert len(rows) == len(points)
    for row, point in zip(rows, points, strict=True):
        cells = all_of(row, "td.cell")
        assert [c.get_attribute("data-source") for c in cells] == list(labels)
        for cell in cells:
            n = point["prevalence"][cell.get_attribute("data-source")]
            assert shown(cell) == (f"● {n}" if n else "·")
    screenshot(browser, shots / "key-points.png", height=2000)
    browser.set_window_size(1280, 1000)

    button = all_of(browser, "#key-point-matrix button.cell-open")[0]
    number = int(button.find_element("xpath", "../..").get_attribute("data-row"))
    key = button.find_element("xpath", "..").get_attribute("data-source")
    point = next(p for p in points if p["key_point"] == number)
    button.send_keys(Keys.ENTER)
    wait(browser, lambda d: all_of(d, "#key-point-passages li.result"), "the cell's passages")
    assert [i.get_attribute("data-passage")
            for i in all_of(browser, "#key-point-passages li.result")] == [
        p["passage_id"] for p in point["passages"] if p["source"] == key]


def test_undated_documents_head_their_columns_by_title(browser: Any, tmp_path: Path) -> None:
    """Three undated statements: each column of the claims matrix says which one it is
    (they were all headed "undated"); the full label stays in the heading's title."""
    from tests.server.conftest import Server, run_cli

    folder = tmp_path / "statements"
    folder.mkdir()
    texts = {"a.txt": "Climate policy\n\nCoal plants will close within ten years.\n",
             "b.txt": "Opposition response to the plan\n\nCoal plants should stay open "
                      "until renewable capacity is ready.\n",
             "c.txt": "Industry statement\n\nManufacturers ask for clear timelines on the "
                      "closure of coal plants.\n"}
    for name, text in texts.items():
        (folder / name).write_text(text, encoding="utf-8")
    index = tmp_path / "index"
    run_cli("index", str(folder), "--index", str(index))
    server = Server(index, log=tmp_path / "serve.log")
    try:
        browser.get(compare_url(server, "coal plants", ["Coal plants should close."]))
        wait(browser, lambda d: all_of(d, "#checks tbody tr"), "the claims matrix")
        report = api_report(server, "coal plants", ["Coal plants should close."])
        heads = all_of(browser, "#checks thead th")[1:]
        assert [h.get_attribute("title") for h in heads] == [s["label"] for s in report["sources"]]
        assert sorted(h.text for h in heads) == ["Climate policy", "Industry statement",
                                                 "Opposition…"]
    finally:
        server.stop()
