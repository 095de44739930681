"""Whether a passage addresses a topic: a score per passage and a threshold calibrated on
labelled topics (docs/compare.md, benchmarks/calibrate_compare.py).

A cosine between a topic and a passage is no verdict on its own: its scale moves with the
topic ("trade" scores 0.2 against a passage about trade volume, "Hong Kong, Xinjiang and
Tibet" 0.5 against one that names none of them, because every passage of a corpus about
China scores high with anything Chinese), and every embedded unit carries its document's
title line, so a topic that resembles a title lifts every passage of that document. The
score therefore combines three pieces of evidence, all read from the index (nothing is
embedded but the topic, its words and a few title lines):

- dense: the best cosine between the topic and the passage's embedded units (windows,
  sentences), both centred on the corpus mean, which removes what every passage shares;
- lexical: the share of the topic's words the passage text contains (stemmed, title and
  heading excluded), each word weighted by its rarity (IDF) and, when vectors are used, by
  its closeness to the topic: "Taiwan" weighs more than "question" in "the Taiwan question";
- context: the centred cosine between the topic and the passage's context line (title,
  author, date, heading), subtracted in part, since the dense score saw it in every unit.

relevance = dense + lexical_weight * lexical - context_weight * max(0, context)
"""

from __future__ import annotations

import math
import weakref
from dataclasses import dataclass, field, replace

import numpy as np

from indexes import Filters, IndexReader, Mode
from indexes.lexical.across_segments import holders as passages_with_term
from indexes.lexical.fts import query_terms
from indexes.query.dense import dense_search
from parallax.session import Session
from parallax.stance.terms import term_key

# How many passages the dense search proposes before scoring; a passage outside them and
# without any of the topic's words counts as not addressing it.
CANDIDATES = 300
# The corpus mean is estimated from at most this many stored vectors, evenly spread.
CENTRE_SAMPLE = 20_000


@dataclass(frozen=True)
class Criterion:
    """How evidence becomes a verdict in one mode; set by benchmarks/calibrate_compare.py."""

    lexical_weight: float
    context_weight: float
    threshold: float

    def score(self, evidence: Evidence) -> float:
        dense = evidence.dense if evidence.dense is not None else 0.0
        return (dense + self.lexical_weight * evidence.lexical
                - self.context_weight * max(0.0, evidence.context))


# Calibrated on evals/compare-topics.jsonl (52 topics x 5 sample documents): see
# docs/compare.md for the data, the search, the margins and the held-out check.
CRITERIA: dict[Mode, Criterion] = {
    Mode.hybrid: Criterion(lexical_weight=0.4, context_weight=0.5, threshold=0.371),
    Mode.dense: Criterion(lexical_weight=0.0, context_weight=0.5, threshold=0.262),
    Mode.lexical: Criterion(lexical_weight=1.0, context_weight=0.0, threshold=0.409),
}


@dataclass(frozen=True)
class Evidence:
    passage_rowid: int
    doc_rowid: int
    dense: float | None  # None in lexical mode
    lexical: float  # 0..1
    context: float  # 0 when not measured (lexical mode, no context line)
    unit: int | None = None  # the stored unit (FAISS row) behind `dense`


@dataclass(frozen=True)
class TopicEvidence:
    topic: str
    mode: Mode
    vector: np.ndarray | None  # the topic's embedding (not centred), for highlights
    evidence: list[Evidence]
    # The weight of each of the topic's words in the lexical evidence (rarity, closeness).
    weights: dict[str, float] = field(default_factory=dict)

    def sentence_evidence(self, passage: Evidence, text: str, dense: float) -> Evidence:
        """The evidence of one sentence of a passage: its own centred cosine and words,
        the passage's context (a sentence addresses the topic by the same criterion)."""
        total = sum(self.weights.values())
        keys = {term_key(w) for w in query_terms(text)}
        lexical = (sum(w for t, w in self.weights.items() if term_key(t) in keys) / total
                   if total > 0 else 0.0)
        return replace(passage, dense=dense, lexical=lexical)


def gather(session: Session, topic: str, mode: Mode = Mode.hybrid,
           filters: Filters | None = None, criterion: Criterion | None = None,
           all_contexts: bool = False) -> TopicEvidence:
    """Evidence for every candidate passage. Context lines are embedded only for passages
    the penalty could turn down (all of them with `all_contexts`, for calibration)."""
    reader = session.reader
    criterion = criterion or CRITERIA[mode]
    doc_rowids = reader.allowed_documents(filters)
    terms = query_terms(topic)
    vector = None
    # Each term's passages are looked up once: they give both its IDF and the coverage.
    holders = {term: passages_with_term(reader, term) for term in terms}
    term_weights = _idf(reader, holders)
    if mode.needs_vectors:
        vectors = session.encode([topic, *terms])
        vector = vectors[0]
        semantic = {t: w * max(0.0, float(vectors[i + 1] @ vector))
                    for i, (t, w) in enumerate(term_weights.items())}
        if sum(semantic.values()) > 0:
            term_weights = semantic
    lexical = _lexical_coverage(reader, holders, term_weights, doc_rowids)
    dense: dict[int, tuple[float, int]] = {}
    if vector is not None:
        dense = _dense_scores(reader, vector, doc_rowids, set(lexical))
    rowids = sorted(set(dense) | set(lexical))
    positions = reader.passage_positions(rowids) if rowids else {}
    evidence = [Evidence(p, positions[p][0], dense[p][0] if p in dense else None,
                         lexical.get(p, 0.0), 0.0, dense[p][1] if p in dense else None)
                for p in rowids]
    if vector is not None and criterion.context_weight:
        evidence = _with_context(session, vector, evidence, criterion, all_contexts)
    return TopicEvidence(topic, mode, vector, evidence, term_weights)


