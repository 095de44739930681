"""Plain data produced by the corpus layer. No ML, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Metadata:
    """Per-document metadata, from metadata.csv or inferred from the text."""

    title: str | None = None
    date: str | None = None  # ISO-8601 prefix: "2005", "2025-01", "2017-04-06"
    author: str | None = None
    publisher: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    title_inferred: bool = False
    date_inferred: bool = False


@dataclass(frozen=True)
class Passage:
    """One paragraph of a document, located in the document's decoded text.

    `text` is the paragraph with whitespace runs collapsed to single spaces. For plain text,
    Markdown and PDF it equals the whitespace-normalised slice `source_text[char_start:char_end]`;
    for HTML that slice is the paragraph's markup (from its first visible character to the end
    of its last), which reads as `text` once tags are removed, entities decoded and whitespace
    collapsed (table rows add bars, " | ", that are not in the markup).
    Lines are 1-based and inclusive; chars are 0-based, end-exclusive.
    """

    ordinal: int
    text: str
    char_start: int
    char_end: int
    line_start: int
    line_end: int
    heading: str | None = None
    # Paged formats (PDF): the first and last page the passage is on (1-based); None where
    # a format has no pages (text, HTML, Word; EPUB chapters are not pages).
    pages: tuple[int, int] | None = None
    ocr: bool = False  # its text was read by OCR from a page image


@dataclass(frozen=True)
class DroppedLine:
    """A line removed as boilerplate, kept so that `inspect` can show it."""

    line: int  # 1-based; for HTML, the source line where the line's text starts
    text: str
    reason: str  # e.g. "navigation menu", "copyright footer", "comment prompt"
    page: int | None = None  # paged formats (PDF): the page it was on


@dataclass(frozen=True)
class Heading:
    """A short heading-like line (title, roman numeral) that is not a passage."""

    line: int  # 1-based; for HTML, the source line where the heading's text starts
    text: str


@dataclass(frozen=True)
class ParsedDocument:
    """What a file (or an in-memory text) yields: its passages and what was dropped."""

    path: Path  # absolute path as indexed (for in-memory records, a pseudo path)
    text: str  # decoded text (for HTML the markup, for PDF the extracted text); every offset
    # and line number points into this
    encoding: str
    content_hash: str  # sha256 hex of the raw bytes (or of the text for in-memory records)
    metadata: Metadata
    passages: list[Passage]
    dropped: list[DroppedLine]
    headings: list[Heading]
    # What was wrong with the file but did not stop it being read, each a sentence naming
    # the file first ("/abs/doc.txt: 1 byte that is not valid UTF-8 replaced by U+FFFD …").
    warnings: tuple[str, ...] = ()
    # Paged formats (PDF): the offset in `text` where each page starts (page 1 first), and
    # the pages whose text was read by OCR. Empty for formats without pages.
    page_starts: tuple[int, ...] = ()
    ocr_pages: frozenset[int] = frozenset()


@dataclass(frozen=True)
class SkippedFile:
    """A file that could not be read, with a reason a user can act on."""

    path: Path
    reason: str
