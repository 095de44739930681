"""The `compare` use case: how each source addresses a topic, which claims each makes, and
the words each uses that the others do not. Plain data out; rendering is elsewhere."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from indexes import DocumentRecord, Filters, Mode, PassageRecord
from parallax.ask import unit_scores
from parallax.browse import chronological
from parallax.claims import claims as group_claims
from parallax.claims import without_topic
from parallax.groups import GroupBy, group_sources
from parallax.highlight import best_sentence
from parallax.relevance import CRITERIA, Evidence, corpus_centre, gather
from parallax.results import Result
from parallax.session import Session
from parallax.terms import WeightedTerm, distinctive, topic_words

PASSAGES_PER_SOURCE = 2
DISTINCTIVE_TERMS = 6


@dataclass(frozen=True)
class Source:
    """One document, or the documents of one author or year."""

    key: str  # document id, author name or year
    label: str
    documents: list[DocumentRecord]
    addressed: bool
    score: float | None  # its best passage's relevance (None: no passage came near)
    passages: list[Result]  # the best passages that pass the threshold, best first
    relevant: int  # how many of its passages pass the threshold


@dataclass(frozen=True)
class ClaimPassage:
    source: str  # Source.key
    result: Result


@dataclass(frozen=True)
class Claim:
    number: int  # 1-based
    terms: list[str]
    passages: list[ClaimPassage]  # best first

    @property
    def sources(self) -> dict[str, int]:
        """Passages of the claim per source key."""
        counts: dict[str, int] = {}
        for p in self.passages:
            counts[p.source] = counts.get(p.source, 0) + 1
        return counts


@dataclass(frozen=True)
class Comparison:
    topic: str
    mode: str
    by: str
    threshold: float
    sources: list[Source]
    claims: list[Claim]
    distinctive_terms: dict[str, list[WeightedTerm]] = field(default_factory=dict)


def compare(session: Session, topic: str, mode: Mode = Mode.hybrid,
            by: GroupBy = GroupBy.document, per_source: int = PASSAGES_PER_SOURCE,
            filters: Filters | None = None) -> Comparison:
    """Every source (filtered, in date order) with its verdict on `topic` and its best
    passages; then the claims across all relevant passages and each source's own terms."""
    criterion = CRITERIA[mode]
    found = gather(session, topic, mode, filters)
    scored = sorted(((criterion.score(e), e) for e in found.evidence),
                    key=lambda pair: (-pair[0], pair[1].passage_rowid))
    relevant = [(s, e) for s, e in scored if s >= criterion.threshold]
    documents = [d for d in chronological(session.documents)
                 if filters is None or filters.accepts(d)]
    groups = group_sources(documents, by)
    group_of = {doc.rowid: key for key, (_, docs) in groups.items() for doc in docs}
    results = _results(session, topic, found.vector, relevant)
    best = {}
    for s, e in scored:
        best.setdefault(group_of.get(e.doc_rowid), s)
    sources = []
    for key, (label, docs) in groups.items():
        mine = [r for r, (_, e) in zip(results, relevant, strict=True)
                if group_of.get(e.doc_rowid) == key]
        sources.append(Source(key, label, docs, bool(mine), best.get(key),
                              _ranked(mine[:per_source]), len(mine)))
    claims = _claims(session, topic, found.vector, relevant, results, group_of)
    texts = {key: [r.passage.text for r, (_, e) in zip(results, relevant, strict=True)
                   if group_of.get(e.doc_rowid) == key] for key in groups}
    terms = {key: distinctive(own, [t for other, ts in texts.items() if other != key
                                    for t in ts], DISTINCTIVE_TERMS,
                              exclude=topic_words(topic))
             for key, own in texts.items() if own}
    return Comparison(topic, mode.value, by.value, criterion.threshold, sources, claims, terms)


def _results(session: Session, topic: str, vector: np.ndarray | None,
             relevant: list[tuple[float, Evidence]]) -> list[Result]:
    """Each relevant passage as a result (rank set later), with its best sentence."""
    rowids = [e.passage_rowid for _, e in relevant]
    passages: dict[int, PassageRecord] = session.reader.passages(rowids)
    documents = {doc.rowid: doc for doc in session.documents}
    out = []
    for score, e in relevant:
        passage = passages[e.passage_rowid]
        scores = None if vector is None else unit_scores(session, e.passage_rowid, vector)
        out.append(Result(0, score, passage, documents[passage.doc_rowid],
                          best_sentence(topic, passage.text, scores)))
    return out


def _ranked(results: list[Result]) -> list[Result]:
    return [Result(rank, r.score, r.passage, r.document, r.highlight)
            for rank, r in enumerate(results, start=1)]


def _claims(session: Session, topic: str, vector: np.ndarray | None,
            relevant: list[tuple[float, Evidence]], results: list[Result],
            group_of: dict[int, str]) -> list[Claim]:
    if not relevant:
        return []
    vectors = None
    units = [e.unit for _, e in relevant]
    if vector is not None and all(u is not None for u in units):
        stored = session.reader.vectors([u for u in units if u is not None])
        vectors = without_topic(stored, vector, corpus_centre(session.reader))
    texts = [r.passage.text for r in results]
    out = []
    for number, group in enumerate(group_claims(texts, vectors, topic), start=1):
        members = _ranked([results[i] for i in group.members])
        out.append(Claim(number, group.terms, [
            ClaimPassage(group_of[m.passage.doc_rowid], m) for m in members]))
    return out
