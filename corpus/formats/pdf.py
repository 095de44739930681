"""Text of a PDF with pypdf: one block per page, pages separated by blank lines."""

from __future__ import annotations

import io
import logging
from pathlib import Path

from ..errors import UnreadableDocument


def pdf_to_text(raw: bytes, path: Path) -> str:
    """Extracted text of every page; raises UnreadableDocument for corrupt or locked files."""
    from pypdf import PdfReader  # lazy: importing corpus must stay light

    # pypdf logs its own complaints ("EOF marker not found") to stderr; the file's fate is
    # reported once, as a skip with its reason, instead.
    logging.getLogger("pypdf").setLevel(logging.ERROR + 10)
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not reader.decrypt(""):
            raise UnreadableDocument(path, "encrypted PDF; save an unlocked copy to index it")
        pages = [page.extract_text() or "" for page in reader.pages]
    except UnreadableDocument:
        raise
    except Exception as exc:  # pypdf raises many types for damaged files
        raise UnreadableDocument(path, f"corrupt or unreadable PDF ({exc})") from exc
    return "\n\n".join(page.strip() for page in pages if page.strip())
