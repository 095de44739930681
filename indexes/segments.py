"""Segments: the immutable parts a generation is made of.

A generation is a list of segments plus tombstones (documents of older segments replaced or
removed since). Each segment is a folder inside the generation holding its SQLite database
(documents, passages, windows, FTS5), its unit -> passage map and its vector store
(indexes/vectors/). A new generation hard-links the files of the segments it keeps
from the previous one, so a one-file edit writes one small segment, not the whole index.

Ids are global: documents, passages and units of a segment are consecutive ranges starting
at the `first` ids recorded for it in the manifest, so a global id names its segment and a
document's passages and units are id ranges.
"""

from __future__ import annotations

import bisect
import json
import sqlite3
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from indexes.lexical.postings import Lexicon, has_postings
from indexes.vectors.base import DenseStore
from indexes.vectors.factory import FLAT, open_store, store_files

DB_NAME = "index.sqlite"
UNITS_NAME = "window_passages.npy"  # global passage rowid of each unit, by local unit id
SEGMENT_PREFIX = "seg-"
KINDS = ("documents", "passages", "windows")


@dataclass(frozen=True)
class SegmentInfo:
    """A segment as the manifest records it."""

    name: str
    backend: str = FLAT
    first: dict[str, int] = field(default_factory=dict)  # first global id of each kind
    counts: dict[str, int] = field(default_factory=dict)  # rows of each kind it holds
    params: dict[str, int] = field(default_factory=dict)  # approximate backend's

    @property
    def files(self) -> tuple[str, ...]:
        return tuple(f"{self.name}/{n}"
                     for n in (DB_NAME, UNITS_NAME, *store_files(self.backend)))

    def end(self, kind: str) -> int:
        return self.first.get(kind, 0) + self.counts.get(kind, 0)

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "backend": self.backend, "first": self.first,
                "counts": self.counts, "params": self.params}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SegmentInfo:
        if not isinstance(data, dict) or not str(data.get("name", "")).startswith(SEGMENT_PREFIX):
            raise ValueError(f"not a segment: {str(data)[:60]}")
        name = str(data["name"])
        if "/" in name or ".." in name:
            raise ValueError(f"not a segment name: {name!r}")
        return cls(name=name, backend=str(data.get("backend", FLAT)),
                   first={k: int(v) for k, v in dict(data.get("first", {})).items()},
                   counts={k: int(v) for k, v in dict(data.get("counts", {})).items()},
                   params={k: int(v) for k, v in dict(data.get("params", {})).items()})


def read_only_uri(path: Path) -> str:
    # Quoted: "#", "?" and "%" in a folder name would otherwise end the path.
    return "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"


