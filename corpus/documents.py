"""Documents: a file or an in-memory text turned into passages, headings and dropped lines."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from pathlib import Path

from .cleaning import find_boilerplate
from .formats.html_source_map import relocate
from .formats.pdf_ocr import OcrOptions
from .inference import complete_metadata
from .lines import split_lines
from .paragraphs import PARAGRAPH, Segment, segment
from .passages import build_passages
from .pdf_text import PAGE_FURNITURE, PageText
from .reading import decode, normalise_newlines, read_bytes
from .types import DroppedLine, Heading, Metadata, ParsedDocument, Passage


def parse_text(
    text: str,
    *,
    path: Path,
    encoding: str = "utf-8",
    content_hash: str | None = None,
    metadata: Metadata | None = None,
    pages: PageText | None = None,
) -> ParsedDocument:
    """Split a decoded text into passages, headings and dropped boilerplate lines.

    Pure: no I/O. Newlines are normalised to "\\n" first (a no-op for `read_text` output), and
    the returned document's `text` is that normalised text, which every offset points into.
    A missing title or date in `metadata` is inferred from the text and marked as inferred.
    `content_hash` defaults to the sha256 of the UTF-8 text (for in-memory records).

    `pages` (a PDF's, from corpus.pdf_text, for this very text) adds its dropped page
    furniture, which paragraphs run through at a page break, and each passage's pages.
    """
    text = normalise_newlines(text)
    lines = split_lines(text)
    dropped = find_boilerplate(lines)
    through: set[int] = set()
    if pages is not None:
        for number, reason in pages.dropped.items():
            dropped[number - 1] = reason
            if reason in PAGE_FURNITURE:
                through.add(number - 1)
        dropped = dict(sorted(dropped.items()))
    segments = segment(lines, dropped, through)
    kept = [line for i, line in enumerate(lines) if i not in dropped and not line.is_blank]
    passages = build_passages(text, lines, segments,
                              hidden=[(lines[i].start, lines[i].end) for i in sorted(through)])
    page_of = pages.page_at if pages is not None else None
    return ParsedDocument(
        path=path,
        text=text,
        encoding=encoding,
        content_hash=content_hash or sha256_hex(text.encode("utf-8")),
        metadata=complete_metadata(metadata, segments, kept),
        passages=_with_pages(passages, pages) if pages is not None else passages,
        dropped=[DroppedLine(lines[i].number, lines[i].text, why,
                             page_of(lines[i].start) if page_of else None)
                 for i, why in dropped.items()],
        # One Heading per line, so each names its own line; a title split over two lines is
        # joined only where it labels passages and in the inferred title.
        headings=[
            Heading(line.number, Segment(seg.kind, (line,)).text)
            for seg in segments
            if seg.kind != PARAGRAPH
            for line in seg.lines
        ],
        page_starts=pages.page_starts if pages is not None else (),
        ocr_pages=pages.ocr_pages if pages is not None else frozenset(),
    )


def _with_pages(passages: list[Passage], pages: PageText) -> list[Passage]:
    out = []
    for p in passages:
        first, last = pages.page_at(p.char_start), pages.page_at(p.char_end - 1)
        ocr = any(n in pages.ocr_pages for n in range(first, last + 1))
        out.append(replace(p, pages=(first, last), ocr=ocr))
    return out


def load_document(path: Path, metadata: Metadata | None = None,
                  raw: bytes | None = None, ocr: OcrOptions | None = None) -> ParsedDocument:
    """Read, decode and parse a file; `content_hash` is the sha256 of its raw bytes.

    The document's `text`, and every offset and line number in it, is the decoded file with
    newlines normalised to "\\n", for .txt and .md, and for HTML too: there passages are found
    in the page's visible text and then located in the markup (see source_map.py); a
    passage's `text` stays the visible text, and its source slice holds that text with tags
    and entities around and in it. A PDF has no text source, so for PDFs `text` is the
    extracted text (in reading order, cleaned as corpus.pdf_text says) and offsets and lines
    point into it; each passage also has its pages.

    `raw`, when the caller already read the file, saves reading it again. `ocr` says how a
    PDF's pages without a text layer are read (Tesseract's languages, progress).
    Invalid UTF-8 bytes are read as U+FFFD and counted in `warnings`.
    Raises UnreadableDocument if the file cannot yield text.
    """
    if raw is None:
        raw = read_bytes(path)
    decoded = decode(raw, path, ocr)
    if path.suffix.lower() == ".epub":
        metadata = _with_package_metadata(metadata, raw, path)
    doc = parse_text(
        decoded.text,
        path=path,
        encoding=decoded.encoding,
        content_hash=sha256_hex(raw),
        metadata=metadata,
        pages=decoded.pages,
    )
    if decoded.html is not None and decoded.source is not None:
        doc = relocate(doc, decoded.source, decoded.html.spans)
    return replace(doc, warnings=decoded.warnings) if decoded.warnings else doc


def _with_package_metadata(metadata: Metadata | None, raw: bytes, path: Path) -> Metadata:
    """An e-book declares its title, authors, date and publisher in its package: they fill
    what metadata.csv does not say (metadata.csv wins), as given values, not inferred ones."""
    from .formats.epub import epub_metadata

    package = epub_metadata(raw, path)
    given = metadata or Metadata()
    return replace(
        given,
        title=given.title or package.title,
        author=given.author or (", ".join(package.authors) if package.authors else None),
        date=given.date or package.date,
        publisher=given.publisher or package.publisher,
    )


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
