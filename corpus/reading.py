"""Files to text: plain text and Markdown are decoded, HTML and PDF have their text extracted.

Offsets and line numbers of passages refer to the text returned here: for .txt and .md, the
decoded file with newlines normalised to "\\n"; for HTML and PDF, the extracted text.
"""

from __future__ import annotations

from pathlib import Path

from .decoding import decode_bytes, normalise_newlines
from .errors import UnreadableDocument
from .html_text import html_to_text
from .pdf_text import pdf_to_text

TEXT_SUFFIXES = frozenset({".txt", ".md", ".markdown"})
HTML_SUFFIXES = frozenset({".html", ".htm"})
PDF_SUFFIXES = frozenset({".pdf"})
SUPPORTED_SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | PDF_SUFFIXES

__all__ = ["SUPPORTED_SUFFIXES", "decode_document", "normalise_newlines", "read_bytes", "read_text"]


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
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        supported = " ".join(sorted(SUPPORTED_SUFFIXES))
        raise UnreadableDocument(path, f"unsupported file type {suffix!r} (supported: {supported})")
    if not raw:
        raise UnreadableDocument(path, "empty file")
    if suffix in PDF_SUFFIXES:
        text, encoding = pdf_to_text(raw, path), "pdf"
    else:
        text, encoding = decode_bytes(raw, path)
        if suffix in HTML_SUFFIXES:
            text = html_to_text(text)
    text = normalise_newlines(text)
    if not text.strip():
        raise UnreadableDocument(path, _why_no_text(suffix))
    return text, encoding


def _why_no_text(suffix: str) -> str:
    if suffix in PDF_SUFFIXES:
        return "no extractable text (a scanned PDF? run OCR on it first)"
    if suffix in HTML_SUFFIXES:
        return "no visible text in the HTML"
    return "contains only whitespace"
