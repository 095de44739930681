"""Text of a Word .docx file with python-docx, in document order: paragraphs separated by blank
lines, headings (from paragraph styles and outline levels) as Markdown "#" lines so that the
paragraph splitter takes them as headings, and each table row as one "| a | b |" line, as HTML
tables are read. Passages point into this extracted text, as for PDF."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ..errors import UnreadableDocument

# Word's built-in heading styles in English and in the languages whose names python-docx
# reports as they are stored; an outline level on the paragraph also makes it a heading.
_HEADING_STYLE = re.compile(
    r"(?i)^(?:heading|überschrift|titre|título|titolo|kop|заголовок|标题|見出し)\s*(\d)$")
_TITLE_STYLES = frozenset({"title", "titel", "titre", "título", "titolo", "标题", "表題"})
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .doc, or a password-protected .docx


def docx_to_text(raw: bytes, path: Path) -> str:
    """The text of a .docx file; raises UnreadableDocument for a damaged or locked file."""
    if raw.startswith(_OLE_MAGIC):
        raise UnreadableDocument(
            path, "an old binary Word file or a password-protected .docx; save it as an "
                  "unprotected .docx")
    try:
        import docx  # lazy: importing corpus must stay light
        from docx.table import Table
        from docx.text.paragraph import Paragraph

        document = docx.Document(io.BytesIO(raw))
        blocks: list[str] = []
        for element in document.element.body.iterchildren():
            tag = element.tag.rsplit("}", 1)[-1]
            if tag == "p":
                block = _paragraph(Paragraph(element, document))
            elif tag == "tbl":
                block = _table(Table(element, document))
            else:
                continue
            if block:
                blocks.append(block)
    except UnreadableDocument:
        raise
    except Exception as exc:  # zipfile, lxml and python-docx raise many types
        detail = " ".join(str(exc).split())[:160] or type(exc).__name__
        raise UnreadableDocument(path, f"damaged or not a Word .docx file ({detail})") from exc
    return "\n\n".join(blocks)


def _paragraph(paragraph: Any) -> str:
    text = "\n".join(line.strip() for line in paragraph.text.splitlines() if line.strip())
    if not text:
        return ""
    level = _heading_level(paragraph)
    if level is None:
        return text
    return "#" * level + " " + " ".join(text.split())


def _heading_level(paragraph: Any) -> int | None:
    """1 for a title, 2-6 for headings (Heading 1 is level 2), None for body text."""
    try:
        name = (paragraph.style.name or "").strip() if paragraph.style is not None else ""
    except (KeyError, AttributeError, ValueError):
        name = ""
    if name.lower() in _TITLE_STYLES:
        return 1
    match = _HEADING_STYLE.match(name)
    if match:
        return min(int(match.group(1)) + 1, 6)
    outline = paragraph._p.find(".//{*}outlineLvl")  # a heading level set on the paragraph
    if outline is not None:
        value = outline.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}val")
        if value is not None and value.isdigit() and int(value) < 9:
            return min(int(value) + 2, 6)
    return None


def _table(table: Any) -> str:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        seen: list[Any] = []  # the cells' XML elements, held so that identity is stable
        for cell in row.cells:
            if any(cell._tc is element for element in seen):
                continue  # a merged cell is reported once per grid column it spans
            seen.append(cell._tc)
            cells.append(" ".join(cell.text.split()))
        if any(cells):
            rows.append("| " + " | ".join(cells) + " |")
    return "\n".join(rows)
