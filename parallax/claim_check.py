"""`compare --claims`: for each claim a user brings and each source, whether the source makes
the claim, with the passages that do and their match scores.

Every embedded unit (window, sentence) of the candidate passages is matched against every
claim with parallax.claim_match, the function fitted on ArgKP (arguments ~ units, key points ~
claims, debate topic ~ the compare topic). A unit makes a claim when its match probability
reaches the threshold chosen on ArgKP's dev split; a passage's score is its best unit's, a
source makes the claim when one of its passages does. Candidates are the passages nearest to
each claim and to the topic (dense search), so the margin over the other claims is measured
against the units that could make any of them. Nothing is embedded but the claims and the
topic."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from indexes import Filters
from indexes.dense import dense_search
from indexes.lexical import STOPWORDS, query_terms
from parallax.claim_match import MODEL, MatchModel, content_words, match
from parallax.errors import UsageError
from parallax.session import Session

# A unit can make a claim only if it is about the claim's content at all: its cosine with
# the claim reaches this (the 10th percentile of matching pairs in ArgKP train: 90 % of true
# matches there pass), or it holds one of the claim's words that are not common in the index
# (in at most GENERIC_SHARE of its passages, the rule `compare` uses for a topic's words).
# ArgKP's arguments are all on their topic; a corpus's sentences mostly are not, and against
# a few unrelated claims any sentence has a wide margin (docs/compare.md).
GROUNDING_COSINE = 0.437
GENERIC_SHARE = 0.3
# Passages proposed by dense search per claim and for the topic.
CANDIDATES_PER_CLAIM = 40
MAX_CLAIMS = 50


@dataclass(frozen=True)
class UnitMatch:
    passage_rowid: int
    doc_rowid: int
    span: tuple[int, int]  # the unit's characters in the passage text
    score: float  # match probability
    grounded: bool  # close to the claim or sharing one of its uncommon words


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
                 filters: Filters | None = None, model: MatchModel = MODEL
                 ) -> list[ClaimMatches]:
    """For each claim, the best unit of each candidate passage with its match score."""
    reader = session.reader
    vectors = session.encode([topic, *claims]).astype(np.float64)
    topic_vector, claim_vectors = vectors[0], vectors[1:]
    allowed = None
    if filters is not None and filters.active:
        docs = [d.rowid for d in reader.documents() if filters.accepts(d)]
        passages = reader.passage_rowids_of(docs)
        allowed = np.flatnonzero(np.isin(reader.window_passages, passages)).astype(np.int64)
    candidates: set[int] = set()
    for vector in vectors:
        candidates |= {p for p, _ in dense_search(reader.faiss_index, reader.window_passages,
                                                  vector.astype(np.float32),
                                                  CANDIDATES_PER_CLAIM, allowed)}
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
    cosines = unit_vectors @ claim_vectors.T
    out = []
    for j, claim in enumerate(claims):
        special = {w for w in query_terms(claim) if not reader.is_common_word(w, GENERIC_SHARE)}
        best: dict[int, UnitMatch] = {}
        for i, rowid in enumerate(owners):
            grounded = bool(cosines[i, j] >= GROUNDING_COSINE
                            or special & set(query_terms(unit_texts[i])))
            score = float(probabilities[i, j])
            key = (grounded, score)
            if rowid not in best or key > (best[rowid].grounded, best[rowid].score):
                best[rowid] = UnitMatch(rowid, records[rowid].doc_rowid, spans[i], score,
                                        grounded)
        out.append(ClaimMatches(claim, sorted(
            best.values(), key=lambda u: (not u.grounded, -u.score, u.passage_rowid))))
    return out
