"""Visible text of an HTML page, block elements separated by blank lines.

Every character of the text remembers where in the page's source it came from (see
source_map.py), so that passages found in the text can be located in the source.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .html_source_map import Spans, string_spans

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag
    from bs4.element import NavigableString

# Elements whose content is never part of the document's own text. <nav> is dropped even
# inside an article: there it holds breadcrumbs, tables of contents or pagination. <title> is
# listed for pages without <head>; it is read separately (see html_to_text).
_INVISIBLE = (
    "script", "style", "noscript", "template", "head", "title", "nav", "form", "button",
    "select", "iframe", "svg", "canvas",
)  # fmt: skip
# The site's banner, footer and sidebars, dropped outside <article> and <main>. Inside them
# the same elements hold the document's own title, byline and date (WordPress puts the h1 and
# the date in the article's <header>), so there they are kept.
_PAGE_CHROME = ("header", "footer", "aside")
_CONTENT = ("article", "main")
# <tr> is not a block: a data row is one line, and a table's rows make one paragraph.
_BLOCKS = frozenset(
    """address article blockquote body caption center dd details dialog div dl dt fieldset
    figcaption figure h1 h2 h3 h4 h5 h6 hr li main ol p pre section summary table ul""".split()
)
_CELLS = ("td", "th")
# A row whose cells are all this short is table data; a longer cell is a column of a page
# laid out with a table, whose paragraphs must stay paragraphs.
MAX_CELL_CHARS = 300
_BREAK = "\x00"  # marks a paragraph break while the text is assembled
_SPACES = re.compile(r"\s+")
_WORDS = re.compile(r"\S+")  # what str.split() keeps
_INSERTED = -1  # the span of a character the extraction adds: a break, a bar, a space


@dataclass(frozen=True)
class ExtractedText:
    """The visible text of a page and, per character, the span of the markup it came from.

    Characters the extraction inserts (blank lines between blocks, a table row's bars, the
    spaces that join words) start where the next source character starts and end where the
    previous one ends, so a slice of the text maps to a source slice that starts at its first
    source character and ends after its last one.
    """

    text: str
    spans: Spans


def html_to_text(markup: str) -> str:
    """Visible text of `markup`: invisible elements dropped, each block its own paragraph.

    Whitespace from the HTML source is collapsed; `<br>` and `<pre>` keep their line breaks.
    A table row of short cells is one line, "| cell | cell |". A page without an <h1> gets
    its <title> as the first line, so that the inferred title and the heading of the first
    passages come from the page itself rather than from whatever short line comes first.
    """
    return extract_html(markup).text


def extract_html(markup: str) -> ExtractedText:
    """`html_to_text(markup)` with the source span of every character of it.

    Newlines in the result are normalised to "\\n" (a "\\r" can come from "&#13;" in a
    <pre>), so the result is what `normalise_newlines` would make of the text.
    """
    from bs4 import BeautifulSoup  # lazy: importing corpus must stay light
    from bs4.element import NavigableString

    soup = BeautifulSoup(markup, "html.parser")
    strings = [node for node in soup.descendants if isinstance(node, NavigableString)]
    spans = string_spans(markup, strings)  # `strings` keeps the ids valid until we are done
    title = _page_title(soup, spans)
    _drop_invisible(soup)
    parts = _Chars(spans)
    _collect(soup, parts)
    text = _assemble(parts)
    # Not for a page without visible text (a page rendered by scripts): its title alone is
    # not a document.
    if text and title and soup.find("h1") is None and text.text().split("\n", 1)[0] != title.text():
        with_title = _Chars(spans)
        with_title.extend(title)
        with_title.insert("\n\n")
        with_title.extend(text)
        text = with_title
    return text.finish()


class _Chars:
    """Text being assembled, each character with the source span it came from."""

    def __init__(self, spans: dict[int, Spans]) -> None:
        self.spans = spans  # of the soup's strings, by id
        self.chars: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []

    def __len__(self) -> int:
        return len(self.chars)

    def text(self) -> str:
        return "".join(self.chars)

    def insert(self, text: str) -> None:
        """Text that is not in the source."""
        self.chars.extend(text)
        self.starts.extend([_INSERTED] * len(text))
        self.ends.extend([_INSERTED] * len(text))

    def string(self, string: NavigableString) -> None:
        """One of the soup's strings, unchanged."""
        spans = self.spans.get(id(string))
        if spans is None:  # not expected: every string of the soup has its spans
            self.insert(str(string))
            return
        self.chars.extend(str(string))
        self.starts.extend(spans.starts)
        self.ends.extend(spans.ends)

    def collapsed_string(self, string: NavigableString) -> None:
        """One of the soup's strings with each whitespace run as one space."""
        piece = _Chars(self.spans)
        piece.string(string)
        text = piece.text()
        at = 0
        for match in _SPACES.finditer(text):
            self.extend(piece, at, match.start())
            self.chars.append(" ")
            self.starts.append(piece.starts[match.start()])
            self.ends.append(piece.ends[match.end() - 1])
            at = match.end()
        self.extend(piece, at, len(text))

    def extend(self, other: _Chars, start: int = 0, end: int | None = None) -> None:
        self.chars.extend(other.chars[start:end])
        self.starts.extend(other.starts[start:end])
        self.ends.extend(other.ends[start:end])

    def words(self, text: str, start: int, end: int) -> _Chars:
        """The words of self[start:end] joined by single spaces (`text` is self's text)."""
        joined = _Chars(self.spans)
        for match in _WORDS.finditer(text, start, end):
            if joined:
                joined.insert(" ")
            joined.extend(self, match.start(), match.end())
        return joined

    def finish(self) -> ExtractedText:
        """The text with "\\r" as "\\n", and the spans of inserted characters filled in."""
        chars, starts, ends = _normalise_newlines(self.chars, self.starts, self.ends)
        following = next((start for start in reversed(starts) if start != _INSERTED), 0)
        for i in range(len(starts) - 1, -1, -1):
            if starts[i] == _INSERTED:
                starts[i] = following
            following = starts[i]
        preceding = next((end for end in ends if end != _INSERTED), 0)
        for i, end in enumerate(ends):
            if end == _INSERTED:
                ends[i] = preceding
            preceding = ends[i]
        return ExtractedText("".join(chars), Spans(starts, ends))


