"""Sources for `compare`: each document alone, or the documents of one author or one year,
in date order (undated last)."""

from __future__ import annotations

from enum import Enum

from indexes import DocumentRecord

UNKNOWN_AUTHOR = "(unknown author)"
UNDATED = "(undated)"


class GroupBy(str, Enum):
    document = "document"
    author = "author"
    year = "year"


def group_sources(documents: list[DocumentRecord],
                  by: GroupBy) -> dict[str, tuple[str, list[DocumentRecord]]]:
    """Source key -> (label, documents). `documents` come in date order (undated last);
    groups keep the order of their earliest document, except years, which sort by year."""
    groups: dict[str, tuple[str, list[DocumentRecord]]] = {}
    for doc in documents:
        if by is GroupBy.document:
            key, label = doc.id, doc_label(doc)
        elif by is GroupBy.author:
            key = label = doc.author or UNKNOWN_AUTHOR
        else:
            key = label = (doc.date or "")[:4] or UNDATED
        groups.setdefault(key, (label, []))[1].append(doc)
    if by is GroupBy.year:
        groups = dict(sorted(groups.items(), key=lambda kv: (kv[0] == UNDATED, kv[0])))
    return groups


def doc_label(doc: DocumentRecord) -> str:
    """"2020-08-07 · Yang Jiechi · Respect History, …"."""
    parts = [doc.date or "undated", doc.author, doc.title or "(untitled)"]
    return " · ".join(p for p in parts if p)
