"""Files to text: plain text and Markdown are decoded, HTML and PDF have their text extracted.

Passages are found in the text returned here: for .txt and .md, the decoded file with newlines
normalised to "\\n"; for HTML and PDF, the extracted text. For HTML, `decode` also returns the
decoded markup and where each character of the text came from in it, so that documents.py can
point passages into the file itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .decoding import decode_bytes, normalise_newlines
from .errors import UnreadableDocument
from .html_text import ExtractedText, extract_html
from .pdf_text import pdf_to_text

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
PDF_SUFFIXES = frozenset({".pdf"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES

__all__ = [
    "SUPPORTED_SUFFIXES",
    "Decoded",
    "decode",
    "decode_document",
    "normalise_newlines",
    "read_bytes",
    "read_text",
]


@dataclass(frozen=True)
class Decoded:
    """A file's text as passages are found in it, and for HTML the markup it came from."""

    text: str  # newlines normalised; for HTML and PDF, the extracted text
    encoding: str  # "pdf" for PDFs
    html: ExtractedText | None = None  # HTML: `text` with each character's span in `source`
    source: str | None = None  # HTML: the decoded markup, newlines normalised


def read_text(path: Path) -> tuple[str, str]:
    """The text of a supported file and the encoding it was decoded with ("pdf" for PDFs).

    Raises UnreadableDocument(path, reason) if the file is missing, unreadable, binary,
    undecodable, corrupt, or has no text.
    """
    return decode_document(read_bytes(path), path)


def read_bytes(path: Path) -> bytes:
    """The raw bytes of a file, with OS errors turned into UnreadableDocument."""
    try:
        return path.read_bytes()
    except FileNotFoundError as exc:
        raise UnreadableDocument(path, "file not found (moved or deleted?)") from exc
    except PermissionError as exc:
        raise UnreadableDocument(path, "permission denied; check the file's permissions") from exc
    except IsADirectoryError as exc:
        raise UnreadableDocument(path, "is a folder, not a file") from exc
    except OSError as exc:
        raise UnreadableDocument(path, f"cannot be read: {exc.strerror or exc}") from exc


def decode_document(raw: bytes, path: Path) -> tuple[str, str]:
    """Text and encoding of a file's raw bytes, chosen by the file's suffix."""
    decoded = decode(raw, path)
    return decoded.text, decoded.encoding


def decode(raw: bytes, path: Path) -> Decoded:
    """`decode_document`, with the markup and the character spans for HTML.

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
    if suffix in PDF_SUFFIXES:
        text, encoding = pdf_to_text(raw, path), "pdf"
    else:
        text, encoding = decode_bytes(raw, path)
        if suffix in HTML_SUFFIXES:
            source = normalise_newlines(text)
            html = extract_html(source)  # its text has its newlines normalised already
            text = html.text
    text = normalise_newlines(text)
    if not text.strip():
        raise UnreadableDocument(path, _why_no_text(suffix))
    return Decoded(text, encoding, html, source)


def _why_no_text(suffix: str) -> str:
    if suffix in PDF_SUFFIXES:
        return "no extractable text (a scanned PDF? run OCR on it first)"
    if suffix in HTML_SUFFIXES:
        return "no visible text in the HTML"
    return "contains only whitespace"
