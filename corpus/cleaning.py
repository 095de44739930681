"""Conservative boilerplate removal: whole lines only, by general rules, each with a reason.

Rules (a line is dropped only if one of them matches):

- navigation menu: a long line of ALL-CAPS items without sentence punctuation; a line of at
  least five short items (four words at most, none ending a sentence) separated by "|", "•"
  or a spaced "·" ("Home | World | Business | Sports | Contact"); or a run of at least five
  consecutive short Title-Case lines without punctuation (a list of links).
- copyright/footer: a short line with "Copyright ©", "©", "All Rights Reserved", "Not to be
  republished", a leading "E-mail:" / "Tel:" / "Fax:", or a Chinese ICP licence number.
- comment/sign-up prompt: a short line that is only "Leave a Reply", "Download Whitepaper",
  "Subscribe", "Share this", "Read more"... or that asks for an e-mail address.
- separator: a line made only of rule characters ("-----", "=====", "* * *").

Footer and prompt rules only apply to lines of at most 200 characters, so a paragraph of prose
that happens to mention copyright or subscriptions is never dropped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from .dates import is_dateline
from .lines import (
    Line,
    ends_sentence,
    is_roman_numeral,
    is_table_row,
    is_title_case,
    markdown_heading,
    words,
)

NAVIGATION = "navigation menu"
FOOTER = "copyright/footer"
PROMPT = "comment/sign-up prompt"
SEPARATOR = "separator line"

MAX_BOILERPLATE_CHARS = 200
MAX_PROMPT_WORDS = 12
MIN_MENU_WORDS = 8
MIN_LINK_RUN = 5
MAX_LINK_WORDS = 8
MAX_LINK_CHARS = 60
MIN_MENU_SEPARATORS = 4
MAX_MENU_ITEM_WORDS = 4

_FOOTER = re.compile(
    r"copyright\s*(©|\(c\)|\d{4})|©|all rights reserved|not to be (re-?)?published"
    r"|^(e-?mail|tel|phone|fax)\s*[:：]|\bICP\s*(证|备|licen[cs]e)",
    re.IGNORECASE,
)
_PROMPT_LINE = re.compile(
    r"(leave a (reply|comment)|post a comment|add a comment|\d+\s+comments?|comments?"
    r"|cancel reply|download( the)? (white ?paper|report|pdf|brochure|e-?book)"
    r"|subscribe( to .*| now)?|sign (up|in)( .*)?|log ?in|register( now)?"
    r"|share (this|on)( .*)?|follow us( on .*)?|read more|click here( .*)?"
    r"|related (articles|posts|stories|news)|you (may|might) also like|back to top"
    r"|print( this (page|article))?)[\s.!:…>»]*",
    re.IGNORECASE,
)
_EMAIL_PROMPT = re.compile(
    r"enter your e-?mail|your e-?mail address will not be published|required fields are marked",
    re.IGNORECASE,
)
# Bars and colons make Markdown's table rule ("| --- | :---: |") a separator too.
_SEPARATOR = re.compile(r"([-=_*~#+•·|:]\s*){3,}")
# A middle dot separates menu items only with a space beside it: unspaced, it joins the parts
# of a transliterated name ("唐纳德·特朗普", "Jean·Paul").
_MENU_SEPARATOR = re.compile(r"\s*[|•]\s*|\s+·\s*|·\s+")
_MENU_ENDS = " \t|•·"


def find_boilerplate(lines: Sequence[Line]) -> dict[int, str]:
    """Map the index (0-based, into `lines`) of each boilerplate line to the reason."""
    reasons = {i: r for i, line in enumerate(lines) if (r := line_reason(line.text)) is not None}
    for i in _link_list_lines(lines, reasons):
        reasons[i] = NAVIGATION
    return dict(sorted(reasons.items()))


def line_reason(text: str) -> str | None:
    """Why a single line is boilerplate, or None if it is not (rules that need no context)."""
    if not text:
        return None
    if _is_caps_menu(text) or _is_separated_menu(text):
        return NAVIGATION
    if len(text) > MAX_BOILERPLATE_CHARS:
        return None
    if _FOOTER.search(text):
        return FOOTER
    short = len(text.split()) <= MAX_PROMPT_WORDS
    if short and _PROMPT_LINE.fullmatch(text) or _EMAIL_PROMPT.search(text):
        return PROMPT
    if _SEPARATOR.fullmatch(text):
        return SEPARATOR
    return None


def _is_caps_menu(text: str) -> bool:
    """Many words, (nearly) all capitals, no sentence punctuation: a site's section menu."""
    letters = [ch for ch in text if ch.isalpha()]
    if len(text.split()) < MIN_MENU_WORDS or not letters or re.search(r"[.!?]", text):
        return False
    return sum(ch.isupper() for ch in letters) >= 0.9 * len(letters)


def _is_separated_menu(text: str) -> bool:
    """Short items between bars or bullets, none a sentence: a menu written on one line.

    Bars around the whole line are not counted, so the table row "| Cell one | Cell two |"
    has one separator, and numbers are not items, so a row of figures is never a menu.
    """
    items = _MENU_SEPARATOR.split(text.strip(_MENU_ENDS))
    if len(items) - 1 < MIN_MENU_SEPARATORS:
        return False
    return all(
        words(item) and len(item.split()) <= MAX_MENU_ITEM_WORDS and not ends_sentence(item)
        for item in items
    )


def _is_link_like(text: str) -> bool:
    """A short Title-Case line with no punctuation at the end, like a menu entry."""
    if not text or len(text) > MAX_LINK_CHARS or len(text.split()) > MAX_LINK_WORDS:
        return False
    if ends_sentence(text) or text[-1] in ",;:" or is_roman_numeral(text) or is_table_row(text):
        return False
    if markdown_heading(text) is not None or is_dateline(text):
        return False
    return is_title_case(text)


def _link_list_lines(lines: Sequence[Line], dropped: dict[int, str]) -> list[int]:
    """Indexes of lines in runs of consecutive link-like lines.

    Scraped pages usually put the page's own title right after the menu, so when text follows
    a run, its last line is kept (it becomes a heading, never a passage).
    """
    result: list[int] = []
    for run in _runs(lines, lambda i: i not in dropped and _is_link_like(lines[i].text)):
        if len(run) < MIN_LINK_RUN:
            continue
        text_follows = any(
            not line.is_blank and j not in dropped
            for j, line in enumerate(lines[run[-1] + 1 :], start=run[-1] + 1)
        )
        result.extend(run[:-1] if text_follows else run)
    return result


def _runs(lines: Sequence[Line], keep: Callable[[int], bool]) -> list[list[int]]:
    """Maximal runs of consecutive line indexes for which `keep(i)` holds."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i in range(len(lines)):
        if keep(i):
            current.append(i)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs
