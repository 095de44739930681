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
passages nearest to each claim and to the topic (dense search) and those relevant to a claim.

Mention is not assertion. A sentence that names the subject among others ("disputes on other
issues, such as Taiwan, ...") is close to every claim about it. So each claim is matched with
a rival that only names the subject ("TOPIC is mentioned among other issues."), as ArgKP's key
points of a topic are matched with each other: the rival takes the margin of a mere mention,
and a unit whose match with the rival beats its match with the claim does not make the claim
(its score is 0). The units are screened on the index's vectors (read in their window's
context); those of a passage relevant to a claim with a screened probability reaching the
matcher's cut are embedded again, alone, by the adapted model and scored by the full match
(claim_match.claim_probabilities)."""

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
from parallax.stance.claim_match import MODEL, Matcher, claim_probabilities

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


def mention_of(topic: str) -> str:
    """The rival claim that only names the subject: every claim is matched against it too."""
    return f"{topic} is mentioned among other issues."


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
                 model: Matcher = MODEL) -> list[ClaimMatches]:
    """For each claim, the best unit of each candidate passage with its match score;
    `relevant[j]` holds the passages that address claim j's subject (compare's relevance
    criterion with the claim as topic): only their units can make the claim."""
    reader = session.reader
    mention = mention_of(topic)
    vectors = session.encode([topic, *claims, mention]).astype(np.float64)
    topic_vector = vectors[0]
    allowed = reader.allowed_documents(filters)
    candidates: set[int] = set()
    for vector in vectors[:-1]:
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
    # Only a unit of a passage that addresses claim j's subject can make it: the others
    # are screened, never embedded again (the mention rival pulls in no unit by itself).
    pairs = np.array([[rowid in r for r in relevant] + [False] for rowid in owners])
    probabilities = claim_probabilities(
        unit_texts, [*claims, mention], topic, session.encode,
        text_vectors=reader.vectors(unit_ids), topic_vector=topic_vector,
        claim_vectors=vectors[1:],
        pairs=pairs, matcher=model)
    # Mention is not assertion: a unit that reads more as naming the subject than as making
    # the claim does not make it, however high its score.
    asserted = probabilities[:, :-1] > probabilities[:, -1:]
    probabilities = np.where(asserted, probabilities[:, :-1], 0.0)
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
