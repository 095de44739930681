"""The columns filters read, for every live document, held column-wise.

A filter used to be a Python test of every document (125,000 at a million passages: over a
second for each new `--source` glob). Here dates are integer arrays compared at once,
authors are matched once per distinct author, and a glob is tried only on the names that
share its literal prefix or suffix, found by bisection in sorted views. `Filters.accepts`
stays the definition; tests check that both agree.
"""

from __future__ import annotations

import bisect
import fnmatch
import os
import re
from collections.abc import Callable, Iterable
from functools import cached_property

import numpy as np

from indexes.filters import Filters, date_bounds

_SPECIAL = re.compile(r"[*?\[\]]")


class DocumentColumns:
    """Rowid, file name, full path, path below its root, first and last day, author of
    each live document, in path order."""

    def __init__(self, rows: Iterable[tuple[int, str, str | None, str | None, str | None]]
                 ) -> None:
        ordered = sorted(rows, key=lambda row: row[1])
        self.rowids = np.array([row[0] for row in ordered], dtype=np.int64)
        self._paths = [row[1] for row in ordered]
        self._names = [os.path.basename(path) for path in self._paths]
        self._relative = [_below(path, root) for _, path, root, _, _ in ordered]
        days = [_days(row[3]) for row in ordered]
        self._first = np.array([d[0] for d in days], dtype=np.int64)
        self._last = np.array([d[1] for d in days], dtype=np.int64)
        authors = [row[4] for row in ordered]
        self._author_values = sorted({a for a in authors if a is not None})
        code = {value: i for i, value in enumerate(self._author_values)}
        self._author_codes = np.array([code.get(a, -1) if a is not None else -1
                                       for a in authors], dtype=np.int64)

    def __len__(self) -> int:
        return len(self.rowids)

    def select(self, filters: Filters) -> list[int]:
        """Rowids of the documents that pass `filters`, in path order."""
        mask = np.ones(len(self), dtype=bool)
        if filters.source is not None:
            mask &= self._glob(filters.source)
        if filters.since is not None or filters.until is not None:
            mask &= self._first > 0
            if filters.since is not None:
                mask &= self._last >= _day(date_bounds(filters.since)[0])
            if filters.until is not None:
                mask &= self._first <= _day(date_bounds(filters.until)[1])
        if filters.author is not None:
            wanted = filters.author.casefold()
            codes = [i for i, a in enumerate(self._author_values) if wanted in a.casefold()]
            mask &= np.isin(self._author_codes, codes)
        return self.rowids[mask].tolist()

    def _glob(self, pattern: str) -> np.ndarray:
        """Documents whose file name, full path or path below its root matches `pattern`
        (fnmatch, case-sensitive), as `Filters.accepts` reads it."""
        match = re.compile(fnmatch.translate(pattern)).match
        mask = np.zeros(len(self), dtype=bool)
        for column, views in ((self._names, "_name_views"), (self._paths, "_path_views"),
                              (self._relative, "_relative_views")):
            if column is self._names and "/" in _SPECIAL.sub("", pattern):
                continue  # a literal "/" never matches within a file name
            for i in _candidates(pattern, column, lambda name=views: getattr(self, name)):
                value = column[i]
                if not mask[i] and value is not None and match(value):
                    mask[i] = True
        return mask

    @cached_property
    def _name_views(self) -> _SortedViews:
        return _SortedViews(self._names)

    @cached_property
    def _path_views(self) -> _SortedViews:
        return _SortedViews(self._paths, already_sorted=True)

    @cached_property
    def _relative_views(self) -> _SortedViews:
        return _SortedViews(self._relative)


class _SortedViews:
    """A column sorted forwards and by its reversed strings, for prefix and suffix ranges
    (built on first use: a sort of every value)."""

    def __init__(self, column: list[str | None], already_sorted: bool = False) -> None:
        present = [i for i, v in enumerate(column) if v is not None]
        self.forward = present if already_sorted else sorted(present, key=column.__getitem__)
        self.forward_keys = [column[i] for i in self.forward]
        self.backward = sorted(present, key=lambda i: column[i][::-1])  # type: ignore[index]
        self.backward_keys = [column[i][::-1] for i in self.backward]  # type: ignore[index]


def _candidates(pattern: str, column: list[str | None],
                views: Callable[[], _SortedViews]) -> Iterable[int]:
    """Positions of `column` that can match `pattern`: those starting with its literal
    prefix or ending with its literal suffix, whichever range is smaller (every value if
    the pattern has neither)."""
    pieces = _SPECIAL.split(pattern)
    prefix, suffix = pieces[0], pieces[-1] if len(pieces) > 1 else pieces[0]
    if not prefix and not suffix:
        return range(len(column))
    sorted_views = views()
    ranges = []
    if prefix:
        ranges.append((sorted_views.forward, _range(sorted_views.forward_keys, prefix)))
    if suffix:
        ranges.append((sorted_views.backward, _range(sorted_views.backward_keys, suffix[::-1])))
    positions, (start, stop) = min(ranges, key=lambda r: r[1][1] - r[1][0])
    return positions[start:stop]


def _range(keys: list[str], prefix: str) -> tuple[int, int]:
    start = bisect.bisect_left(keys, prefix)
    return start, bisect.bisect_left(keys, prefix + "\U0010ffff", lo=start)


def _below(path: str, root: str | None) -> str | None:
    """`path` relative to `root`, or None when it is not below it (as PurePath.relative_to)."""
    if not root:
        return None
    if path == root:
        return "."
    base = root.rstrip("/") + "/"
    return path[len(base):] if path.startswith(base) and len(path) > len(base) else None


_DAYS: dict[str | None, tuple[int, int]] = {}


def _days(date: str | None) -> tuple[int, int]:
    """First and last day a document's date covers, as YYYYMMDD integers; (0, 0) when it
    has none or it cannot be read (such documents fail every date filter)."""
    if date not in _DAYS:
        try:
            first, last = date_bounds(date) if date else ("", "")
        except ValueError:
            first, last = "", ""
        _DAYS[date] = (_day(first), _day(last)) if first else (0, 0)
    return _DAYS[date]


def _day(iso: str) -> int:
    return int(iso.replace("-", ""))
