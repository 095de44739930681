"""Searching an index: dense, lexical or hybrid, with filters applied before ranking."""

from __future__ import annotations

import functools
import math
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from indexes.errors import IndexCorrupt
from indexes.lexical.across_segments import search_lexical
from indexes.query.dense import dense_search, with_feedback
from indexes.query.filters import Filters
from indexes.query.fusion import reciprocal_rank_fusion, relative_score_fusion
from indexes.query.mentions import Mentions
from indexes.reader import IndexReader
from indexes.storage.recovery import rebuild_hint


def nprobe_from_env() -> int | None:
    """PARALLAX_NPROBE as a number of lists, or None when it is unset or not a number."""
    value = os.environ.get("PARALLAX_NPROBE", "")
    return int(value) if value.isdigit() else None


@dataclass(frozen=True)
class SearchSettings:
    """Query-time choices; they change rankings, not the index."""

    candidates: int = 100  # per retriever, before fusion
    rrf_k: int = 60
    context_weight: float = 1.0  # BM25 weight of a passage's context against its text
    fusion: str = "relative"  # "relative" (normalised score fusion) or "rrf" (rank fusion)
    # Share of the dense score in "relative" fusion. 0.7 was best on the sample corpus
    # alone; 0.65 keeps it within noise and is clearly better on SciFact, where BM25 is as
    # strong as the model (docs/quality.md).
    dense_weight: float = 0.65
    mention_boost: float = 0.2  # per author/year of a document the question names (hybrid)
    strip_mentions: bool = True  # leave the named author/year out of the embedded question
    # Pseudo-relevance feedback from the nearest units (hybrid). Off: it helped on the sample
    # corpus with separately encoded sentences, and costs 0.01-0.02 nDCG@10 on SciFact.
    feedback_units: int = 3
    feedback_weight: float = 0.0
    # Share of the previous / next passage's score a passage receives (hybrid): paragraphs
    # continue one another ("They agreed …"), so a neighbour of a match is likelier relevant.
    previous_weight: float = 0.2
    next_weight: float = 0.1
    # IVF lists an approximate segment probes (None: the value recorded in the manifest);
    # more is slower and finds more of the exact neighbours. PARALLAX_NPROBE sets it, read
    # when settings are built, so that a process may set it after importing this module.
    nprobe: int | None = field(default_factory=nprobe_from_env)



class Mode(str, Enum):
    hybrid = "hybrid"
    dense = "dense"
    lexical = "lexical"

    @property
    def needs_vectors(self) -> bool:
        return self is not Mode.lexical


@dataclass(frozen=True)
class Hit:
    """A passage found. `score` is the mode's: cosine (dense), BM25 (lexical), or the fused
    score (hybrid: relative score fusion by default, reciprocal rank fusion with
    `SearchSettings.fusion == "rrf"`), after the mention boost and neighbour smoothing;
    `dense` and `lexical` are the passage's scores from each retriever, when it had one."""

    passage_rowid: int
    score: float
    dense: float | None = None
    lexical: float | None = None


def search(
    reader: IndexReader,
    mode: Mode,
    k: int,
    question: str,
    query_vector: np.ndarray | None = None,
    filters: Filters | None = None,
    settings: SearchSettings | None = None,
    mentions: Mentions | None = None,
) -> list[Hit]:
    """The `k` best passages for a question. Filters restrict candidates first, so `k`
    results come back whenever `k` passages pass them. In hybrid mode, passages of documents
    the question names (`mentions`, see indexes.query.mentions) are boosted. `settings`: built
    now from the defaults and the environment when not given."""
    settings = settings if settings is not None else SearchSettings()
    doc_rowids = reader.allowed_documents(filters)
    if doc_rowids is not None and not doc_rowids:
        return []
    pool = max(k, settings.candidates) if mode is Mode.hybrid else k
    dense: list[tuple[int, float]] = []
    lexical: list[tuple[int, float]] = []
    if mode is Mode.hybrid and not _LEXICAL_BESIDE:
        # One core (set_lexical_thread): a second busy thread would only take turns with
        # the first, so the halves run one after the other.
        dense = _dense_side(reader, mode, query_vector, pool, doc_rowids, settings)
        lexical = search_lexical(reader, question, pool, doc_rowids, settings.context_weight)
    elif mode is Mode.hybrid:
        # Lexical search runs beside the dense side (two searches: feedback, then the
        # moved question), on the other core: FAISS, SQLite and numpy's array operations
        # let go of the interpreter while they work.
        beside = _beside().submit(search_lexical, reader, question, pool, doc_rowids,
                                  settings.context_weight)
        try:
            dense = _dense_side(reader, mode, query_vector, pool, doc_rowids, settings)
        except BaseException:
            # The dense half's error wins (an IndexCorrupt from impossible scores names the
            # damage and the rebuild command); the lexical half is still waited for, so that
            # no search outlives the question, but whatever it raised is secondary.
            beside.exception()
            raise
        lexical = beside.result()
    elif mode is Mode.dense:
        dense = _dense_side(reader, mode, query_vector, pool, doc_rowids, settings)
    else:
        lexical = search_lexical(reader, question, pool, doc_rowids, settings.context_weight)
    if mode is Mode.dense:
        return [Hit(p, s, dense=s) for p, s in dense[:k]]
    if mode is Mode.lexical:
        return [Hit(p, s, lexical=s) for p, s in lexical[:k]]
    dense_scores, lexical_scores = dict(dense), dict(lexical)
    fused = _fuse(dense, lexical, settings)
    positions = reader.passage_positions([p for p, _ in fused])
    if mentions and mentions.documents:
        fused = _boost(fused, positions, mentions, settings.mention_boost)
    fused = smooth(fused, positions, settings.previous_weight, settings.next_weight)
    return [Hit(int(p), s, dense_scores.get(p), lexical_scores.get(p))  # type: ignore[arg-type]
            for p, s in fused[:k]]


