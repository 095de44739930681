"""`compare --claims`: for each claim a user brings and each source, whether the source makes
the claim, with the passages that do and their match scores.

The finest embedded units of the candidate passages (their sentences, read from the index)
are matched against every claim with parallax.stance.claim_match, the function fitted on ArgKP
(arguments ~ sentences, key points ~ claims, debate topic ~ the compare topic). A passage
makes a claim when it addresses the claim's subject (compare's relevance criterion,
calibrated on evals/compare-topics.jsonl, with the claim as the topic) and one of its units
reaches the match threshold chosen on ArgKP's dev split; a source makes the claim when one
of its passages does. ArgKP's arguments are all on their topic and its key points close to
each other, so the margin over the other claims means something there; in a collection most
sentences make none of a user's claims, which are far apart, and against them any sentence
has a wide margin: the relevance gate keeps those out (docs/compare.md). Candidates are the
passages nearest to each claim and to the topic (dense search) and those relevant to a claim."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from indexes import Filters
from indexes.lexical.fts import STOPWORDS
from indexes.query.dense import dense_search
from parallax.errors import UsageError
from parallax.session import Session
from parallax.stance.claim_match import MODEL, MatchModel, content_words, match

# Passages proposed by dense search per claim and for the topic.
CANDIDATES_PER_CLAIM = 40
MAX_CLAIMS = 50


@dataclass(frozen=True)
class UnitMatch:
    passage_rowid: int
    doc_rowid: int
    span: tuple[int, int]  # the unit's characters in the passage text
    score: float  # match probability
    grounded: bool  # its passage addresses the claim's subject (the topic criterion)


@dataclass(frozen=True)
class ClaimMatches:
    claim: str
    units: list[UnitMatch]  # the best unit of each candidate passage, best first


def checked_claims(claims: Sequence[str]) -> list[str]:
    """Claims stripped and de-duplicated; an empty list or a claim without content words
    is a usage error."""
    out = list(dict.fromkeys(c.strip() for c in claims if c.strip()))
    if not out:
        raise UsageError("no claims given: the claims file is empty",
                         "Give one claim per line in the --claims file, or --claim \"…\".")
    for claim in out:
        if not has_content_words(claim):
            raise UsageError(f"the claim {claim!r} has no content words",
                             "A claim needs words that say something, e.g. \"Trade between "
                             "the two countries is mutually beneficial\".")
    if len(out) > MAX_CLAIMS:
        raise UsageError(f"{len(out)} claims given; at most {MAX_CLAIMS} at once",
                         "Split the claims file.")
    return out


def has_content_words(text: str) -> bool:
    return any(w.lower() not in STOPWORDS for w in re.findall(r"\w+", text))


def finest_units(ids: list[int], spans: list[tuple[int, int]]
                 ) -> list[tuple[int, tuple[int, int]]]:
    """The units that hold no other unit: a passage's sentences rather than the windows
    around them (ArgKP's arguments, on which the match was fitted, are a sentence or two)."""
    return [(unit, (a, b)) for unit, (a, b) in zip(ids, spans, strict=True)
            if not any(a <= c and d <= b and (c, d) != (a, b) for c, d in spans)]


def match_claims(session: Session, topic: str, claims: Sequence[str],
                 relevant: Sequence[set[int]], filters: Filters | None = None,
                 model: MatchModel = MODEL) -> list[ClaimMatches]:
    """For each claim, the best unit of each candidate passage with its match score;
    `relevant[j]` holds the passages that address claim j's subject (compare's relevance
    criterion with the claim as topic): only their units can make the claim."""
    reader = session.reader
    vectors = session.encode([topic, *claims]).astype(np.float64)
    topic_vector, claim_vectors = vectors[0], vectors[1:]
    allowed = reader.allowed_documents(filters)
    candidates: set[int] = set()
    for vector in vectors:
        candidates |= {p for p, _ in dense_search(reader, vector.astype(np.float32),
                                                  CANDIDATES_PER_CLAIM, allowed)}
    for passages in relevant:
        candidates |= passages
    rowids = sorted(candidates)
    records = reader.passages(rowids)
    owners, spans, unit_ids = [], [], []
    for rowid in rowids:
        for unit, span in finest_units(*reader.windows_of(rowid)):
            unit_ids.append(unit)
            spans.append(span)
            owners.append(rowid)
    if not unit_ids:
        return [ClaimMatches(c, []) for c in claims]
    unit_texts = [records[p].text[a:b] for p, (a, b) in zip(owners, spans, strict=True)]
    unit_vectors = reader.vectors(unit_ids).astype(np.float64)
    unit_words = [content_words(t) for t in unit_texts]
    probabilities = match(unit_vectors, claim_vectors, topic_vector, unit_words,
                          [content_words(c) for c in claims], model)
    out = []
    for j, claim in enumerate(claims):
        best: dict[int, UnitMatch] = {}
        for i, rowid in enumerate(owners):
            score = float(probabilities[i, j])
            if rowid not in best or score > best[rowid].score:
                best[rowid] = UnitMatch(rowid, records[rowid].doc_rowid, spans[i], score,
                                        rowid in relevant[j])
        out.append(ClaimMatches(claim, sorted(
            best.values(), key=lambda u: (not u.grounded, -u.score, u.passage_rowid))))
    return out
