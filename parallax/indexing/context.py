"""What a passage means depends on where it stands: its document's title, author and date,
and the section heading above it. This text is indexed with the passage (lexically) and
prefixed to each of its windows (densely), so that "What did Wang Yi say in 2021 about …"
can match a passage that names neither."""

from __future__ import annotations

import re

from corpus.types import Metadata

_ROMAN = re.compile(r"^[IVXLCDM]+\.?$", re.IGNORECASE)


def meaningful_heading(heading: str | None, title: str | None) -> str | None:
    """The heading, unless it only numbers a section ("II") or repeats the title."""
    if not heading:
        return None
    heading = heading.strip().rstrip("*").strip()
    if len(heading) < 4 or _ROMAN.match(heading) or heading == (title or "").rstrip("*").strip():
        return None
    return heading


def passage_context(meta: Metadata, heading: str | None) -> str:
    """One line: "Title (Author, Publisher, Date) — Heading"; empty when nothing is known."""
    title = (meta.title or "").rstrip("*").strip()
    details = ", ".join(v for v in (meta.author, meta.publisher, meta.date) if v)
    text = title + (f" ({details})" if details else "")
    section = meaningful_heading(heading, meta.title)
    if section:
        text = f"{text} — {section}" if text else section
    return text.strip()
