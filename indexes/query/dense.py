"""Dense search: nearest units across an index's segments, a passage scoring as its best unit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from indexes.reader import IndexReader


def dense_search(reader: IndexReader, query: np.ndarray, n: int,
                 doc_rowids: Sequence[int] | None = None, exact: bool = False,
                 nprobe: int | None = None) -> list[tuple[int, float]]:
    """Top `n` (passage rowid, score) among the live passages of `doc_rowids` (all when
    None), where a passage's score is its best unit's.

    Asks for more units until `n` distinct passages are found or the candidates run out,
    so long passages with many units do not crowd the result below `n`.
    """
    if n <= 0:
        return []
    fetch = n * 4
    while True:
        ids, scores = reader.search_units(query, fetch, doc_rowids, exact=exact, nprobe=nprobe)
        best = best_per_passage(reader.unit_passages(ids), scores)
        if len(best) >= n or len(ids) < fetch:
            return best[:n]
        fetch *= 4


def best_per_passage(passages: np.ndarray, scores: np.ndarray) -> list[tuple[int, float]]:
    """(passage, best score) in order of first appearance; `scores` come best first."""
    best: dict[int, float] = {}
    for passage, score in zip(passages.tolist(), scores.tolist(), strict=True):
        if passage >= 0 and passage not in best:
            best[passage] = float(score)
    return list(best.items())


def with_feedback(reader: IndexReader, query: np.ndarray, units: int, weight: float,
                  doc_rowids: Sequence[int] | None = None) -> np.ndarray:
    """Rocchio pseudo-relevance feedback: the query moved towards its `units` nearest
    embedded units (among those of `doc_rowids`, when filtered), then re-normalised. Words
    the question lacks but its best matches use (the corpus's own vocabulary for the topic)
    then count in the second search."""
    if weight <= 0 or units <= 0:
        return query
    ids, _ = reader.search_units(query, units, doc_rowids)
    if not len(ids):
        return query
    centroid = reader.vectors(ids).mean(axis=0)
    moved = query.reshape(-1) + weight * centroid
    return (moved / np.linalg.norm(moved)).astype(np.float32)
