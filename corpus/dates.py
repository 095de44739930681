"""Dates written in prose ("April 6, 2017", "Jan. 17, 2025", "2021-12-28") and ISO prefixes."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
    "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sept?(?:ember)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4})"
# Only day-precision dates count: a bare "2005" or "February 1972" in prose is usually a date
# the text talks about, not the date of the text.
_PATTERNS = [
    re.compile(rf"\b{_YEAR}-(?P<mnum>\d{{2}})-{_DAY}\b"),
    re.compile(rf"\b{_YEAR}/(?P<mnum>\d{{1,2}})/{_DAY}\b"),
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),
    re.compile(rf"\b{_DAY}\s+{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),
]
_ISO_PREFIX = re.compile(r"(?P<year>\d{4})(?:-(?P<month>\d{2})(?:-(?P<day>\d{2}))?)?")
_WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())


@dataclass(frozen=True)
class FoundDate:
    start: int
    end: int
    iso: str  # YYYY-MM-DD


def find_dates(text: str) -> list[FoundDate]:
    """Valid day-precision dates in `text`, in order of appearance."""
    found: list[FoundDate] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text):
            iso = _to_iso(match)
            if iso is not None:
                found.append(FoundDate(match.start(), match.end(), iso))
    return sorted(found, key=lambda date: date.start)


def _to_iso(match: re.Match[str]) -> str | None:
    groups = match.groupdict()
    month = int(groups["mnum"]) if groups.get("mnum") else _MONTHS[groups["month"][:3].lower()]
    try:
        date = dt.date(int(groups["year"]), month, int(groups["day"]))
    except ValueError:
        return None
    return date.isoformat() if 1000 <= date.year <= 2999 else None


def is_dateline(text: str) -> bool:
    """True if a line is essentially a date ("April 6, 2017", "Beijing, Monday, 6 April 2017")."""
    dates = find_dates(text)
    if not dates:
        return False
    rest = text[: dates[0].start] + text[dates[0].end :]
    leftover = [w for w in re.findall(r"[^\W\d_]+", rest) if w.lower() not in _WEEKDAYS]
    return len(leftover) <= 2


def is_iso_date_prefix(value: str) -> bool:
    """True for "2005", "2025-01", "2017-04-06" with a real month and day."""
    match = _ISO_PREFIX.fullmatch(value)
    if match is None:
        return False
    month, day = match.group("month"), match.group("day")
    try:
        dt.date(int(match.group("year")), int(month or 1), int(day or 1))
    except ValueError:
        return False
    return True
