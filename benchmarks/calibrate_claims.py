"""Fit the match function of `compare --claims` and of `parallax eval` on a KPA folder
(parallax/stance/claim_match.py) on ArgKP, never on its test split.

    .venv/bin/python benchmarks/calibrate_claims.py [--data ../shared/datasets/argkp]
        [--cache DIR]

1. Weights: a logistic regression (Newton's method, L2 1e-3) over the features of every
   labelled (argument, key point) pair of `train` (undecided pairs left out), label 1 = match.
2. Threshold: the probability cut with the best F1 of match decisions over the labelled
   pairs of `dev` (a 0.01 grid), so that "makes the claim" is a decision calibrated on data
   the weights did not see.
3. Prints the constants to paste into claim_match.MODEL and the Track 1 figures on train and
   dev (test is reported by `parallax eval`, which reads the constants, never fits).

Feature sets compared on dev while the function was designed (strict / relaxed mAP, the
official score; plain cosine 0.438 / 0.725):
  cosine + margin                                                   0.501 / 0.760
  + word overlap                                                    0.531 / 0.786
  + text-topic and claim-topic cosines (the committed five)         0.555 / 0.784
  + per-claim z-score of the cosine                                 0.556 / 0.783
  + cosine of the key point read after its topic                    0.524 / 0.754
  + BERTScore-like word alignment (pooled word vectors)             0.565 / 0.803
  + the mean cosine of the 5 nearest arguments                      0.547 / 0.772
  + a second, per-argument regression over the best pair            0.568 / 0.794
The five were kept: the gains beyond them are within a point or two on 4 dev topics and
cost a second model pass per text (word alignment) or a model per argument.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from parallax.evaluation.kpa import load_split  # noqa: E402
from parallax.evaluation.kpa_eval import Vectors, group_features, match_scores, split_texts, track1  # noqa: E402
from parallax.stance.claim_match import FEATURES, MatchModel, fit_logistic  # noqa: E402

DATA = ROOT.parent / "shared" / "datasets" / "argkp"


def cached_encoder(cache: Path | None):  # noqa: ANN201
    from embed import load_encoder

    encoder = load_encoder()

    def encode(texts: list[str]) -> np.ndarray:
        if cache is None:
            return encoder.encode(texts)
        key = hashlib.sha256("\n\x00".join(texts).encode()).hexdigest()[:16]
        path = cache / f"vectors-{key}.npy"
        if path.exists():
            return np.load(path)
        vectors = encoder.encode(texts)
        cache.mkdir(parents=True, exist_ok=True)
        np.save(path, vectors)
        return vectors

    return encode


def labelled_pairs(split, vectors: Vectors) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001
    rows, labels = [], []
    key_points = split.key_points_of()
    for group, arguments in split.arguments_of().items():
        kps = key_points.get(group, [])
        if not kps:
            continue
        f = group_features(vectors, arguments, kps)
        for i, a in enumerate(arguments):
            for j, k in enumerate(kps):
                label = split.labels.get((a.id, k.id))
                if label is not None:
                    rows.append(f[i, j])
                    labels.append(label)
    return np.array(rows), np.array(labels, dtype=float)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--cache", type=Path, default=None,
                        help="keep the embeddings here between runs")
    args = parser.parse_args()
    train, dev = load_split(args.data, "train"), load_split(args.data, "dev")
    vectors = Vectors(cached_encoder(args.cache))
    vectors.add(split_texts(train) + split_texts(dev))
    x, y = labelled_pairs(train, vectors)
    weights, bias = fit_logistic(x, y)
    model = MatchModel(tuple(round(float(w), 3) for w in weights), round(bias, 3), 0.5)
    dx, dy = labelled_pairs(dev, vectors)
    p = model.probabilities(dx)
    best = (0.0, 0.5)
    for t in np.arange(0.05, 0.96, 0.01):
        decided = p >= t
        tp = float(np.sum(decided & (dy == 1)))
        f1 = 2 * tp / (decided.sum() + dy.sum()) if tp else 0.0
        best = max(best, (round(f1, 4), round(float(t), 2)))
    model = MatchModel(model.weights, model.bias, best[1])
    print(f"train: {len(y)} labelled pairs ({int(y.sum())} matches); "
          f"dev: {len(dy)} ({int(dy.sum())})")
    print("weights:", dict(zip(FEATURES, model.weights, strict=True)), "bias:", model.bias)
    print(f"threshold (best dev F1 {best[0]}): {model.threshold}")
    print(f"MODEL = MatchModel(weights={model.weights}, bias={model.bias}, "
          f"threshold={model.threshold})")
    for split in (train, dev):
        figures = track1(split, match_scores(split, vectors, model))
        print(f"{split.name}: Track 1 strict {figures['strict']:.3f} relaxed "
              f"{figures['relaxed']:.3f}")


if __name__ == "__main__":
    main()