def _normalise_newlines(
    chars: list[str], starts: list[int], ends: list[int]
) -> tuple[list[str], list[int], list[int]]:
    """As decoding.normalise_newlines: "\\r\\n" and a lone "\\r" become "\\n"."""
    if "\r" not in chars:
        return chars, starts, ends
    out: tuple[list[str], list[int], list[int]] = ([], [], [])
    for i, char in enumerate(chars):
        if char == "\r" and i + 1 < len(chars) and chars[i + 1] == "\n":
            continue
        out[0].append("\n" if char == "\r" else char)
        out[1].append(starts[i])
        out[2].append(ends[i])
    return out


def _page_title(soup: BeautifulSoup, spans: dict[int, Spans]) -> _Chars:
    """The page's <title>, whitespace collapsed, or "" (an <svg> has <title>s of its own)."""
    for title in soup.find_all("title"):
        if title.find_parent("svg") is None:
            raw = _Chars(spans)
            for string in title.strings:
                raw.string(string)
            return raw.words(raw.text(), 0, len(raw))
    return _Chars(spans)


def _drop_invisible(soup: BeautifulSoup) -> None:
    for element in soup.find_all(_INVISIBLE):
        element.decompose()
    for element in soup.find_all(_PAGE_CHROME):
        # A header inside a dropped footer is gone already.
        if not element.decomposed and element.find_parent(_CONTENT) is None:
            element.decompose()


def _collect(node: Tag, parts: _Chars) -> None:
    """Append the text under `node`, with break marks around block elements."""
    from bs4.element import NavigableString, PreformattedString, Tag

    for child in node.children:
        if isinstance(child, PreformattedString):  # comments, doctype, CDATA
            continue
        if isinstance(child, NavigableString):
            parts.collapsed_string(child)
        elif isinstance(child, Tag):
            _collect_tag(child, parts)


def _collect_tag(tag: Tag, parts: _Chars) -> None:
    if tag.name == "br":
        parts.insert("\n")
    elif tag.name == "pre":
        parts.insert(_BREAK)
        for string in tag.strings:  # what tag.get_text() joins
            parts.string(string)
        parts.insert(_BREAK)
    elif tag.name in _BLOCKS:
        parts.insert(_BREAK)
        _collect(tag, parts)
        parts.insert(_BREAK)
    elif tag.name == "tr":
        _collect_row(tag, parts)
    elif tag.name in _CELLS:  # a cell outside any row
        parts.insert(" ")
        _collect(tag, parts)
        parts.insert(" ")
    else:
        _collect(tag, parts)


def _collect_row(row: Tag, parts: _Chars) -> None:
    """A data row as one line of cells between bars; a layout row as one block per cell.

    The bars keep the cells apart and mark the line as a table row, which is text, not a
    heading (see lines.is_table_row).
    """
    cells = row.find_all(_CELLS, recursive=False)
    texts = [] if row.find("table") else [_cell_text(cell, parts.spans) for cell in cells]
    if len(texts) >= 2 and all(len(text) <= MAX_CELL_CHARS for text in texts):
        if any(texts):
            parts.insert("\n| ")
            for i, text in enumerate(texts):
                if i:
                    parts.insert(" | ")
                parts.extend(text)
            parts.insert(" |\n")
        return
    for cell in cells:
        parts.insert(_BREAK)
        _collect(cell, parts)
        parts.insert(_BREAK)


def _cell_text(cell: Tag, spans: dict[int, Spans]) -> _Chars:
    """A cell's text on one line: paragraphs and line breaks inside it become spaces."""
    parts = _Chars(spans)
    _collect(cell, parts)
    return parts.words(parts.text().replace(_BREAK, " "), 0, len(parts))


def _assemble(raw: _Chars) -> _Chars:
    """Collapse spaces inside lines, drop empty lines, join blocks with blank lines."""
    text = raw.text()
    assembled = _Chars(raw.spans)
    block_start = 0
    for block in text.split(_BREAK):
        block_end = block_start + len(block)
        lines: list[_Chars] = []
        line_start = block_start
        for line in block.split("\n"):
            words = raw.words(text, line_start, line_start + len(line))
            if words:
                lines.append(words)
            line_start += len(line) + 1
        if lines:
            if assembled:
                assembled.insert("\n\n")
            for i, line in enumerate(lines):
                if i:
                    assembled.insert("\n")
                assembled.extend(line)
        block_start = block_end + 1
    return assembled