def _dense_side(reader: IndexReader, mode: Mode, query_vector: np.ndarray | None, pool: int,
                doc_rowids: list[int] | None, settings: SearchSettings) -> list[tuple[int, float]]:
    if query_vector is None:
        raise ValueError("dense and hybrid search need a query vector")
    if mode is Mode.hybrid:
        query_vector = with_feedback(reader, query_vector, settings.feedback_units,
                                     settings.feedback_weight, doc_rowids)
    dense = dense_search(reader, query_vector, pool, doc_rowids, nprobe=settings.nprobe)
    _check_scores(reader, dense)
    return dense


_LEXICAL_BESIDE = True


def set_lexical_thread(beside: bool) -> None:
    """Whether the lexical half of a hybrid question runs on a thread of its own, beside
    the dense half (the default), or after it in the calling thread. The application's
    thread budget (parallax/threads.py) sets it from the cores the process may use; the
    answers are the same either way."""
    global _LEXICAL_BESIDE
    _LEXICAL_BESIDE = beside


@functools.lru_cache(maxsize=1)
def _beside() -> ThreadPoolExecutor:
    """One thread for the lexical half of hybrid questions, made at the first one."""
    return ThreadPoolExecutor(1, thread_name_prefix="parallax-lexical")


def _check_scores(reader: IndexReader, dense: list[tuple[int, float]]) -> None:
    """Cosines of unit vectors lie in [-1, 1]: anything else means damaged vectors, which
    must be reported, never ranked (checksums catch damage on disk; this catches the rest).
    Vectors stored in 8 bits are unit vectors to about 0.002 (indexes/vectors/quantised.py),
    hence the margin."""
    for _, score in dense:
        if not math.isfinite(score) or abs(score) > 1.0 + 2e-2:
            raise IndexCorrupt(reader.index_dir, f"the stored vectors give impossible scores "
                               f"({score:.3g})", rebuild_hint(reader.index_dir))


def _fuse(dense: list[tuple[int, float]], lexical: list[tuple[int, float]],
          settings: SearchSettings) -> list[tuple[int, float]]:
    if settings.fusion == "relative":
        return relative_score_fusion(dense, lexical, settings.dense_weight)  # type: ignore[return-value]
    return reciprocal_rank_fusion([[p for p, _ in dense], [p for p, _ in lexical]],  # type: ignore[return-value]
                                  settings.rrf_k)


Positions = dict[int, tuple[int, int]]


def _boost(fused: list[tuple[int, float]], positions: Positions, mentions: Mentions,
           boost: float) -> list[tuple[int, float]]:
    boosted = [(p, s + boost * mentions.documents.get(positions[p][0], 0)) for p, s in fused]
    return sorted(boosted, key=lambda pair: -pair[1])


def smooth(fused: list[tuple[int, float]], positions: Positions, previous: float,
            following: float) -> list[tuple[int, float]]:
    """Add a share of each neighbouring candidate's score (a neighbour that is not a
    candidate counts 0)."""
    if not previous and not following:
        return fused
    by_position = {positions[p]: s for p, s in fused}

    def near(p: int, step: int) -> float:
        doc, ordinal = positions[p]
        return by_position.get((doc, ordinal + step), 0.0)

    smoothed = [(p, s + previous * near(p, -1) + following * near(p, 1)) for p, s in fused]
    return sorted(smoothed, key=lambda pair: -pair[1])
