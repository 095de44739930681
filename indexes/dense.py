"""Dense search: FAISS inner product over windows, a passage scoring as its best window."""

from __future__ import annotations

import faiss
import numpy as np


def dense_search(
    index: faiss.Index,
    window_passages: np.ndarray,
    query: np.ndarray,
    n: int,
    allowed_windows: np.ndarray | None = None,
) -> list[tuple[int, float]]:
    """Top `n` (passage rowid, score) where a passage's score is its best window's.

    Asks FAISS for more windows until `n` distinct passages are found or the candidates run
    out, so long passages with many windows do not crowd the result below `n`.
    """
    total = index.ntotal if allowed_windows is None else len(allowed_windows)
    if total == 0 or n <= 0:
        return []
    params = None
    if allowed_windows is not None:
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed_windows))
    query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    fetch = min(total, n * 4)
    while True:
        scores, ids = index.search(query, fetch, params=params)
        best = _best_per_passage(window_passages, ids[0], scores[0])
        if len(best) >= n or fetch >= total:
            return best[:n]
        fetch = min(total, fetch * 4)


def _best_per_passage(window_passages: np.ndarray, ids: np.ndarray,
                      scores: np.ndarray) -> list[tuple[int, float]]:
    best: dict[int, float] = {}
    for window, score in zip(ids.tolist(), scores.tolist(), strict=True):
        if window < 0:
            continue  # FAISS pads with -1 when fewer results exist
        passage = int(window_passages[window])
        if passage not in best:  # results come best first
            best[passage] = float(score)
    return list(best.items())


def with_feedback(index: faiss.Index, query: np.ndarray, units: int, weight: float,
                  allowed_windows: np.ndarray | None = None) -> np.ndarray:
    """Rocchio pseudo-relevance feedback: the query moved towards its `units` nearest
    embedded units (among `allowed_windows`, when filtered), then re-normalised. Words the
    question lacks but its best matches use (the corpus's own vocabulary for the topic) then
    count in the second search."""
    total = index.ntotal if allowed_windows is None else len(allowed_windows)
    if weight <= 0 or units <= 0 or total == 0:
        return query
    params = None
    if allowed_windows is not None:
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed_windows))
    query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    _, ids = index.search(query, min(units, total), params=params)
    centroid = index.reconstruct_batch(ids[0][ids[0] >= 0]).mean(axis=0)
    moved = query[0] + weight * centroid
    return (moved / np.linalg.norm(moved)).astype(np.float32)
