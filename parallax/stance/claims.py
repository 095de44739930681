"""Sub-claims of a topic: the passages that address it, grouped by what they say about it.

Passages are clustered with average-linkage agglomerative clustering on cosine distance
(scipy). Each passage is represented by the embedded unit that matched the topic best, centred
on the corpus mean and with the topic's own direction removed, so that passages group by what
they add to the topic rather than by how strongly they match it. Without vectors (lexical
mode) the passages' TF-IDF term vectors are clustered instead. Each claim is labelled with the
terms its passages use more than the other claims' (parallax.stance.terms.distinctive)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.cluster.hierarchy import fcluster, linkage

from parallax.stance.terms import count_terms, distinctive, term_key, topic_words

# Passages further apart than this (cosine distance, average linkage) make separate claims.
# Chosen by reading the claims it gives on the sample corpus's topics (docs/compare.md); a
# lower value splits the same argument made in different words.
CLAIM_DISTANCE = 0.75
# TF-IDF vectors of short texts share few words, so their distances run higher.
LEXICAL_CLAIM_DISTANCE = 0.9
MAX_CLAIMS = 5
LABEL_TERMS = 3


@dataclass(frozen=True)
class ClaimGroup:
    members: list[int]  # indices into the passages given, best first as given
    terms: list[str]


def cluster(vectors: np.ndarray, max_claims: int = MAX_CLAIMS,
            distance: float = CLAIM_DISTANCE) -> list[int]:
    """A cluster number (0-based, in order of first appearance) for each row."""
    n = len(vectors)
    if n == 0:
        return []
    if n == 1:
        return [0]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    rows = np.where(norms > 0, vectors / np.where(norms == 0, 1, norms), 0.0)
    if not np.any(rows):
        return [0] * n
    tree = linkage(rows, method="average", metric="cosine")
    labels = fcluster(tree, t=distance, criterion="distance")
    if len(set(labels)) > max_claims:
        labels = fcluster(tree, t=max_claims, criterion="maxclust")
    order: dict[int, int] = {}
    return [order.setdefault(int(label), len(order)) for label in labels]


def without_topic(vectors: np.ndarray, topic: np.ndarray, centre: np.ndarray) -> np.ndarray:
    """Rows centred on the corpus mean, minus their component along the (centred) topic."""
    rows = vectors - centre
    direction = topic - centre
    norm = np.linalg.norm(direction)
    if norm == 0:
        return rows
    direction = direction / norm
    return rows - np.outer(rows @ direction, direction)


def tfidf_vectors(texts: Sequence[str]) -> np.ndarray:
    """Rows of TF-IDF weights over the terms of `texts`, for clustering without a model."""
    counts = [count_terms([text])[0] for text in texts]
    vocabulary = sorted({term for c in counts for term in c if " " not in term})
    index = {term: i for i, term in enumerate(vocabulary)}
    frequency = Counter(term for c in counts for term in c if term in index)
    idf = np.array([np.log((1 + len(texts)) / (1 + frequency[t])) + 1 for t in vocabulary])
    out = np.zeros((len(texts), len(vocabulary)), dtype=np.float32)
    for row, c in enumerate(counts):
        for term, n in c.items():
            if term in index:
                out[row, index[term]] = n
    return out * idf


def claims(texts: Sequence[str], vectors: np.ndarray | None, topic: str,
           max_claims: int = MAX_CLAIMS) -> list[ClaimGroup]:
    """Passages (texts, and their vectors when there are any) grouped into claims, each
    labelled with its own terms; largest claim first."""
    if not texts:
        return []
    distance = CLAIM_DISTANCE
    if vectors is None:
        vectors, distance = tfidf_vectors(texts), LEXICAL_CLAIM_DISTANCE
    numbers = cluster(vectors, max_claims, distance)
    groups: dict[int, list[int]] = {}
    for i, number in enumerate(numbers):
        groups.setdefault(number, []).append(i)
    ordered = sorted(groups.values(), key=lambda members: (-len(members), members[0]))
    exclude = topic_words(topic)
    out = []
    for members in ordered:
        inside = [texts[i] for i in members]
        outside = [texts[i] for i in range(len(texts)) if i not in set(members)]
        terms = [t.term for t in distinctive(inside, outside, LABEL_TERMS, 0.0, exclude)]
        if len(terms) < LABEL_TERMS:
            terms += [t for t in _frequent(inside, exclude) if t not in terms]
        out.append(ClaimGroup(members, terms[:LABEL_TERMS]))
    return out


def _frequent(texts: Sequence[str], exclude: Sequence[str]) -> list[str]:
    """The most frequent terms (phrases first when they recur), as written."""
    counts, forms = count_terms(texts)
    skip = {term_key(w) for w in exclude}
    ranked = sorted((t for t in counts if not set(t.split()) <= skip),
                    key=lambda t: (-(counts[t] + (0.5 if " " in t and counts[t] > 1 else 0)),
                                   t))
    return [forms[t].most_common(1)[0][0] for t in ranked[:LABEL_TERMS * 2]]
