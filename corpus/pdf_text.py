"""A PDF's pages -> the document's text: running headers, footers and page numbers found,
words hyphenated at a line end joined, ligatures as plain letters, and where each page starts.

The text is the pages' lines in reading order, one page after the other with a single newline
between them, so a paragraph that goes on over a page break stays one paragraph. Headers,
footers and page numbers stay in the text, on lines of their own, and are reported as dropped
lines (with their page, for `inspect`); parse_text lets a paragraph run through them and keeps
them out of passages. A PDF's `chars` and `lines` point into this text: the extracted,
cleaned text, not the PDF's content streams, which have no lines to point into.

Rules, each conservative:
- page furniture: among the first and last lines of each page, a bare page number ("12",
  "Page 3 of 40", "- iv -"), or a short line that, with its digits ignored, is also the first
  or last line of many pages ("Annual Review 2024 — 17"): at least 2 pages of a short document,
  else at least 3 and 30 % of the pages.
- hyphenation: a line ending in a lower-case letter and "-" followed by a line starting with a
  lower-case letter: the word is joined on the first line ("inter-" + "national" ->
  "international"); a word the document writes with its hyphen elsewhere keeps it
  ("long-" + "term" -> "long-term").
- ligatures (U+FB00-FB06: "ﬁ", "ﬂ", "ﬀ", ...) are replaced by their letters; PDFium's
  markers for soft hyphens become "-" and other non-characters are removed.
"""

from __future__ import annotations

import math
import re
import unicodedata
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

RUNNING_HEADER = "running header (repeats across pages)"
RUNNING_FOOTER = "running footer (repeats across pages)"
PAGE_NUMBER = "page number"
# Reasons of lines a paragraph runs through (parse_text): what a page break puts in its way.
PAGE_FURNITURE = frozenset({RUNNING_HEADER, RUNNING_FOOTER, PAGE_NUMBER})

MAX_FURNITURE_CHARS = 120
_PAGE_NUMBER = re.compile(
    r"(page|p\.|pg\.?)?\s*[-–—(\[]?\s*(\d{1,4}|[ivxlcdm]{1,7})\s*[-–—)\]]?"
    r"(\s*(of|/)\s*\d{1,4})?", re.IGNORECASE)
_LIGATURES = {chr(c): unicodedata.normalize("NFKC", chr(c)) for c in range(0xFB00, 0xFB07)}
# PDFium returns U+FFFE (and some files U+00AD / U+0002) for a hyphen it judged soft.
_SOFT_HYPHENS = "\ufffe\u00ad\u0002"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff]")
_COMPOUND = re.compile(r"\b[^\W\d_]+-[^\W\d_]+\b")


@dataclass(frozen=True)
class Page:
    """One page as read: its lines in reading order ("" between paragraphs)."""

    number: int
    lines: Sequence[str]
    ocr: bool = False


@dataclass(frozen=True)
class PageText:
    """The document's text and its pages."""

    text: str
    page_starts: tuple[int, ...]  # offset in `text` where each page starts (page 1 first)
    ocr_pages: frozenset[int] = frozenset()  # pages whose text was read by OCR
    dropped: dict[int, str] = field(default_factory=dict)  # 1-based line -> reason

    def page_at(self, offset: int) -> int:
        """The 1-based page holding the character at `offset`."""
        return max(bisect_right(self.page_starts, offset), 1)


def page_text(pages: Iterable[Page]) -> PageText:
    """The text of `pages` (in order), with their furniture found and their words mended."""
    pages = [Page(p.number, [_clean(line) for line in p.lines], p.ocr) for p in pages]
    furniture = _furniture(pages)
    lines: list[tuple[int, str]] = []  # (page number, text)
    reasons: dict[int, str] = {}  # index into lines -> reason
    for page in pages:
        marks = furniture.get(page.number, {})
        body = [i for i, text in enumerate(page.lines) if i not in marks]
        # Blank lines between the body and the furniture are dropped with it: a page
        # break alone does not end a paragraph.
        first = next((i for i in body if page.lines[i]), None)
        last = next((i for i in reversed(body) if page.lines[i]), None)
        for i, text in enumerate(page.lines):
            if i in marks:
                reasons[len(lines)] = marks[i]
            elif first is None or not first <= i <= last:
                continue
            lines.append((page.number, text))
    texts = _join_hyphenated([t for _, t in lines], set(reasons))
    return _assemble(lines, texts, reasons, len(pages),
                     frozenset(p.number for p in pages if p.ocr))


