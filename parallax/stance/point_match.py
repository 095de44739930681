"""Whether a sentence makes a candidate key point's point: the claim matcher of
`compare --claims` (parallax.stance.claim_match.claim_probabilities), with its mention rival.
Shared by `compare`'s key points and their measure on ArgKP (parallax.evaluation.kpa_discovery),
so that what is measured is what runs.

The matcher reads, among its inputs, the margin of a text's match with a claim over its best
match with the other claims of the call (claim_match.features): it learnt it on ArgKP, where
the other claims are the topic's other key points, a handful of distinct points. So what the
other claims of a call are decides what a probability means, and key points are scored in
two ways:

- `alone(chosen)`: each candidate as a user's only claim, beside the mention rival, as
  `compare --claims` scores one claim: which sentences would make it if it were the one
  point. Scored together instead, sixty candidates, many of them the same point in other
  words, would leave every sentence a margin only over the candidate nearest to it (and a
  candidate sentence a margin over itself): no two candidates would share a sentence and
  no candidate would ever make another's point, so duplicates went unseen.
- `self(chosen)`: the chosen key points together, as the matcher learnt: each sentence's
  margin is over the other key points (none for one key point), and the mention rival only
  vetoes: a sentence whose match with the rival (scored beside the key points) beats its
  match with a key point does not make that point. With the rival among the claims, every
  sentence on the topic loses margin to it and few make any point (on ArgKP dev, with the
  gold key points as the claims, ARI of the assignment 0.21 against 0.28 with the veto).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from parallax.stance.claim_check import mention_of
from parallax.stance.claim_match import (
    MODEL,
    Matcher,
    claim_probabilities,
    content_words,
    features,
)

Encode = Callable[[Sequence[str]], np.ndarray]


class PointMatch:
    """(sentences × chosen candidates) probabilities that each sentence makes each
    candidate's point, the candidates being sentences themselves.

    Every sentence is embedded alone (as ArgKP's arguments were when the matcher learnt), once:
    `encode` is remembered, so the matcher's second stage finds the vectors it asks for.
    Mention is not assertion: as for --claims, a sentence that reads more as naming the subject
    than as making the point does not make it (probability 0)."""

    def __init__(self, texts: Sequence[str], topic: str, encode: Encode,
                 matcher: Matcher = MODEL) -> None:
        self.texts = list(texts)
        self.topic = topic
        self.mention = mention_of(topic)
        self._known: dict[str, np.ndarray] = {}
        self._encode = encode
        self.vectors = self.encode(self.texts)
        self.topic_vector, self.rival = self.encode([topic, self.mention])
        self.matcher = matcher

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self._known))
        if missing:
            self._known.update(zip(missing, self._encode(missing), strict=True))
        return np.stack([self._known[t] for t in texts]).astype(np.float64)

    @property
    def threshold(self) -> float:
        return self.matcher.threshold

    def __call__(self, chosen: Sequence[int]) -> np.ndarray:
        """The chosen candidates as one set of key points."""
        chosen = list(chosen)
        points = self._probabilities(chosen, rival=False)
        rival = self._probabilities(chosen, rival=True)[:, -1:]
        return np.where(points > rival, points, 0.0)

    def alone(self, chosen: Sequence[int]) -> np.ndarray:
        """Each chosen candidate as the only claim beside the mention rival: column j is
        what `compare --claims` gives for that one claim, in one pass over the network."""
        chosen = list(chosen)
        matcher = self.matcher
        if matcher.deltas or self.vectors.shape[1] != matcher.full.dimension:
            # Adapted vectors are embedded by claim_probabilities itself: one call each.
            columns = [self._probabilities([j], rival=True) for j in chosen]
            return np.column_stack([np.where(c[:, 0] > c[:, 1], c[:, 0], 0.0)
                                    for c in columns]) if chosen else \
                np.zeros((len(self.texts), 0))
        texts, claims = self.vectors, self.vectors[chosen]
        words = [content_words(t) for t in self.texts]
        mention_words = content_words(self.mention)
        hand = features(texts, claims, self.topic_vector, words, [words[j] for j in chosen])
        point_cos = texts @ claims.T
        rival_cos = texts @ self.rival
        # Each candidate beside the rival alone: its margin is over the rival, the rival's
        # over it (claim_match.features of the two claims [candidate, rival]).
        hand[..., 1] = point_cos - rival_cos[:, None]
        rival = np.empty_like(hand)
        rival[..., 0] = rival_cos[:, None]
        rival[..., 1] = rival_cos[:, None] - point_cos
        rival[..., 2] = np.array([len(w & mention_words) / max(1, len(mention_words))
                                  for w in words])[:, None]
        rival[..., 3] = hand[..., 3]
        rival[..., 4] = float(self.rival @ self.topic_vector)
        k = len(chosen)
        every = np.vstack([claims, np.repeat(self.rival[None, :], k, axis=0)])
        both = np.concatenate([hand, rival], axis=1)
        screened = matcher.screen.probabilities(texts, every, both)
        # claim_probabilities scores a text with the full model when one of the call's
        # pairs (here: the candidate and its rival) passes the screen; the texts are the
        # sentences embedded alone already.
        wanted = np.maximum(screened[:, :k], screened[:, k:]) >= matcher.screen_cut
        full = matcher.full.probabilities(texts, every, both)
        p = np.where(np.tile(wanted, 2), full, screened)
        return np.where(p[:, :k] > p[:, k:], p[:, :k], 0.0)

    def _probabilities(self, chosen: list[int], rival: bool) -> np.ndarray:
        claims = [self.texts[i] for i in chosen] + ([self.mention] if rival else [])
        vectors = self.vectors[chosen]
        if rival:
            vectors = np.vstack([vectors, self.rival])
        return claim_probabilities(self.texts, claims, self.topic, self.encode,
                                   text_vectors=self.vectors, claim_vectors=vectors,
                                   topic_vector=self.topic_vector, matcher=self.matcher)