# Pieces ------------------------------------------------------------------------------------

_centres: weakref.WeakKeyDictionary[IndexReader, np.ndarray] = weakref.WeakKeyDictionary()
_context_vectors: weakref.WeakKeyDictionary[IndexReader, dict[str, np.ndarray]] = (
    weakref.WeakKeyDictionary())


def corpus_centre(reader: IndexReader) -> np.ndarray:
    """The mean of the index's stored vectors (a generation never changes, so once)."""
    if reader not in _centres:
        vectors = reader.sample_vectors(CENTRE_SAMPLE)
        _centres[reader] = vectors.mean(axis=0).astype(np.float32)
    return _centres[reader]


def centred_cosines(vectors: np.ndarray, query: np.ndarray, centre: np.ndarray) -> np.ndarray:
    rows = vectors - centre
    q = query - centre
    norms = np.linalg.norm(rows, axis=1) * (np.linalg.norm(q) or 1.0)
    return (rows @ q) / np.where(norms == 0, 1.0, norms)


def _dense_scores(reader: IndexReader, vector: np.ndarray, doc_rowids: list[int] | None,
                  also: set[int]) -> dict[int, tuple[float, int]]:
    """Best centred cosine and its unit for each passage the dense search proposes and
    each passage of `also` (those holding the topic's words)."""
    found = dense_search(reader, vector, CANDIDATES, doc_rowids)
    units: list[int] = []
    owners: list[int] = []
    for passage in {p for p, _ in found} | also:
        ids, _spans = reader.windows_of(passage)
        units += ids
        owners += [passage] * len(ids)
    if not units:
        return {}
    scores = centred_cosines(reader.vectors(units), vector, corpus_centre(reader))
    best: dict[int, tuple[float, int]] = {}
    for passage, unit, score in zip(owners, units, scores.tolist(), strict=True):
        if passage not in best or score > best[passage][0]:
            best[passage] = (score, unit)
    return best


def _idf(reader: IndexReader, holders: dict[str, set[int]]) -> dict[str, float]:
    """BM25's IDF of each term, from the passages whose text holds it."""
    total = reader.manifest.counts.get("passages", 0) or 1
    return {term: math.log((total - len(held) + 0.5) / (len(held) + 0.5) + 1.0)
            for term, held in holders.items()}


def _lexical_coverage(reader: IndexReader, holders: dict[str, set[int]],
                      weights: dict[str, float], doc_rowids: list[int] | None
                      ) -> dict[int, float]:
    total = sum(weights.values())
    if total <= 0:
        return {}
    coverage: dict[int, float] = {}
    for term, weight in weights.items():
        for passage in holders[term]:
            coverage[passage] = coverage.get(passage, 0.0) + weight / total
    if doc_rowids is not None and coverage:
        allowed = set(reader.passage_rowids_of(doc_rowids).tolist())
        coverage = {p: c for p, c in coverage.items() if p in allowed}
    return coverage


def _with_context(session: Session, vector: np.ndarray, evidence: list[Evidence],
                  criterion: Criterion, all_contexts: bool) -> list[Evidence]:
    """Measure the topic against the context line of each passage that could pass."""
    reader = session.reader
    open_ = [e for e in evidence if all_contexts or criterion.score(e) >= criterion.threshold]
    if not open_:
        return evidence
    passages = reader.passages([e.passage_rowid for e in open_])
    contexts = sorted({passages[e.passage_rowid].context for e in open_} - {""})
    if not contexts:
        return evidence
    known = _context_vectors.setdefault(reader, {})
    missing = [c for c in contexts if c not in known]
    if missing:  # a generation never changes: each context line is embedded once
        known.update(zip(missing, session.encode(missing), strict=True))
    vectors = np.stack([known[c] for c in contexts])
    similarity = dict(zip(contexts, centred_cosines(vectors, vector,
                                                    corpus_centre(reader)).tolist(),
                          strict=True))
    measured = {e.passage_rowid: similarity.get(passages[e.passage_rowid].context, 0.0)
                for e in open_}
    return [replace(e, context=measured.get(e.passage_rowid, 0.0)) for e in evidence]
