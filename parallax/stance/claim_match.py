"""Whether a text makes a claim: the one match function behind `compare --claims` and the
key-point matching of `parallax eval` on a KPA folder (docs/compare.md).

The match is a small neural network (one hidden layer) over the frozen model's vectors of the
pair, u (text) and v (claim): [u, v, |u − v|, u ⊙ v] (the shipped model uses only u ⊙ v;
the other blocks are zero), plus five hand features of the pair in its topic (below). It
was trained on ArgKP's training split and chosen on its dev split by
benchmarks/train_claim_matcher.py; its parameters ship beside this module in
claim_match.npz (numpy arrays, no pickle). Its logit is read as a probability by an
isotonic map fitted on dev (the observed rate of matches over runs of dev pairs sorted by
logit, joined linearly so that the order of the scores is kept): the probability that the
text makes the claim, calibrated so that of the pairs scored about 0.7, about 70 % are
matches (docs/compare.md, reliability table).
A text makes a claim when that probability reaches the threshold shipped with the parameters
(0.31, the cut with the best F1 of match decisions on dev: a recall-leaning cut, and the
probability shown beside each verdict says how sure it is).

Hand features of text i and claim j, given all texts and claims of one topic (and stance):

- cosine: cos(text_i, claim_j);
- margin: cos(text_i, claim_j) minus the text's best cosine with another claim (0 when there
  is no other claim), i.e. how clearly this claim, of all, is the one the text makes;
- overlap: the share of the claim's content words (stemmed) the text uses;
- text_topic, claim_topic: cosines of the text and of the claim with the topic: a claim that
  only restates the topic is made by few texts, a text that only restates it makes no claim.

Vectors of another size than the model it was trained on (an index built with another
model) get the hand-feature part of the network alone, a weaker match.
Inference is numpy only and never builds the (texts × claims × inputs) array: the first layer
is applied block by block, one claim at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from parallax.stance.terms import term_occurrences

FEATURES = ("cosine", "margin", "overlap", "text_topic", "claim_topic")
PARAMETERS = Path(__file__).with_name("claim_match.npz")


@dataclass(frozen=True)
class MatchModel:
    """One hidden layer (ReLU) over [u, v, |u − v|, u ⊙ v, standardised hand features]."""

    w1: np.ndarray  # (4 × dimension + len(FEATURES), hidden)
    b1: np.ndarray  # (hidden,)
    w2: np.ndarray  # (hidden,)
    b2: float
    feature_mean: np.ndarray  # (len(FEATURES),): standardisation of the hand features
    feature_scale: np.ndarray
    knots: np.ndarray  # calibration (fitted on dev): increasing logits ...
    rates: np.ndarray  # ... and the observed rate of matches at each, interpolated between
    threshold: float  # a text makes a claim when its match probability reaches this

    def logits(self, texts: np.ndarray, claims: np.ndarray, hand: np.ndarray) -> np.ndarray:
        """(n, m) raw logits of texts × claims, `hand` the (n, m, len(FEATURES)) features."""
        n, m = len(texts), len(claims)
        out = np.zeros((n, m))
        if n == 0 or m == 0:
            return out
        d = (len(self.w1) - len(FEATURES)) // 4
        wh = self.w1[4 * d:]
        hand = (hand - self.feature_mean) / self.feature_scale
        if texts.shape[1] != d:  # another model's vectors: the hand features alone
            return np.maximum(hand @ wh + self.b1, 0.0) @ self.w2 + self.b2
        wu, wv, wd, wp = (self.w1[k * d:(k + 1) * d] for k in range(4))
        base = texts @ wu + self.b1
        for j in range(m):
            v = claims[j]
            hidden = (base + v @ wv + np.abs(texts - v) @ wd + (texts * v) @ wp
                      + hand[:, j] @ wh)
            out[:, j] = np.maximum(hidden, 0.0) @ self.w2 + self.b2
        return out

    def probabilities(self, texts: np.ndarray, claims: np.ndarray, hand: np.ndarray
                      ) -> np.ndarray:
        """(n, m) calibrated probabilities that each text makes each claim."""
        return self.calibrated(self.logits(texts, claims, hand))

    def calibrated(self, logits: np.ndarray) -> np.ndarray:
        """Logits read as probabilities: isotonic on dev, linear between its steps."""
        return np.interp(logits, self.knots, self.rates)


def load_model(path: Path = PARAMETERS) -> MatchModel:
    with np.load(path, allow_pickle=False) as z:
        return MatchModel(z["w1"].astype(np.float64), z["b1"].astype(np.float64),
                          z["w2"].astype(np.float64), float(z["b2"]),
                          z["feature_mean"].astype(np.float64),
                          z["feature_scale"].astype(np.float64),
                          z["knots"].astype(np.float64), z["rates"].astype(np.float64),
                          float(z["threshold"]))


def save_model(model: MatchModel, path: Path = PARAMETERS) -> None:
    np.savez_compressed(path, w1=model.w1.astype(np.float32), b1=model.b1.astype(np.float32),
                        w2=model.w2.astype(np.float32), b2=np.float32(model.b2),
                        feature_mean=model.feature_mean.astype(np.float32),
                        feature_scale=model.feature_scale.astype(np.float32),
                        knots=model.knots.astype(np.float64),
                        rates=model.rates.astype(np.float64),
                        threshold=np.float64(model.threshold))


MODEL = load_model()


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
    texts, claims = texts.astype(np.float64), claims.astype(np.float64)
    return model.probabilities(texts, claims,
                               features(texts, claims, topic, text_words, claim_words))
