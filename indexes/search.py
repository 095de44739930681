"""Searching an index: dense, lexical or hybrid, with filters applied before ranking."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from indexes.dense import dense_search
from indexes.filters import Filters
from indexes.fusion import reciprocal_rank_fusion
from indexes.lexical import lexical_search
from indexes.reader import IndexReader

CANDIDATES = 100  # per retriever, before fusion


class Mode(str, Enum):
    hybrid = "hybrid"
    dense = "dense"
    lexical = "lexical"

    @property
    def needs_vectors(self) -> bool:
        return self is not Mode.lexical


@dataclass(frozen=True)
class Hit:
    passage_rowid: int
    score: float  # the mode's score: cosine (dense), BM25 (lexical), RRF (hybrid)
    dense: float | None = None
    lexical: float | None = None


def search(
    reader: IndexReader,
    mode: Mode,
    k: int,
    question: str,
    query_vector: np.ndarray | None = None,
    filters: Filters | None = None,
) -> list[Hit]:
    """The `k` best passages for a question. Filters restrict candidates first, so `k`
    results come back whenever `k` passages pass them."""
    doc_rowids = _allowed_documents(reader, filters)
    if doc_rowids is not None and not doc_rowids:
        return []
    pool = max(k, CANDIDATES) if mode is Mode.hybrid else k
    dense, lexical = [], []
    if mode.needs_vectors:
        dense = _dense(reader, query_vector, pool, doc_rowids)
    if mode is not Mode.dense:
        lexical = lexical_search(reader.db, question, pool, doc_rowids)
    if mode is Mode.dense:
        return [Hit(p, s, dense=s) for p, s in dense[:k]]
    if mode is Mode.lexical:
        return [Hit(p, s, lexical=s) for p, s in lexical[:k]]
    dense_scores, lexical_scores = dict(dense), dict(lexical)
    fused = reciprocal_rank_fusion([[p for p, _ in dense], [p for p, _ in lexical]])
    return [Hit(int(p), s, dense_scores.get(p), lexical_scores.get(p))  # type: ignore[arg-type]
            for p, s in fused[:k]]


def _allowed_documents(reader: IndexReader, filters: Filters | None) -> list[int] | None:
    if filters is None or not filters.active:
        return None
    return [doc.rowid for doc in reader.documents() if filters.accepts(doc)]


def _dense(reader: IndexReader, query_vector: np.ndarray | None, n: int,
           doc_rowids: list[int] | None) -> list[tuple[int, float]]:
    if query_vector is None:
        raise ValueError("dense and hybrid search need a query vector")
    allowed = None
    if doc_rowids is not None:
        passages = reader.passage_rowids_of(doc_rowids)
        allowed = np.flatnonzero(np.isin(reader.window_passages, passages)).astype(np.int64)
    return dense_search(reader.faiss_index, reader.window_passages, query_vector, n, allowed)
