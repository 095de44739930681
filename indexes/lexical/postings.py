"""Term postings of a segment, written beside its FTS5 index, for BM25 without FTS5's cost.

FTS5 ranks with bm25(), which reads every matching row's column sizes: about 1.2 µs per
row holding any of the question's words. At a million passages common words match a
hundred thousand rows of a segment, and a question took 100 ms to a second (docs/scale.md).
The segment writer therefore also stores, for each term of the FTS5 index, the passages
holding it and how often (in the text and in the context), and each passage's length in
tokens. Scoring is then a few array operations over those postings (lexical/bm25.py), with
FTS5's own formula, so that rankings do not change.

Terms are read from FTS5's own index (its `fts5vocab` instance table), so that tokenizing,
stemming and CJK handling are FTS5's, not a copy of them.
"""

from __future__ import annotations

import sqlite3
import threading
from functools import lru_cache

import numpy as np

TABLE = "lexical_postings"
LENGTHS = "lexical_lengths"
TOKENIZER = "porter unicode61 remove_diacritics 2"  # schema.py's passages_fts
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS {TABLE} (
    term TEXT PRIMARY KEY,
    rows BLOB NOT NULL,  -- uint32: passage rowid minus the segment's first passage rowid
    tf BLOB NOT NULL     -- uint16 pairs: occurrences in the text, in the context
);
-- One row: uint32 tokens (text and context) of each passage, by passage rowid - first.
CREATE TABLE IF NOT EXISTS {LENGTHS} (lengths BLOB NOT NULL);
"""


BLOCK = 1 << 22  # occurrences taken apart at a time (a few tens of MB of arrays)


def write_postings(db: sqlite3.Connection, first_passage: int, passages: int) -> None:
    """Write the postings of `db`'s passages_fts (built already) into `db`."""
    db.executescript(SCHEMA)
    db.execute("CREATE VIRTUAL TABLE temp.fts_instances USING fts5vocab(main, passages_fts,"
               " instance)")
    lengths = np.zeros(passages, dtype=np.int64)
    try:
        # One row per term, its occurrences as "passage * 2 + in context" (passage, then
        # column): the work per occurrence stays in SQLite's C, and the terms are taken
        # apart a block at a time (a few numpy calls per term cost 2.5 s of a 7 s one-file
        # edit of 5,000 abstracts).
        block: list[tuple[str, str]] = []
        size = 0
        for term, codes in db.execute(
                "SELECT term, group_concat((doc - ?) * 2 + (col = 'context'))"
                " FROM temp.fts_instances GROUP BY term", (first_passage,)):
            block.append((term, codes))
            size += len(codes)
            if size >= BLOCK * 4:  # about four characters an occurrence
                _write_block(db, block, lengths)
                block, size = [], 0
        _write_block(db, block, lengths)
    finally:
        db.execute("DROP TABLE temp.fts_instances")
    if len(lengths) and lengths.max() > np.iinfo(np.uint32).max:
        raise ValueError("a passage longer than 2**32 tokens")
    db.execute(f"DELETE FROM {LENGTHS}")
    db.execute(f"INSERT INTO {LENGTHS} VALUES (?)", (lengths.astype("<u4").tobytes(),))


def _write_block(db: sqlite3.Connection, block: list[tuple[str, str]],
                 lengths: np.ndarray) -> None:
    """Insert the postings of a block of terms (term, its occurrence codes joined by commas)
    and add their occurrences to the passages' `lengths`."""
    if not block:
        return
    sizes = np.array([codes.count(",") + 1 for _, codes in block], dtype=np.int64)
    codes = np.fromstring(",".join(c for _, c in block), dtype=np.int64, sep=",")
    term_of = np.repeat(np.arange(len(block), dtype=np.int64), sizes)
    rows, tf, ends = _postings(term_of, codes, len(block))
    lengths += np.bincount(rows, weights=tf.sum(axis=1),
                           minlength=len(lengths)).astype(np.int64)[:len(lengths)]
    stored_rows = rows.astype("<u4")
    stored_tf = np.minimum(tf, np.iinfo(np.uint16).max).astype("<u2")
    starts = np.r_[0, ends[:-1]]
    db.executemany(f"INSERT INTO {TABLE} VALUES (?, ?, ?)",
                   ((term, stored_rows[a:b].tobytes(), stored_tf[a:b].tobytes())
                    for (term, _), a, b in zip(block, starts.tolist(), ends.tolist(),
                                               strict=True)))


