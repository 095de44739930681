"""Files to text: plain text and Markdown are decoded; HTML, PDF, Word (.docx) and EPUB have
their text extracted.

Passages are found in the text returned here: for .txt and .md, the decoded file with newlines
normalised to "\\n"; for the other formats, the extracted text. For HTML, `decode` also returns the
decoded markup and where each character of the text came from in it, so that documents.py can
point passages into the file itself.
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from .decoding import decode_text, normalise_newlines
from .errors import UnreadableDocument
from .formats.docx import docx_to_text
from .formats.epub import epub_to_text
from .formats.html import ExtractedText, extract_html
from .formats.pdf import pdf_pages
from .formats.pdf_ocr import INSTALL_HINT, MISSING, OcrOptions
from .pdf_text import Page, PageText, page_text

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
PDF_SUFFIXES = frozenset({".pdf"})
# Word and e-books: their text is extracted, and offsets point into it, as for PDF.
EXTRACTORS = {".docx": docx_to_text, ".epub": epub_to_text}
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES | frozenset(EXTRACTORS)

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Decoded",
    "decode",
    "decode_document",
    "normalise_newlines",
    "read_bytes",
    "read_text",
    "unreadable_reason",
]


@dataclass(frozen=True)
class Decoded:
    """A file's text as passages are found in it, and for HTML the markup it came from."""

    text: str  # newlines normalised; for HTML and PDF, the extracted text
    encoding: str  # "pdf" for PDFs
    html: ExtractedText | None = None  # HTML: `text` with each character's span in `source`
    source: str | None = None  # HTML: the decoded markup, newlines normalised
    warnings: tuple[str, ...] = ()  # what was wrong but did not stop reading, path first
    pages: PageText | None = None  # PDF: where each page starts, furniture, OCR pages


def read_text(path: Path) -> tuple[str, str]:
    """The text of a supported file and the encoding it was decoded with ("pdf" for PDFs).

    Raises UnreadableDocument(path, reason) if the file is missing, not a regular file (see
    `read_bytes`), unreadable, binary, undecodable, corrupt, or has no text.
    """
    return decode_document(read_bytes(path), path)


def read_bytes(path: Path, max_bytes: int | None = None) -> bytes:
    """The raw bytes of a regular file, with every reason not to read it an UnreadableDocument.

    Only regular files are read (a link is read through to one): a FIFO would block forever
    and a device such as /dev/zero never ends, so both are refused before being opened, as
    are dangling links and link loops. The file is opened without blocking and checked again
    once open, in case it was replaced in between. With `max_bytes`, a larger file is refused.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise UnreadableDocument(path, unreadable_reason(path, exc)) from exc
    _check_regular(path, info, max_bytes)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as exc:
        raise UnreadableDocument(path, unreadable_reason(path, exc)) from exc
    try:
        with os.fdopen(fd, "rb") as handle:
            _check_regular(path, os.fstat(handle.fileno()), max_bytes)
            raw = handle.read() if max_bytes is None else handle.read(max_bytes + 1)
    except OSError as exc:
        raise UnreadableDocument(path, unreadable_reason(path, exc)) from exc
    if max_bytes is not None and len(raw) > max_bytes:  # it grew while being read
        raise UnreadableDocument(path, _too_large(len(raw), max_bytes))
    return raw


def unreadable_reason(path: Path, error: OSError) -> str:
    """Why `path` cannot be read, from the OSError that opening or examining it raised."""
    if error.errno == errno.ENOENT:
        if os.path.islink(path):
            return f"dangling symbolic link (its target {_link_target(path)} does not exist)"
        return "file not found (moved or deleted?)"
    if error.errno == errno.ELOOP:
        return "symbolic link loop (following its links never reaches a file)"
    if error.errno in (errno.EACCES, errno.EPERM):
        return "permission denied; check the file's permissions"
    if error.errno == errno.EISDIR:
        return "is a folder, not a file"
    if error.errno == errno.ENOTDIR:
        return "a part of its path is not a folder"
    return f"cannot be read: {error.strerror or error}"


def not_regular_reason(mode: int) -> str | None:
    """Why a file of this kind (from os.stat) is not read, or None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "is a folder, not a file"
    if stat.S_ISFIFO(mode):
        return "not a regular file: a named pipe (FIFO), which is never opened"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "not a regular file: a device"
    if stat.S_ISSOCK(mode):
        return "not a regular file: a socket"
    return "not a regular file"


