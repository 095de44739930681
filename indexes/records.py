"""Rows read back from an index, as plain data."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field


@dataclass(frozen=True)
class DocumentRecord:
    rowid: int
    id: str
    path: str
    root: str | None
    title: str | None
    date: str | None
    author: str | None
    publisher: str | None
    extra: dict[str, str] = field(default_factory=dict)
    title_inferred: bool = False
    date_inferred: bool = False
    encoding: str | None = None
    content_hash: str = ""
    n_passages: int = 0
    metadata_key: str = ""
    size: int = -1
    mtime_ns: int = -1
    first_passage: int = 0
    first_unit: int = 0
    n_units: int = 0

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> DocumentRecord:
        values = dict(row)
        values["extra"] = json.loads(values["extra"] or "{}")
        values["title_inferred"] = bool(values["title_inferred"])
        values["date_inferred"] = bool(values["date_inferred"])
        return cls(**values)


@dataclass(frozen=True)
class PassageRecord:
    rowid: int
    id: str
    doc_rowid: int
    ordinal: int
    heading: str | None
    text: str
    context: str
    char_start: int
    char_end: int
    line_start: int
    line_end: int
    # Paged formats: first and last page; None for others and for segments written before
    # pages were recorded (their table has no such columns).
    page_start: int | None = None
    page_end: int | None = None
    ocr: bool = False

    @property
    def pages(self) -> tuple[int, int] | None:
        return None if self.page_start is None else (self.page_start, self.page_end or
                                                      self.page_start)

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> PassageRecord:
        values = dict(row)
        values["ocr"] = bool(values.get("ocr", 0))
        return cls(**values)
