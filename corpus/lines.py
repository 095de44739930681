"""Lines of a decoded text and the small facts about them that cleaning and splitting use."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .sentences import CLOSERS as _CLOSERS
from .sentences import FULL_WIDTH_TERMINALS, opens_sentence
from .sentences import OPENERS as _OPENERS

# Words that stay lowercase inside a title ("Relations With the UN", "China and the US").
SMALL_WORDS = frozenset(
    "a an and as at but by for from in into nor of on or per the to up via vs with".split()
)
# A line ending in one of these continues on the next line ("Look to the Future and").
CONTINUATION_WORDS = SMALL_WORDS - {"up", "vs"}

_TERMINAL = ".!?…" + FULL_WIDTH_TERMINALS
# A line ending in one of these goes on: a clause, a salutation, a list ("，", "；", "、" in CJK).
_OPEN_ENDINGS = ",;，；、"
_ROMAN = re.compile(r"(?=[IVXLCDM])M{0,3}(CM|CD|D?C{0,3})(XC|XL|L?X{0,3})(IX|IV|V?I{0,3})\.?")
_MARKDOWN_HEADING = re.compile(r"#{1,6}\s+(?P<title>\S.*?)\s*#*")
_LIST_ITEM = re.compile(r"([-*+•–]|\d{1,3}[.)]|\([a-z0-9]\))\s")
_TABLE_ROW = re.compile(r"\|.*\|.*\|")

MAX_HEADING_CHARS = 120
MAX_HEADING_WORDS = 15


@dataclass(frozen=True)
class Line:
    """One line of a text: `raw` is text[start:end], without its newline."""

    number: int  # 1-based
    start: int
    end: int
    raw: str

    @property
    def text(self) -> str:
        return self.raw.strip()

    @property
    def is_blank(self) -> bool:
        return not self.raw.strip()

    @property
    def span(self) -> tuple[int, int]:
        """Offsets of the line without its leading and trailing whitespace."""
        lead = len(self.raw) - len(self.raw.lstrip())
        trail = len(self.raw) - len(self.raw.rstrip())
        return self.start + lead, self.end - trail


def split_lines(text: str) -> list[Line]:
    """Cut `text` at "\\n" into numbered lines with their offsets."""
    lines: list[Line] = []
    start = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        lines.append(Line(number, start, start + len(raw), raw))
        start += len(raw) + 1
    return lines


def columns(text: str) -> int:
    """Display width of `text`: wide characters (Chinese, Japanese, Korean) take two columns.

    Hard wrapping happens at a column count, so line lengths are compared in columns: 80
    Chinese characters are a long line, not a wrapped one.
    """
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def ends_sentence(text: str) -> bool:
    """True if the text ends with sentence punctuation, possibly inside quotes or brackets."""
    core = text.rstrip().rstrip(_CLOSERS)
    return bool(core) and core[-1] in _TERMINAL


def ends_open(text: str) -> bool:
    """True if the text visibly continues on the next line (trailing comma or 'and', 'of'...)."""
    stripped = text.rstrip()
    if not stripped:
        return False
    if stripped[-1] in _OPEN_ENDINGS + "-–":
        return True
    return stripped.split()[-1].lower() in CONTINUATION_WORDS


def starts_upper(text: str) -> bool:
    """True if the text (after opening quotes) starts like a sentence: a capital, a digit, or
    a letter of a script without case such as Chinese."""
    core = text.lstrip().lstrip(_OPENERS)
    return bool(core) and opens_sentence(core[0])


def is_roman_numeral(text: str) -> bool:
    return bool(text) and _ROMAN.fullmatch(text) is not None


def markdown_heading(text: str) -> str | None:
    """The title of a markdown '#' heading line, else None."""
    match = _MARKDOWN_HEADING.fullmatch(text)
    return match.group("title") if match else None


def is_list_item(text: str) -> bool:
    return _LIST_ITEM.match(text) is not None


def is_table_row(text: str) -> bool:
    """A row of cells between bars, "| a | b |": how HTML tables are read, and Markdown's."""
    return _TABLE_ROW.fullmatch(text) is not None


def words(text: str) -> list[str]:
    """Whitespace-separated tokens that contain at least one letter."""
    return [token for token in text.split() if any(ch.isalpha() for ch in token)]


def is_title_case(text: str) -> bool:
    """True if every word except small ones ('and', 'of', 'the') starts with a capital."""
    tokens = [token.lstrip(_OPENERS) for token in words(text)]
    if not tokens or not tokens[0][:1].isupper():
        return False
    return all(
        token[:1].isupper() or token[:1].isdigit() or token.lower() in SMALL_WORDS
        for token in tokens[1:]
    )


def is_heading_like(text: str) -> bool:
    """A short line that reads like a title: no sentence punctuation, not a list item or a
    table row.

    A trailing comma or semicolon ("Distinguished Guests,") marks a salutation or a clause,
    which is prose, not a heading.
    """
    if markdown_heading(text) is not None or is_roman_numeral(text):
        return True
    if not text or len(text) > MAX_HEADING_CHARS or is_list_item(text) or is_table_row(text):
        return False
    tokens = words(text)
    if not tokens or len(text.split()) > MAX_HEADING_WORDS:
        return False
    if ends_sentence(text) or text.rstrip(_CLOSERS)[-1:] in _OPEN_ENDINGS:
        return False
    return not text.lstrip(_OPENERS)[:1].islower()
