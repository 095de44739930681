"""Restricting a search to some documents: by path glob, date range and author."""

from __future__ import annotations

import calendar
import datetime
import fnmatch
import re
from dataclasses import dataclass
from pathlib import PurePath

from indexes.records import DocumentRecord

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def date_bounds(value: str) -> tuple[str, str]:
    """The first and last day an ISO-8601 prefix covers: "2020" -> 2020-01-01..2020-12-31."""
    match = _DATE.match(value.strip())
    if not match:
        raise ValueError(f"not an ISO-8601 date (YYYY, YYYY-MM or YYYY-MM-DD): {value!r}")
    year, month, day = match.groups()
    try:
        datetime.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        raise ValueError(f"no such date: {value!r} (YYYY, YYYY-MM or YYYY-MM-DD)") from None
    if day:
        return f"{year}-{month}-{day}", f"{year}-{month}-{day}"
    if month:
        last = calendar.monthrange(int(year), int(month))[1]
        return f"{year}-{month}-01", f"{year}-{month}-{last:02d}"
    return f"{year}-01-01", f"{year}-12-31"


@dataclass(frozen=True)
class Filters:
    """Document filters; all given conditions must hold. Dates compare by overlap, so a
    document dated "2020" passes `since="2020-06"`. Undated documents fail date filters."""

    source: str | None = None  # glob on file name, path relative to its root, or full path
    since: str | None = None
    until: str | None = None
    author: str | None = None  # case-insensitive substring

    def __post_init__(self) -> None:
        for value in (self.since, self.until):
            if value is not None:
                date_bounds(value)  # fail early, with the message above
        if self.since and self.until and date_bounds(self.since)[0] > date_bounds(self.until)[1]:
            raise ValueError(f"--since {self.since} is after --until {self.until}")

    @property
    def active(self) -> bool:
        return any(v is not None for v in (self.source, self.since, self.until, self.author))

    def accepts(self, doc: DocumentRecord) -> bool:
        return (self._source_ok(doc) and self._dates_ok(doc.date)
                and self._author_ok(doc.author))

    def _source_ok(self, doc: DocumentRecord) -> bool:
        if self.source is None:
            return True
        path = PurePath(doc.path)
        names = [path.name, doc.path]
        if doc.root:
            try:
                names.append(str(path.relative_to(doc.root)))
            except ValueError:
                pass
        return any(fnmatch.fnmatchcase(name, self.source) for name in names)

    def _dates_ok(self, date: str | None) -> bool:
        if self.since is None and self.until is None:
            return True
        if not date:
            return False
        try:
            first, last = date_bounds(date)
        except ValueError:
            return False
        if self.since is not None and last < date_bounds(self.since)[0]:
            return False
        return self.until is None or first <= date_bounds(self.until)[1]

    def _author_ok(self, author: str | None) -> bool:
        if self.author is None:
            return True
        return author is not None and self.author.casefold() in author.casefold()