def _check_regular(path: Path, info: os.stat_result, max_bytes: int | None) -> None:
    reason = not_regular_reason(info.st_mode)
    if reason:
        raise UnreadableDocument(path, reason)
    if max_bytes is not None and info.st_size > max_bytes:
        raise UnreadableDocument(path, _too_large(info.st_size, max_bytes))


def _link_target(path: Path) -> str:
    try:
        return os.readlink(path)
    except OSError:  # replaced since
        return "?"


def _too_large(size: int, max_bytes: int) -> str:
    return f"too large ({_megabytes(size)}; at most {_megabytes(max_bytes)} is read)"


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def decode_document(raw: bytes, path: Path) -> tuple[str, str]:
    """Text and encoding of a file's raw bytes, chosen by the file's suffix."""
    decoded = decode(raw, path)
    return decoded.text, decoded.encoding


def decode(raw: bytes, path: Path, ocr: OcrOptions | None = None) -> Decoded:
    """`decode_document`, with the markup and the character spans for HTML, and the pages
    for PDF (pages without a text layer read by OCR as `ocr` says, when Tesseract is there).

    Raises UnreadableDocument as `read_text` does.
    """
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = " ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnreadableDocument(path, f"unsupported file type {suffix!r} (supported: {supported})")
    if not raw:
        raise UnreadableDocument(path, "empty file")
    html: ExtractedText | None = None
    source: str | None = None
    warnings: tuple[str, ...] = ()
    pages: PageText | None = None
    if suffix in PDF_SUFFIXES:
        pages, warnings = read_pdf(raw, path, ocr)
        text, encoding = pages.text, "pdf"
    elif suffix in EXTRACTORS:
        text, encoding = EXTRACTORS[suffix](raw, path), suffix[1:]
    else:
        decoded = decode_text(raw, path)
        text, encoding = decoded.text, decoded.encoding
        warnings = (f"{path}: {decoded.warning}",) if decoded.warning else ()
        if suffix in HTML_SUFFIXES:
            source = normalise_newlines(text)
            html = extract_html(source)  # its text has its newlines normalised already
            text = html.text
    text = normalise_newlines(text)
    if not text.strip():
        raise UnreadableDocument(path, _why_no_text(suffix))
    return Decoded(text, encoding, html, source, warnings, pages)


def read_pdf(raw: bytes, path: Path, ocr: OcrOptions | None = None
             ) -> tuple[PageText, tuple[str, ...]]:
    """A PDF's text by pages, and a warning naming its scanned pages left unread.

    A PDF whose only text would come from OCR, without Tesseract, is an UnreadableDocument
    whose reason names the command that installs it: never an empty document.
    """
    unread: list[int] = []
    pages: list[Page] = []
    for page in pdf_pages(raw, path, ocr):
        if page.scanned_unread:
            unread.append(page.number)
        pages.append(Page(page.number, page.lines, page.ocr))
    text = page_text(pages)
    if unread and not text.text.strip():
        raise UnreadableDocument(path, MISSING)
    warnings = (f"{path}: {_pages(unread)} scanned (no text layer) and not read: "
                f"Tesseract is not installed ({INSTALL_HINT})",) if unread else ()
    return text, warnings


def _pages(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:10])) + (", …" if len(numbers) > 10 else "")
    return f"page {shown}" if len(numbers) == 1 else f"{len(numbers)} pages ({shown})"


def _why_no_text(suffix: str) -> str:
    if suffix in PDF_SUFFIXES:
        # Scanned pages (an image, no text layer) are read by OCR or named as such before
        # this: these pages have neither (blank, or text drawn as outlines).
        return "no extractable text (no text layer and no scanned image on any page)"
    if suffix in HTML_SUFFIXES:
        return "no visible text in the HTML"
    return "contains only whitespace"
