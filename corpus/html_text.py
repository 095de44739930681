"""Visible text of an HTML page, block elements separated by blank lines."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bs4 import Tag

# Elements whose content is never part of the document's own text.
_INVISIBLE = (
    "script", "style", "noscript", "template", "head", "nav", "header", "footer", "aside",
    "form", "button", "select", "iframe", "svg", "canvas",
)  # fmt: skip
_BLOCKS = frozenset(
    """address article blockquote body caption center dd details dialog div dl dt fieldset
    figcaption figure h1 h2 h3 h4 h5 h6 hr li main ol p pre section summary table tbody thead
    tfoot tr ul""".split()
)
_BREAK = "\x00"  # marks a paragraph break while the text is assembled
_SPACES = re.compile(r"\s+")


def html_to_text(markup: str) -> str:
    """Visible text of `markup`: invisible elements dropped, each block its own paragraph.

    Whitespace from the HTML source is collapsed; `<br>` and `<pre>` keep their line breaks.
    """
    from bs4 import BeautifulSoup  # lazy: importing corpus must stay light

    soup = BeautifulSoup(markup, "html.parser")
    for element in soup.find_all(_INVISIBLE):
        element.decompose()
    parts: list[str] = []
    _collect(soup, parts)
    return _assemble("".join(parts))


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
    elif tag.name in ("td", "th"):
        parts.append(" ")
        _collect(tag, parts)
        parts.append(" ")
    else:
        _collect(tag, parts)


def _assemble(raw: str) -> str:
    """Collapse spaces inside lines, drop empty lines, join blocks with blank lines."""
    paragraphs: list[str] = []
    for block in raw.split(_BREAK):
        lines = (" ".join(line.split()) for line in block.split("\n"))
        text = "\n".join(line for line in lines if line)
        if text:
            paragraphs.append(text)
    return "\n\n".join(paragraphs)
