"""Whether a text makes a claim: the one match function behind `compare --claims` and the
key-point matching of `parallax eval` on a KPA folder (docs/compare.md).

A plain cosine between a text and a claim is a poor verdict for two reasons. Across claims,
its scale moves: a short generic claim ("It is a good policy") is close to everything on the
topic, a specific one far from texts that make it. Across texts, a text on the topic is close
to every claim of the topic. What tells a match is how much closer the text is to this claim
than to the others, whether it uses the claim's own words, and how generic the claim is. So
the match score is a logistic regression over a handful of such features of each
(text, claim) pair, with weights learnt on ArgKP's training split (benchmarks/calibrate_claims.py);
its output reads as the probability that the text makes the claim, and the threshold was
chosen on ArgKP's dev split.

Features of text i and claim j, given all texts and claims of one topic (and stance):

- cosine: cos(text_i, claim_j);
- margin: cos(text_i, claim_j) minus the text's best cosine with another claim (0 when there
  is no other claim), i.e. how clearly this claim, of all, is the one the text makes;
- overlap: the share of the claim's content words (stemmed) the text uses;
- text_topic, claim_topic: cosines of the text and of the claim with the topic: a claim that
  only restates the topic is made by few texts, a text that only restates it makes no claim.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from parallax.stance.terms import term_occurrences

FEATURES = ("cosine", "margin", "overlap", "text_topic", "claim_topic")


@dataclass(frozen=True)
class MatchModel:
    weights: tuple[float, ...]  # one per FEATURES entry
    bias: float
    threshold: float  # a text makes a claim when its match probability reaches this

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        z = features @ np.asarray(self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-z))


# Fitted by benchmarks/calibrate_claims.py: weights on ArgKP train (24 topics, labelled pairs
# only), threshold on ArgKP dev (the best F1 of match decisions). Test never seen.
MODEL = MatchModel(weights=(3.328, 9.073, 0.98, -0.681, -6.977), bias=1.651, threshold=0.3)


def content_words(text: str) -> set[str]:
    return {key for key, _ in term_occurrences(text, phrases=False)}


def features(texts: np.ndarray, claims: np.ndarray, topic: np.ndarray,
             text_words: Sequence[set[str]], claim_words: Sequence[set[str]]) -> np.ndarray:
    """An (n texts, m claims, len(FEATURES)) array; vectors are unit rows."""
    n, m = len(texts), len(claims)
    out = np.zeros((n, m, len(FEATURES)), dtype=np.float64)
    if n == 0 or m == 0:
        return out
    cos = texts.astype(np.float64) @ claims.astype(np.float64).T
    out[..., 0] = cos
    if m > 1:
        order = np.sort(cos, axis=1)
        best, second = order[:, -1:], order[:, -2:-1]
        out[..., 1] = cos - np.where(cos >= best, second, best)
    out[..., 2] = [[len(t & c) / max(1, len(c)) for c in claim_words] for t in text_words]
    out[..., 3] = (texts @ topic)[:, None]
    out[..., 4] = (claims @ topic)[None, :]
    return out


def match(texts: np.ndarray, claims: np.ndarray, topic: np.ndarray,
          text_words: Sequence[set[str]], claim_words: Sequence[set[str]],
          model: MatchModel = MODEL) -> np.ndarray:
    """(n texts, m claims) probabilities that each text makes each claim."""
    return model.probabilities(features(texts, claims, topic, text_words, claim_words))


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-3,
                 iterations: int = 50) -> tuple[np.ndarray, float]:
    """Weights and bias of an L2-regularised logistic regression (Newton's method)."""
    rows = np.c_[x, np.ones(len(x))]
    w = np.zeros(rows.shape[1])
    penalty = l2 * np.eye(len(w))
    penalty[-1, -1] = 0.0
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-rows @ w))
        hessian = rows.T @ (rows * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, rows.T @ (p - y) + penalty @ w)
        w -= step
        if np.max(np.abs(step)) < 1e-9:
            break
    return w[:-1], float(w[-1])
