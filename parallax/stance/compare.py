"""The `compare` use case: how each source addresses a topic, which claims each makes, and
the words each uses that the others do not. Plain data out; rendering is elsewhere."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from indexes import DocumentRecord, Filters, Mode, PassageRecord
from indexes.lexical.fts import query_terms
from parallax.errors import UsageError
from parallax.search.ask import units_scores
from parallax.search.browse import chronological
from parallax.search.highlight import best_sentences
from parallax.search.results import Result
from parallax.session import Session
from parallax.stance.claim_check import (
    checked_claims,
    finest_units,
    has_content_words,
    match_claims,
    mention_of,
)
from parallax.stance.claim_match import MODEL as CLAIM_MODEL
from parallax.stance.groups import GroupBy, group_sources
from parallax.stance.key_points import Sentence, min_support
from parallax.stance.key_points import key_points as select_key_points
from parallax.stance.point_match import PointMatch
from parallax.stance.relevance import (
    CRITERIA,
    Criterion,
    Evidence,
    TopicEvidence,
    centred_cosines,
    corpus_centre,
    gather,
)
from parallax.stance.terms import WeightedTerm, distinctive, topic_words

PASSAGES_PER_SOURCE = 2
# Key points are drawn from the sentences of this many of the most relevant passages: the
# matcher compares every sentence with every candidate.
MAX_POINT_PASSAGES = 80
# Words shown beside a key point: those its passages use more than the other relevant ones.
POINT_TERMS = 3
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
class PointPassage:
    source: str  # Source.key
    result: Result  # score: the probability that the passage makes the point; highlight:
    # the sentence that makes it


@dataclass(frozen=True)
class KeyPoint:
    """A sentence a source wrote that states one point on the topic, with the passages of
    every source that make the same point."""

    number: int  # 1-based, most prevalent first
    text: str  # the sentence, as written
    source: str  # Source.key of the source that wrote it
    stated_in: Result  # the passage it is taken from
    terms: list[str]  # words its passages use more than the other relevant passages
    passages: list[PointPassage]  # best first

    @property
    def sources(self) -> dict[str, int]:
        """Passages making the point, per source key."""
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
    key_points: list[KeyPoint]
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
    with session.remembering(_texts_to_embed(session, topic, wanted, mode)):
        return _compare(session, topic, mode, by, per_source, filters, wanted)


def _texts_to_embed(session: Session, topic: str, claims: list[str], mode: Mode) -> list[str]:
    """The short texts `compare` will embed (each topic and claim, its words, its specific
    words: topic_scores and gather; the mention rival), to embed them in one call rather
    than two calls per claim, each running the model over a handful of words. A text left
    out is embedded when asked for, as before."""
    if not mode.needs_vectors:
        return []
    return _subject_texts(session, [topic, *claims]) + ([mention_of(topic)] if claims else [])


def _subject_texts(session: Session, texts: list[str]) -> list[str]:
    """What `topic_scores` embeds for each of `texts` taken as a topic."""
    out = []
    for text in texts:
        specific = " ".join(specific_words(session, text))
        out += [text, *query_terms(text)] + ([specific, *query_terms(specific)]
                                             if specific else [])
    return out


def _compare(session: Session, topic: str, mode: Mode, by: GroupBy, per_source: int,
             filters: Filters | None, wanted: list[str]) -> Comparison:
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
    points = _key_points(session, found, relevant, results, group_of, criterion, filters)
    texts = {key: [r.passage.text for r, (_, e) in zip(results, relevant, strict=True)
                   if group_of.get(e.doc_rowid) == key] for key in groups}
    terms = {key: distinctive(own, [t for other, ts in texts.items() if other != key
                                    for t in ts], DISTINCTIVE_TERMS,
                              exclude=topic_words(topic))
             for key, own in texts.items() if own}
    checks = _claim_checks(session, topic, wanted, filters, sources, group_of, per_source)
    return Comparison(topic, mode.value, by.value, criterion.threshold, sources, points, terms,
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


def addressing(session: Session, subject: str, filters: Filters | None) -> set[int]:
    """The passages that address `subject` taken as a topic (hybrid relevance criterion):
    only they may make a claim or a key point on it (mention is not assertion)."""
    _, scores, _ = topic_scores(session, subject, Mode.hybrid, filters)
    threshold = CRITERIA[Mode.hybrid].threshold
    return {p for p, score in scores.items() if score >= threshold}


def _claim_checks(session: Session, topic: str, claims: list[str], filters: Filters | None,
                  sources: list[Source], group_of: dict[int, str], per_source: int
                  ) -> list[ClaimCheck]:
    if not claims:
        return []
    threshold = CLAIM_MODEL.threshold
    relevant = [addressing(session, claim, filters) for claim in claims]
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
    texts = [passages[rowid].text for rowid in rowids]
    scores = None if vector is None else units_scores(session, rowids, vector)
    highlights = best_sentences(topic, texts, scores)
    return [Result(0, score, passages[e.passage_rowid],
                   documents[passages[e.passage_rowid].doc_rowid], highlight)
            for (score, e), highlight in zip(relevant, highlights, strict=True)]


def _ranked(results: list[Result]) -> list[Result]:
    return [Result(rank, r.score, r.passage, r.document, r.highlight)
            for rank, r in enumerate(results, start=1)]


def _key_points(session: Session, found: TopicEvidence,
                relevant: list[tuple[float, Evidence]], results: list[Result],
                group_of: dict[int, str], criterion: Criterion, filters: Filters | None
                ) -> list[KeyPoint]:
    """Key points of the relevant passages (parallax.stance.key_points), stated by and
    counted over the sentences that address the topic themselves (compare's criterion
    applied to the sentence: its own cosine and words, its passage's context; a relevant
    passage's best sentence at least), matched with the claim matcher, then grounded
    (`_grounding`); each point's terms are those of the passages that make it once
    grounded. None without the model."""
    if found.vector is None or not relevant:
        return []
    reader = session.reader
    centre = corpus_centre(reader)
    sentences: list[Sentence] = []
    for number, (r, (_, evidence)) in enumerate(zip(results[:MAX_POINT_PASSAGES], relevant,
                                                    strict=False)):
        units = finest_units(*reader.windows_of(r.passage.rowid))
        if not units:
            continue
        dense = centred_cosines(reader.vectors([u for u, _ in units]), found.vector, centre)
        scored = []
        for (_, (a, b)), cosine in zip(units, dense.tolist(), strict=True):
            text = r.passage.text[a:b].strip()
            if text:
                scored.append((criterion.score(found.sentence_evidence(evidence, text, cosine)),
                               text))
        if scored:
            top = max(score for score, _ in scored)
            sentences += [Sentence(text, number, score) for score, text in scored
                          if score >= criterion.threshold or score == top]
    if not sentences:
        return []
    scores = PointMatch([s.text for s in sentences], found.topic, session.encode)
    minimum = min_support(len(results[:MAX_POINT_PASSAGES]))
    points = select_key_points(sentences, scores, scores.threshold, min_support=minimum)
    statements = [sentences[point.sentence] for point in points]
    passage_texts = [r.passage.text for r in results]
    exclude = topic_words(found.topic)
    out = []
    for point, stated, grounded in zip(points, statements, _grounding(
            session, [s.text for s in statements], filters), strict=True):
        own = results[stated.passage]
        making = [p for p in point.passages if results[p].passage.rowid in grounded]
        if own.passage.rowid not in grounded or len(making) < minimum:
            continue
        members = [PointPassage(group_of[results[p].passage.doc_rowid], Result(
            rank, point.scores[p], results[p].passage, results[p].document,
            sentences[point.making[p]].text)) for rank, p in enumerate(making, start=1)]
        inside = [passage_texts[p] for p in making]
        kept = set(making)
        outside = [t for p, t in enumerate(passage_texts) if p not in kept]
        terms = [t.term for t in distinctive(inside, outside, POINT_TERMS, 0.0, exclude)]
        out.append(KeyPoint(0, stated.text, group_of[own.passage.doc_rowid],
                            Result(1, 1.0, own.passage, own.document, stated.text), terms,
                            members))
    out.sort(key=lambda p: -len(p.passages))  # stable: ties keep the selection's order
    return [replace(p, number=n) for n, p in enumerate(out, start=1)]


def _grounding(session: Session, statements: list[str], filters: Filters | None
               ) -> list[set[int]]:
    """Mention is not assertion, for key points as for a user's claims: a passage makes a
    key point only when it addresses the point's subject, by compare's relevance criterion
    with the key point taken as the topic (the gate of `--claims`, docs/compare.md). The
    matcher learnt on ArgKP, whose arguments are all on their topic; in a collection a
    passage that lists the subject among others ("disputes on other issues, such as
    Taiwan") comes close to every point about it. So for each statement, the passages that
    address it: a key point whose own passage is not among them states no point on its
    subject, and one left with fewer than the minimum of passages is not shown."""
    if not statements:
        return []
    with session.remembering(_subject_texts(session, statements)):
        return [addressing(session, text, filters) for text in statements]