def _clean(line: str) -> str:
    for ligature, letters in _LIGATURES.items():
        line = line.replace(ligature, letters)
    stripped = line.rstrip()
    if stripped and stripped[-1] in _SOFT_HYPHENS:
        stripped = stripped[:-1] + "-"
    return " ".join(_CONTROL.sub("", stripped).split())


def _furniture(pages: list[Page]) -> dict[int, dict[int, str]]:
    """Page number -> {line index: reason} of the page's header, footer and page number."""
    edges = {p.number: _edge_lines(p.lines) for p in pages}
    seen: Counter[str] = Counter()
    for page in pages:
        top, bottom = edges[page.number]
        seen.update({_shape(page.lines[i]) for i in top + bottom})
    needed = 2 if len(pages) <= 4 else max(3, math.ceil(0.3 * len(pages)))
    found: dict[int, dict[int, str]] = {}
    for page in pages:
        top, bottom = edges[page.number]
        marks: dict[int, str] = {}
        for side, indexes in ((RUNNING_HEADER, top), (RUNNING_FOOTER, list(reversed(bottom)))):
            # From the page's edge inwards: the second line counts only if the first did.
            for i in indexes:
                text = page.lines[i]
                if _PAGE_NUMBER.fullmatch(text):
                    marks[i] = PAGE_NUMBER
                elif len(text) <= MAX_FURNITURE_CHARS and seen[_shape(text)] >= needed:
                    marks[i] = side
                else:
                    break
        if marks:
            found[page.number] = marks
    return found


def _edge_lines(lines: Sequence[str]) -> tuple[list[int], list[int]]:
    """Indexes of the first two and the last two non-blank lines of a page."""
    filled = [i for i, text in enumerate(lines) if text]
    if len(filled) <= 2:  # a page of one or two lines has no furniture to tell apart
        return filled[:1], filled[-1:] if len(filled) == 2 else []
    return filled[:2], filled[-2:]


def _shape(text: str) -> str:
    """A line with its numbers ignored: "Annual Review — 17" and "— 18" look alike."""
    return re.sub(r"\d+", "#", " ".join(text.lower().split()))


def _join_hyphenated(texts: list[str], skip: set[int]) -> list[str | None]:
    """`texts` with words broken by a hyphen at a line end joined on the first line; a line
    left empty by the move becomes None (removed). Lines in `skip` (furniture) are passed over
    to find the next line, so a word broken over a page break is joined too."""
    compounds = {m.group(0).lower() for t in texts for m in _COMPOUND.finditer(t)}
    out: list[str | None] = list(texts)
    for i in range(len(out)):
        line = out[i]
        if i in skip or not line or len(line) < 2 or line[-1] != "-" or not line[-2].islower():
            continue
        j = next((k for k in range(i + 1, len(out)) if k not in skip), None)
        if j is None or not out[j] or not out[j][0].islower():
            continue
        head_word = line.rsplit(" ", 1)[-1][:-1]
        tail, _, rest = out[j].partition(" ")  # type: ignore[union-attr]
        tail_letters = re.match(r"[^\W\d_]+", tail)
        # A word the document hyphenates itself keeps its hyphen, and is whole all the same.
        keep = tail_letters and f"{head_word}-{tail_letters.group(0)}".lower() in compounds
        out[i] = (line if keep else line[:-1]) + tail
        out[j] = rest or None
    return out


def _assemble(lines: list[tuple[int, str]], texts: list[str | None], reasons: dict[int, str],
              n_pages: int, ocr_pages: frozenset[int]) -> PageText:
    parts: list[str] = []
    starts: list[int] = []
    dropped: dict[int, str] = {}
    offset, page = 0, 0
    for i, ((number, _), text) in enumerate(zip(lines, texts, strict=True)):
        if text is None:
            continue
        while page < number:  # pages with no line start where the next line does
            starts.append(offset)
            page += 1
        if i in reasons:
            dropped[len(parts) + 1] = reasons[i]
        parts.append(text)
        offset += len(text) + 1
    starts += [offset] * (n_pages - len(starts))  # trailing pages without text
    return PageText("\n".join(parts), tuple(starts), ocr_pages, dropped)
