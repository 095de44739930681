"""Whether a sentence makes a candidate key point's point: the claim matcher of
`compare --claims` (parallax.stance.claim_match.claim_probabilities), with its mention rival.
Shared by `compare`'s key points and their measure on ArgKP (parallax.evaluation.kpa_discovery),
so that what is measured is what runs."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from parallax.stance.claim_check import mention_of
from parallax.stance.claim_match import MODEL, Matcher, claim_probabilities

Encode = Callable[[Sequence[str]], np.ndarray]


class PointMatch:
    """`self(chosen)`: the (sentences × chosen candidates) probabilities that each sentence
    makes each candidate's point, the candidates being sentences themselves.

    Every sentence is embedded alone (as ArgKP's arguments were when the matcher learnt), once:
    `encode` is remembered, so the matcher's second stage finds the vectors it asks for.
    Mention is not assertion: as for --claims, the candidates are matched beside a rival that
    only names the topic, and a sentence that reads more as naming the subject than as making
    the point does not make it (probability 0)."""

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
        chosen = list(chosen)
        p = claim_probabilities(
            self.texts, [*(self.texts[i] for i in chosen), self.mention], self.topic,
            self.encode, text_vectors=self.vectors,
            claim_vectors=np.vstack([self.vectors[chosen], self.rival]),
            topic_vector=self.topic_vector, matcher=self.matcher)
        return np.where(p[:, :-1] > p[:, -1:], p[:, :-1], 0.0)
