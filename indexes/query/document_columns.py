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
from collections.abc import Iterable
from functools import cached_property

import numpy as np

from indexes.query.filters import Filters, date_bounds

_SPECIAL = re.compile(r"[*?\[\]]")


class DocumentColumns:
    """Rowid, file name, full path, path below its root, first and last day, author of
    each live document, in path order."""

    def __init__(self, rows: Iterable[tuple[int, str, str | None, str | None, str | None]]
                 ) -> None:
        ordered = sorted(rows, key=lambda row: row[1])
        self.rowids = np.array([row[0] for row in ordered], dtype=np.int64)
        paths = [row[1] for row in ordered]
        self._paths = _Column(paths, already_sorted=True)
        self._names = _Column([os.path.basename(path) for path in paths])
        self._relative = _Column([_below(path, root) for _, path, root, _, _ in ordered])
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
        for column in (self._names, self._paths, self._relative):
            if column is self._names and "/" in _SPECIAL.sub("", pattern):
                continue  # a literal "/" never matches within a file name
            for i in column.candidates(pattern):
                value = column.values[i]
                if not mask[i] and value is not None and match(value):
                    mask[i] = True
        return mask


class _Column:
    """One text column, with views sorted forwards and by reversed strings for prefix and
    suffix ranges (each built on first use: a sort of every value)."""

    def __init__(self, values: list[str | None], already_sorted: bool = False) -> None:
        self.values = values
        self._already_sorted = already_sorted

    @cached_property
    def _present(self) -> list[int]:
        return [i for i, v in enumerate(self.values) if v is not None]

    @cached_property
    def _forward(self) -> tuple[list[int], list[str]]:
        values = self.values
        order = self._present if self._already_sorted else sorted(self._present,
                                                                  key=values.__getitem__)
        return order, [values[i] for i in order]  # type: ignore[misc]

    @cached_property
    def _backward(self) -> tuple[list[int], list[str]]:
        values = self.values
        order = sorted(self._present, key=lambda i: values[i][::-1])  # type: ignore[index]
        return order, [values[i][::-1] for i in order]  # type: ignore[index]

    def candidates(self, pattern: str) -> Iterable[int]:
        """Positions that can match `pattern`: those starting with its literal prefix or
        ending with its literal suffix, whichever range is smaller (every position if the
        pattern has neither)."""
        pieces = _SPECIAL.split(pattern)
        prefix, suffix = pieces[0], pieces[-1] if len(pieces) > 1 else pieces[0]
        if not prefix and not suffix:
            return range(len(self.values))
        ranges = []
        if prefix:
            order, keys = self._forward
            ranges.append((order, _range(keys, prefix)))
        if suffix:
            order, keys = self._backward
            ranges.append((order, _range(keys, suffix[::-1])))
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
