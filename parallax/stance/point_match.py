"""Whether a sentence makes a candidate key point's point: the claim matcher of
`compare --claims` (parallax.stance.claim_match), with its mention rival. Shared by `compare`'s
key points and their measure on ArgKP (parallax.evaluation.kpa_discovery), so that what is
measured is what runs."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from parallax.stance.claim_check import mention_of
from parallax.stance.claim_match import MODEL, MatchModel, content_words, match


class PointMatch:
    """`self(chosen)`: the (sentences × chosen candidates) probabilities that each sentence
    makes each candidate's point, the candidates being sentences themselves.

    Mention is not assertion: as for --claims, each candidate is matched beside a rival
    that only names the topic, and a sentence that reads more as naming the subject than as
    making the point does not make it (probability 0)."""

    def __init__(self, texts: Sequence[str], vectors: np.ndarray, topic: str,
                 topic_vector: np.ndarray, rival_vector: np.ndarray,
                 model: MatchModel = MODEL) -> None:
        self.vectors = vectors.astype(np.float64)
        self.topic_vector = topic_vector.astype(np.float64)
        self.rival = rival_vector.astype(np.float64).reshape(1, -1)
        self.words = [content_words(t) for t in texts]
        self.rival_words = content_words(mention_of(topic))
        self.model = model

    @property
    def threshold(self) -> float:
        return self.model.threshold

    def __call__(self, chosen: Sequence[int]) -> np.ndarray:
        chosen = list(chosen)
        p = match(self.vectors, np.vstack([self.vectors[chosen], self.rival]),
                  self.topic_vector, self.words,
                  [*(self.words[i] for i in chosen), self.rival_words], self.model)
        return np.where(p[:, :-1] > p[:, -1:], p[:, :-1], 0.0)