def _postings(term_of: np.ndarray, codes: np.ndarray, terms: int
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The passages and (text, context) occurrences of several terms, term after term,
    from their occurrence codes (`term_of` saying whose): passage offsets, occurrences
    (n × 2), and where each term's run ends."""
    in_order = (term_of[1:] > term_of[:-1]) | ((term_of[1:] == term_of[:-1])
                                               & (codes[1:] >= codes[:-1]))
    if not in_order.all():  # fts5vocab yields them in order; sort if it ever does not
        order = np.lexsort((codes, term_of))
        term_of, codes = term_of[order], codes[order]
    new = np.r_[True, (term_of[1:] != term_of[:-1]) | (codes[1:] != codes[:-1])]
    starts = np.flatnonzero(new)
    distinct_term, distinct = term_of[starts], codes[starts]
    counts = np.diff(np.r_[starts, len(codes)])
    row = distinct >> 1
    # A passage's two columns are neighbours (code = passage * 2 + column): one posting.
    first = np.r_[True, (distinct_term[1:] != distinct_term[:-1]) | (row[1:] != row[:-1])]
    posting = np.cumsum(first) - 1
    rows = row[first]
    tf = np.zeros((len(rows), 2), dtype=np.int64)
    tf[posting, distinct & 1] = counts
    ends = np.searchsorted(distinct_term[first], np.arange(terms), side="right")
    return rows, tf, ends


def has_postings(db: sqlite3.Connection) -> bool:
    return db.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?",
                      (TABLE,)).fetchone() is not None


def read_postings(db: sqlite3.Connection, token: str) -> tuple[np.ndarray, np.ndarray]:
    """(passage offsets, (text, context) occurrences) of a token; empty when absent."""
    row = db.execute(f"SELECT rows, tf FROM {TABLE} WHERE term = ?", (token,)).fetchone()
    if row is None:
        return np.zeros(0, dtype=np.uint32), np.zeros((0, 2), dtype=np.uint16)
    return (np.frombuffer(row[0], dtype="<u4"),
            np.frombuffer(row[1], dtype="<u2").reshape(-1, 2))


def read_lengths(db: sqlite3.Connection) -> np.ndarray:
    row = db.execute(f"SELECT lengths FROM {LENGTHS}").fetchone()
    return np.frombuffer(row[0], dtype="<u4") if row else np.zeros(0, dtype=np.uint32)


_tokenizer_lock = threading.Lock()


@lru_cache(maxsize=1)
def _tokenizer() -> sqlite3.Connection:
    db = sqlite3.connect(":memory:", check_same_thread=False)
    db.execute(f"CREATE VIRTUAL TABLE t USING fts5(x, tokenize='{TOKENIZER}')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, instance)")
    return db


@lru_cache(maxsize=4096)
def index_tokens(text: str) -> tuple[str, ...]:
    """The tokens FTS5 makes of `text` (in the index's form), in order: stemmed,
    lower-cased, without diacritics, exactly as passages_fts reads a passage."""
    with _tokenizer_lock:
        db = _tokenizer()
        db.execute("INSERT INTO t (rowid, x) VALUES (1, ?)", (text,))
        try:
            return tuple(r[0] for r in db.execute("SELECT term FROM v ORDER BY offset"))
        finally:
            db.execute("DELETE FROM t")


class Lexicon:
    """A segment's postings and passage lengths, read from its database as asked."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db
        self._lengths: np.ndarray | None = None
        self._live_tokens: int | None = None
        # BM25's length part of each passage for an average length (indexes.lexical.bm25 keeps it).
        self.norms: tuple[float, np.ndarray] | None = None

    @property
    def lengths(self) -> np.ndarray:
        """Tokens of each passage (text and context), by passage rowid - first."""
        if self._lengths is None:
            self._lengths = read_lengths(self.db)
        return self._lengths

    def read(self, token: str) -> tuple[np.ndarray, np.ndarray]:
        return read_postings(self.db, token)

    def live_tokens(self, alive: np.ndarray | None) -> int:
        """Tokens of the live passages; `alive` is the segment's mask of them, fixed for
        the segment's life, so the sum is kept."""
        if self._live_tokens is None:
            lengths = self.lengths.astype(np.int64)
            self._live_tokens = int(lengths.sum() if alive is None else lengths[alive].sum())
        return self._live_tokens
