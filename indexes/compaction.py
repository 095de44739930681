"""When to merge segments, and which.

Every new segment makes a query visit one more database and vector store, and every
tombstone is dead weight in both; merging rewrites live documents, so it is done only when
it pays: a small index is kept as one segment (so it ranks exactly as a fresh build; that
merge happens inside the run's own generation, GenerationWriter.merge_all_if_small), a
large one merges its small segments once there are too many (the largest stays as it is,
so a merge costs what changed since, not the whole collection), and everything when too
much of it is tombstoned.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from indexes.reader import IndexReader
    from indexes.segments import Segment
    from indexes.writer import StoreSettings


def merge_plan(reader: IndexReader, store: StoreSettings, force: bool = False) -> list[Segment]:
    """The segments to merge into one (empty: leave the index as it is)."""
    segments = list(reader.segments)
    if not segments:
        return []
    untidy = len(segments) > 1 or len(reader.deleted) > 0
    if force:
        return segments if untidy else []
    live = reader.manifest.counts.get("passages", 0)
    stored = sum(s.info.counts.get("passages", 0) for s in segments)
    if stored and (stored - live) / stored > store.max_deleted_share:
        return segments
    if len(segments) > store.max_segments:
        largest = max(segments, key=lambda s: s.info.counts.get("passages", 0))
        return [s for s in segments if s is not largest]
    return []
