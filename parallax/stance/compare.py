"""The `compare` use case: how each source addresses a topic, which claims each makes, and
the words each uses that the others do not. Plain data out; rendering is elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from indexes import DocumentRecord, Filters, Mode, PassageRecord
from indexes.lexical.fts import query_terms
from parallax.errors import UsageError
from parallax.search.ask import unit_scores
from parallax.search.browse import chronological
from parallax.search.highlight import best_sentence
from parallax.search.results import Result
from parallax.session import Session
from parallax.stance.claim_check import checked_claims, has_content_words, match_claims
from parallax.stance.claim_match import MODEL as CLAIM_MODEL
from parallax.stance.claims import claims as group_claims
from parallax.stance.claims import without_topic
from parallax.stance.groups import GroupBy, group_sources
from parallax.stance.relevance import CRITERIA, Evidence, TopicEvidence, corpus_centre, gather
from parallax.stance.terms import WeightedTerm, distinctive, topic_words

PASSAGES_PER_SOURCE = 2
DISTINCTIVE_TERMS = 6
# A topic word held by more than this share of the index's passages is generic there
# ("cooperation" in statements on China-US relations): the topic's other words must carry
# the verdict too. Chosen on the training topics of evals/compare-topics.jsonl
# (docs/compare.md).
GENERIC_SHARE = 0.3


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
class ClaimSource:
    """Whether one source makes one claim the user gave."""

    key: str  # Source.key
    makes: bool
    score: float | None  # its best passage's match probability (None: none came near)
    passages: list[Result]  # the best passages making the claim, best first
    count: int  # how many of its passages make it


@dataclass(frozen=True)
class ClaimCheck:
    claim: str
    sources: list[ClaimSource]  # in the order of Comparison.sources


@dataclass(frozen=True)
class Comparison:
    topic: str
    mode: str
    by: str
    threshold: float
    sources: list[Source]
    claims: list[Claim]
    distinctive_terms: dict[str, list[WeightedTerm]] = field(default_factory=dict)
    specific_words: list[str] = field(default_factory=list)  # when generic words were set aside
    claim_threshold: float | None = None
    claim_checks: list[ClaimCheck] = field(default_factory=list)


def compare(session: Session, topic: str, mode: Mode = Mode.hybrid,
            by: GroupBy = GroupBy.document, per_source: int = PASSAGES_PER_SOURCE,
            filters: Filters | None = None, claims: Sequence[str] | None = None
            ) -> Comparison:
    """Every source (filtered, in date order) with its verdict on `topic` and its best
    passages; then the claims across all relevant passages and each source's own terms;
    with `claims`, whether each source makes each of them."""
    if not has_content_words(topic):
        raise UsageError(f"the topic has no content words: {topic!r}",
                         "Name what the sources should address, e.g. \"the Taiwan question\".")
    wanted = checked_claims(claims) if claims is not None else []
    if wanted and not mode.needs_vectors:
        raise UsageError("--claims needs the model, and --mode lexical loads none",
                         "Drop --mode lexical (or use --mode hybrid) with --claims.")
    criterion = CRITERIA[mode]
    found, scores, specific = topic_scores(session, topic, mode, filters)
    scored = sorted(((scores[e.passage_rowid], e) for e in found.evidence),
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
    checks = _claim_checks(session, topic, wanted, filters, sources, group_of, per_source)
    return Comparison(topic, mode.value, by.value, criterion.threshold, sources, claims, terms,
                      specific, CLAIM_MODEL.threshold if wanted else None, checks)


def topic_scores(session: Session, topic: str, mode: Mode = Mode.hybrid,
                 filters: Filters | None = None
                 ) -> tuple[TopicEvidence, dict[int, float], list[str]]:
    """The evidence of every candidate passage and its relevance: the calibrated score of
    the topic, or, when some of the topic's words are generic in this index, the lower of
    that and the score of the topic's specific words alone, so that sharing "cooperation"
    with "cooperation on climate change" is not enough."""
    criterion = CRITERIA[mode]
    found = gather(session, topic, mode, filters)
    scores = {e.passage_rowid: criterion.score(e) for e in found.evidence}
    specific = specific_words(session, topic)
    if specific:
        narrow = {e.passage_rowid: criterion.score(e)
                  for e in gather(session, " ".join(specific), mode, filters).evidence}
        scores = {p: min(s, narrow.get(p, -1.0)) for p, s in scores.items()}
    return found, scores, specific


def specific_words(session: Session, topic: str) -> list[str]:
    """The topic's words that are not generic in this index, when some of its words are
    and some are not; else [] (the whole topic decides)."""
    words = query_terms(topic)
    specific = [w for w in words if not session.reader.is_common_word(w, GENERIC_SHARE)]
    return specific if specific and len(specific) < len(words) else []


def _claim_checks(session: Session, topic: str, claims: list[str], filters: Filters | None,
                  sources: list[Source], group_of: dict[int, str], per_source: int
                  ) -> list[ClaimCheck]:
    if not claims:
        return []
    threshold = CLAIM_MODEL.threshold
    relevance = CRITERIA[Mode.hybrid].threshold
    relevant = []
    for claim in claims:
        _, scores, _ = topic_scores(session, claim, Mode.hybrid, filters)
        relevant.append({p for p, score in scores.items() if score >= relevance})
    documents = {doc.rowid: doc for doc in session.documents}
    out = []
    for found in match_claims(session, topic, claims, relevant, filters):
        making = [u for u in found.units if u.grounded and u.score >= threshold]
        records = session.reader.passages([u.passage_rowid for u in making])
        results = [Result(0, u.score, records[u.passage_rowid], documents[u.doc_rowid],
                          records[u.passage_rowid].text[u.span[0]:u.span[1]].strip())
                   for u in making]
        best: dict[str, float] = {}
        for u in found.units:
            if u.grounded:
                key = group_of.get(u.doc_rowid)
                if key is not None:
                    best.setdefault(key, u.score)
        verdicts = []
        for source in sources:
            mine = [r for r, u in zip(results, making, strict=True)
                    if group_of.get(u.doc_rowid) == source.key]
            verdicts.append(ClaimSource(source.key, bool(mine), best.get(source.key),
                                        _ranked(mine[:per_source]), len(mine)))
        out.append(ClaimCheck(found.claim, verdicts))
    return out


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
