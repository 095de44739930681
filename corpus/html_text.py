"""Visible text of an HTML page, block elements separated by blank lines."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bs4 import BeautifulSoup, Tag

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


def html_to_text(markup: str) -> str:
    """Visible text of `markup`: invisible elements dropped, each block its own paragraph.

    Whitespace from the HTML source is collapsed; `<br>` and `<pre>` keep their line breaks.
    A table row of short cells is one line, "| cell | cell |". A page without an <h1> gets
    its <title> as the first line, so that the inferred title and the heading of the first
    passages come from the page itself rather than from whatever short line comes first.
    """
    from bs4 import BeautifulSoup  # lazy: importing corpus must stay light

    soup = BeautifulSoup(markup, "html.parser")
    title = _page_title(soup)
    _drop_invisible(soup)
    parts: list[str] = []
    _collect(soup, parts)
    text = _assemble("".join(parts))
    # Not for a page without visible text (a page rendered by scripts): its title alone is
    # not a document.
    if text and title and soup.find("h1") is None and text.split("\n", 1)[0] != title:
        text = f"{title}\n\n{text}"
    return text


def _page_title(soup: BeautifulSoup) -> str:
    """The page's <title>, whitespace collapsed, or "" (an <svg> has <title>s of its own)."""
    for title in soup.find_all("title"):
        if title.find_parent("svg") is None:
            return " ".join(title.get_text().split())
    return ""


def _drop_invisible(soup: BeautifulSoup) -> None:
    for element in soup.find_all(_INVISIBLE):
        element.decompose()
    for element in soup.find_all(_PAGE_CHROME):
        # A header inside a dropped footer is gone already.
        if not element.decomposed and element.find_parent(_CONTENT) is None:
            element.decompose()


def _collect(node: Tag, parts: list[str]) -> None:
    """Append the text under `node`, with break marks around block elements."""
    from bs4.element import NavigableString, PreformattedString, Tag

    for child in node.children:
        if isinstance(child, PreformattedString):  # comments, doctype, CDATA
            continue
        if isinstance(child, NavigableString):
            parts.append(_SPACES.sub(" ", str(child)))
        elif isinstance(child, Tag):
            _collect_tag(child, parts)


def _collect_tag(tag: Tag, parts: list[str]) -> None:
    if tag.name == "br":
        parts.append("\n")
    elif tag.name == "pre":
        parts.extend([_BREAK, tag.get_text(), _BREAK])
    elif tag.name in _BLOCKS:
        parts.append(_BREAK)
        _collect(tag, parts)
        parts.append(_BREAK)
    elif tag.name == "tr":
        _collect_row(tag, parts)
    elif tag.name in _CELLS:  # a cell outside any row
        parts.append(" ")
        _collect(tag, parts)
        parts.append(" ")
    else:
        _collect(tag, parts)


def _collect_row(row: Tag, parts: list[str]) -> None:
    """A data row as one line of cells between bars; a layout row as one block per cell.

    The bars keep the cells apart and mark the line as a table row, which is text, not a
    heading (see lines.is_table_row).
    """
    cells = row.find_all(_CELLS, recursive=False)
    texts = [] if row.find("table") else [_cell_text(cell) for cell in cells]
    if len(texts) >= 2 and all(len(text) <= MAX_CELL_CHARS for text in texts):
        if any(texts):
            parts.extend(["\n", "| " + " | ".join(texts) + " |", "\n"])
        return
    for cell in cells:
        parts.append(_BREAK)
        _collect(cell, parts)
        parts.append(_BREAK)


def _cell_text(cell: Tag) -> str:
    """A cell's text on one line: paragraphs and line breaks inside it become spaces."""
    parts: list[str] = []
    _collect(cell, parts)
    return " ".join("".join(parts).replace(_BREAK, " ").split())


def _assemble(raw: str) -> str:
    """Collapse spaces inside lines, drop empty lines, join blocks with blank lines."""
    paragraphs: list[str] = []
    for block in raw.split(_BREAK):
        lines = (" ".join(line.split()) for line in block.split("\n"))
        text = "\n".join(line for line in lines if line)
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)
