"""Compaction: when to merge segments, which, and the merge itself.

Every new segment makes a query visit one more database and vector store, and every
tombstone is dead weight in both; merging rewrites live documents, so it is done only when
it pays: a small index is kept as one segment (so it ranks exactly as a fresh build; that
merge happens inside the run's own generation, GenerationWriter.merge_all_if_small), a
large one merges its small segments once there are too many (the largest stays as it is,
so a merge costs what changed since, not the whole collection), and everything when too
much of it is tombstoned.

This module holds the policy (which segments to merge) and the merge itself (copying a
segment's live rows and vectors into a new one, `copy_live`); GenerationWriter only does the
generation's bookkeeping around it (which segments a generation keeps).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

import numpy as np

from indexes.schema import DOCUMENT_COLUMNS, PASSAGE_COLUMNS, passage_columns_from
from indexes.segments import DB_NAME, KINDS, Segment
from indexes.store_settings import StoreSettings
from indexes.vectors.base import VectorSpill
from indexes.vectors.factory import written_at

if TYPE_CHECKING:
    from indexes.reader import IndexReader

COPY_BLOCK = 65536  # vectors carried over at a time


class MergeTarget(Protocol):
    """The segment being written that a merge copies into (indexes.writer.SegmentWriter)."""

    db: sqlite3.Connection
    next_ids: dict[str, int]
    spill: VectorSpill


def merge_plan(reader: IndexReader, store: StoreSettings, force: bool = False) -> list[Segment]:
    """The segments to merge into one (empty: leave the index as it is)."""
    segments = list(reader.segments)
    if not segments:
        return []
    untidy = len(segments) > 1 or len(reader.deleted) > 0
    if force:
        # Also a single segment whose vectors are not at the store's precision: that is
        # how an index written before sq8 is made compact (`parallax index --compact`).
        outdated = any(not written_at(s.info.backend, store.precision) for s in segments)
        return segments if untidy or outdated else []
    live = reader.manifest.counts.get("passages", 0)
    stored = sum(s.info.counts.get("passages", 0) for s in segments)
    if stored and (stored - live) / stored > store.max_deleted_share:
        return segments
    if len(segments) > store.max_segments:
        largest = max(segments, key=lambda s: s.info.counts.get("passages", 0))
        return [s for s in segments if s is not largest]
    return []


def merges_everything(live_passages: int, segments: int, tombstones: bool,
                      store: StoreSettings) -> bool:
    """Whether a generation of `segments` holding `live_passages` (and `tombstones` or not)
    is small enough to be made one segment before it is published."""
    untidy = segments > 1 or tombstones
    return untidy and live_passages <= store.compact_below


def copy_live(target: MergeTarget, segment: Segment, deleted: Sequence[int]) -> None:
    """Carry a segment's documents but `deleted` over into the segment being written,
    renumbered from its next ids, vectors included, in bulk."""
    db = target.db
    db.commit()  # ATTACH is refused inside a transaction
    db.execute("ATTACH DATABASE ? AS old", (str(segment.folder / DB_NAME),))
    try:
        db.execute("CREATE TEMP TABLE gone (rowid INTEGER PRIMARY KEY)")
        db.executemany("INSERT INTO gone VALUES (?)",
                       [(int(r),) for r in deleted])
        base = {kind: target.next_ids[kind] for kind in KINDS}
        # Old -> new ids, in the old order, so that each document's passages and units
        # stay consecutive.
        # Keyed by the old id, so that each join below is a lookup, not a scan.
        for table in ("dmap", "pmap", "umap"):
            db.execute(f"CREATE TEMP TABLE {table} (old INTEGER PRIMARY KEY, new INTEGER)")
        db.execute("INSERT INTO dmap SELECT rowid, ? + row_number() OVER (ORDER BY rowid)"
                   " - 1 FROM old.documents WHERE rowid NOT IN gone", (base["documents"],))
        db.execute("INSERT INTO pmap SELECT p.rowid, ? + row_number() OVER (ORDER BY"
                   " p.rowid) - 1 FROM old.passages p JOIN dmap d ON d.old = p.doc_rowid",
                   (base["passages"],))
        db.execute("INSERT INTO umap SELECT w.id, ? + row_number() OVER (ORDER BY w.id)"
                   " - 1 FROM old.windows w JOIN pmap p ON p.old = w.passage_rowid",
                   (base["windows"],))
        db.execute(f"INSERT INTO documents (rowid, {DOCUMENT_COLUMNS}) SELECT d.new,"
                   f" {', '.join('o.' + c.strip() for c in DOCUMENT_COLUMNS.split(','))}"
                   " FROM old.documents o JOIN dmap d ON d.old = o.rowid ORDER BY d.new")
        existing = {r[1] for r in db.execute("PRAGMA old.table_info(passages)")}
        db.execute(f"INSERT INTO passages (rowid, doc_rowid, {PASSAGE_COLUMNS})"
                   f" SELECT p.new, d.new, {passage_columns_from(existing, 'o')}"
                   " FROM old.passages o JOIN pmap p ON p.old = o.rowid"
                   " JOIN dmap d ON d.old = o.doc_rowid ORDER BY p.new")
        db.execute("INSERT INTO windows (id, passage_rowid, char_start, char_end)"
                   " SELECT u.new, p.new, w.char_start, w.char_end FROM old.windows w"
                   " JOIN umap u ON u.old = w.id JOIN pmap p ON p.old = w.passage_rowid"
                   " ORDER BY u.new")
        old_units = np.fromiter((r[0] for r in db.execute(
            "SELECT old FROM umap ORDER BY new")), dtype=np.int64)
        for kind, table in (("documents", "dmap"), ("passages", "pmap"),
                            ("windows", "umap")):
            copied = db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            target.next_ids[kind] += copied
        for table in ("gone", "dmap", "pmap", "umap"):
            db.execute(f"DROP TABLE temp.{table}")
        db.commit()
    finally:
        db.execute("DETACH DATABASE old")
    table = segment.dense.sq8_table()
    if table is not None:  # the same grid again: merged units keep their codes
        target.spill.ranges.widen(table)
    local = old_units - segment.first_unit
    # In blocks of consecutive rows read from the file: bounded memory at any size, and
    # no memory-mapped page left resident.
    for start in range(0, len(local), COPY_BLOCK):
        ids = local[start:start + COPY_BLOCK]
        block = segment.dense.rows(int(ids[0]), int(ids[-1]) + 1)
        target.spill.append(block[ids - ids[0]])