class Segment:
    """Read access to one segment of an open generation; `deleted` holds the global rowids
    of its documents that later segments replaced or that were removed."""

    def __init__(self, generation: Path, info: SegmentInfo, deleted: np.ndarray) -> None:
        self.info = info
        self.folder = generation / info.name
        self.db = sqlite3.connect(read_only_uri(self.folder / DB_NAME), uri=True,
                                  check_same_thread=False)
        self.db.row_factory = sqlite3.Row
        self.deleted = deleted  # sorted global document rowids
        self.first_unit = info.first.get("windows", 0)
        self._dense: DenseStore | None = None
        self._unit_passages: np.ndarray | None = None
        self._ranges: np.ndarray | None = None
        self._live: np.ndarray | None = None
        self._live_passages: np.ndarray | None = None
        self._lexicon: Lexicon | None | bool = False  # False: not looked for yet
        self._deleted_passages: frozenset[int] | None = None
        self._table = False
        # Rows holding a term (all, as FTS5's own statistics count them; live), by term:
        # BM25 across segments asks for them at every question with the term.
        self.term_hits: dict[str, tuple[int, int]] = {}

    def close(self) -> None:
        self._dense = None
        self._unit_passages = None
        self.db.close()

    def holds(self, kind: str, rowid: int) -> bool:
        return self.info.first.get(kind, 0) <= rowid < self.info.end(kind)

    @property
    def dense(self) -> DenseStore:
        if self._dense is None:
            self._dense = open_store(self.folder, self.info.backend, self.info.params)
        return self._dense

    @property
    def lexicon(self) -> Lexicon | None:
        """The segment's stored postings (indexes/lexical/postings.py); None for a segment
        written before they were (its lexical search goes through FTS5's bm25())."""
        if self._lexicon is False:
            self._lexicon = Lexicon(self.db) if has_postings(self.db) else None
        return self._lexicon  # type: ignore[return-value]

    @property
    def unit_passages(self) -> np.ndarray:
        """Global passage rowid of each of this segment's units; memory-mapped."""
        if self._unit_passages is None:
            self._unit_passages = np.load(self.folder / UNITS_NAME, mmap_mode="r")
        return self._unit_passages

    @property
    def ranges(self) -> np.ndarray:
        """(doc rowid, first passage, passages, first unit, units) of every document."""
        if self._ranges is None:
            self._ranges = self._read_ranges("")
        return self._ranges

    def _read_ranges(self, where: str, *args: object) -> np.ndarray:
        cursor = self.db.cursor()
        cursor.row_factory = None  # plain tuples: a Row per document costs more than it
        rows = cursor.execute(f"SELECT rowid, first_passage, n_passages, first_unit, n_units"
                              f" FROM documents {where} ORDER BY rowid", args).fetchall()
        return np.array(rows, dtype=np.int64).reshape(-1, 5)

    def unit_mask(self, doc_rowids: np.ndarray | None) -> np.ndarray | None:
        """Boolean mask over this segment's units: live units of `doc_rowids` (all live
        documents when None); None when every unit is allowed."""
        if doc_rowids is None:
            return self.live_units()
        chosen = self.ranges_of(doc_rowids)
        mask = ranges_mask(self.info.counts.get("windows", 0), chosen[:, 3] - self.first_unit,
                            chosen[:, 4])
        live = self.live_units()
        return mask if live is None else mask & live

    def live_units(self) -> np.ndarray | None:
        if not len(self.deleted):
            return None
        if self._live is None:
            gone = self._deleted_ranges()
            dead = ranges_mask(self.info.counts.get("windows", 0), gone[:, 3] - self.first_unit,
                                gone[:, 4])
            self._live = ~dead
        return self._live

    def passage_mask(self, doc_rowids: np.ndarray | None) -> np.ndarray | None:
        """Boolean mask over this segment's passages: live passages of `doc_rowids` (all
        live passages when None); None when every passage is allowed."""
        if doc_rowids is None:
            return self.live_passages()
        chosen = self.ranges_of(doc_rowids)
        mask = ranges_mask(self.info.counts.get("passages", 0),
                            chosen[:, 1] - self.info.first.get("passages", 0), chosen[:, 2])
        live = self.live_passages()
        return mask if live is None else mask & live

    def live_passages(self) -> np.ndarray | None:
        if not len(self.deleted):
            return None
        if self._live_passages is None:
            gone = self._deleted_ranges()
            dead = ranges_mask(self.info.counts.get("passages", 0),
                                gone[:, 1] - self.info.first.get("passages", 0), gone[:, 2])
            self._live_passages = ~dead
        return self._live_passages

    @property
    def deleted_passages(self) -> frozenset[int]:
        """Rowids of the passages of this segment's tombstoned documents."""
        if self._deleted_passages is None:
            gone = self._deleted_ranges()
            self._deleted_passages = frozenset(
                int(a) + i for a, n in zip(gone[:, 1], gone[:, 2], strict=True)
                for i in range(int(n)))
        return self._deleted_passages

    def deleted_passages_table(self) -> str | None:
        """Name of a temporary table of `deleted_passages` (for SQL that must skip them),
        or None when there are none."""
        if not len(self.deleted):
            return None
        if not self._table:
            self.db.execute("CREATE TEMP TABLE IF NOT EXISTS deleted_passages"
                            " (rowid INTEGER PRIMARY KEY)")
            self.db.executemany("INSERT OR IGNORE INTO temp.deleted_passages VALUES (?)",
                                [(r,) for r in self.deleted_passages])
            self._table = True
        return "temp.deleted_passages"

    def _deleted_ranges(self) -> np.ndarray:
        if self._ranges is not None:
            return self.ranges_of(self.deleted)
        # The tombstoned documents' rows alone: a question without a filter needs no more,
        # and reading every document's would be most of a cold `ask` at a million passages.
        return self._read_ranges("WHERE rowid IN (SELECT value FROM json_each(?))",
                                 json.dumps(self.deleted.tolist()))

    def ranges_of(self, doc_rowids: np.ndarray) -> np.ndarray:
        """The rows of `ranges` of those of `doc_rowids` (any order, any segment's) this
        segment holds, in rowid order. Found by bisection in the sorted rowids: a filter
        allows tens of thousands of documents, and np.isin would sort them with the
        segment's own at every question."""
        ranges = self.ranges
        ids = ranges[:, 0]
        if not len(ids):
            return ranges
        wanted = np.asarray(doc_rowids, dtype=np.int64)
        wanted = wanted[(wanted >= ids[0]) & (wanted <= ids[-1])]
        at = np.searchsorted(ids, wanted)
        return ranges[np.unique(at[ids[at] == wanted])]

    def is_deleted(self, doc_rowid: int) -> bool:
        i = bisect.bisect_left(self.deleted, doc_rowid)  # type: ignore[arg-type]
        return i < len(self.deleted) and int(self.deleted[i]) == doc_rowid


def ranges_mask(size: int, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """A mask of `size` with [s, s + n) set for every (s, n): ranges that are disjoint and in
    order, as a segment's documents' passages and units are. Written as alternating runs
    (np.repeat): a mask over millions of units in a few milliseconds, with no Python loop
    over ranges and no running sum."""
    lengths = np.asarray(lengths, dtype=np.int64)
    keep = lengths > 0
    starts, lengths = np.asarray(starts, dtype=np.int64)[keep], lengths[keep]
    if len(starts) > 1 and not np.all(starts[1:] > starts[:-1]):
        order = np.argsort(starts, kind="stable")
        starts, lengths = starts[order], lengths[order]
    edges = np.empty(2 * len(starts) + 2, dtype=np.int64)
    edges[0], edges[-1] = 0, size
    edges[1:-1:2], edges[2:-1:2] = starts, starts + lengths
    values = np.zeros(len(edges) - 1, dtype=bool)
    values[1::2] = True  # runs: before the first range, the range, the gap after it, ...
    return np.repeat(values, np.diff(edges))


def segment_of(segments: list[Segment], kind: str, rowid: int) -> Segment | None:
    """The segment whose `kind` ids hold `rowid` (segments are ordered by first ids)."""
    firsts = [s.info.first.get(kind, 0) for s in segments]
    i = bisect.bisect_right(firsts, rowid) - 1
    if i >= 0 and segments[i].holds(kind, rowid):
        return segments[i]
    return None
