"""`parallax eval` on a KPA folder (ArgKP): key-point matching with the match function of
`compare --claims` (parallax.stance.claim_match), scored as the KPA-2021 shared task's
Track 1, and key point discovery: the key point builder of `compare` run on each topic × stance's
arguments (parallax.evaluation.kpa_discovery)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from parallax.evaluation.calibration import expected_calibration_error, reliability
from parallax.evaluation.kpa import Item, Split, load_split, splits_in
from parallax.evaluation.kpa_discovery import discovery, texts_to_embed
from parallax.evaluation.kpa_metrics import best_pairs, track1_map
from parallax.stance.claim_match import (
    MODEL,
    Matcher,
    MatchModel,
    adapted_encoder,
    content_words,
    features,
)

Encode = Callable[[Sequence[str]], np.ndarray]
REPORTED_SPLITS = ("dev", "test")


class Vectors:
    """Each distinct text embedded once."""

    def __init__(self, encode: Encode) -> None:
        self._encode = encode
        self._known: dict[str, np.ndarray] = {}

    def add(self, texts: Sequence[str]) -> None:
        missing = sorted(set(texts) - set(self._known))
        if missing:
            self._known.update(zip(missing, self._encode(missing), strict=True))

    def __call__(self, texts: Sequence[str]) -> np.ndarray:
        self.add(texts)
        return np.stack([self._known[t] for t in texts]).astype(np.float64)


def split_texts(split: Split) -> list[str]:
    return ([a.text for a in split.arguments] + [k.text for k in split.key_points]
            + sorted({a.topic for a in split.arguments}))


def group_features(vectors: Vectors, arguments: list[Item], key_points: list[Item]
                   ) -> np.ndarray:
    """The match features of every argument of one topic × stance with each key point."""
    topic = vectors([arguments[0].topic])[0]
    return features(vectors([a.text for a in arguments]), vectors([k.text for k in key_points]),
                    topic, [content_words(a.text) for a in arguments],
                    [content_words(k.text) for k in key_points])


def match_logits(split: Split, vectors: Vectors, adapted: Vectors | None,
                 model: Matcher = MODEL) -> dict[str, dict[str, float]]:
    """scores[arg_id][key_point_id]: the full model's logit over the `adapted` vectors for
    every argument and key point of its topic × stance (every pair: this measures the
    match, not the screen that spares `compare` from embedding texts that cannot match);
    the screen's logit when there are no adapted vectors (vectors of another model).
    Track 1 ranks by it: the order of the calibrated probabilities, whose ties (the
    isotonic map is flat beyond dev's extreme logits) it breaks."""
    if adapted is None:
        return _pair_scores(split, lambda arguments, kps: model.screen.logits(
            vectors([a.text for a in arguments]), vectors([k.text for k in kps]),
            group_features(vectors, arguments, kps)))
    return _pair_scores(split, lambda arguments, kps: model.full.logits(
        adapted([a.text for a in arguments]), adapted([k.text for k in kps]),
        group_features(vectors, arguments, kps)))


def screen_recall(split: Split, vectors: Vectors, model: Matcher = MODEL) -> dict:
    """What the screen of `compare` keeps: the share of the split's matching pairs (strict
    labels) whose argument has a screen probability reaching `model.screen_cut` with some
    key point (those are scored by the full model; the others keep the screen's score),
    and the share of arguments kept."""
    kept: dict[str, bool] = {}
    key_points = split.key_points_of()
    for group, arguments in split.arguments_of().items():
        kps = key_points.get(group, [])
        if kps:
            p = model.screen.probabilities(vectors([a.text for a in arguments]),
                                           vectors([k.text for k in kps]),
                                           group_features(vectors, arguments, kps))
            kept.update({a.id: bool(row.max() >= model.screen_cut)
                         for a, row in zip(arguments, p, strict=True)})
    matches = [a for (a, _), label in split.labels.items() if label == 1 and a in kept]
    return {"cut": model.screen_cut,
            "matches_kept": round(sum(kept[a] for a in matches) / max(1, len(matches)), 4),
            "arguments_kept": round(sum(kept.values()) / max(1, len(kept)), 4)}


def calibration(split: Split, logits: dict[str, dict[str, float]], model: MatchModel
                ) -> dict:
    """Expected calibration error and reliability table of the match probabilities over the
    split's labelled pairs (strict labels; undecided pairs left out), before the isotonic
    map (the logistic of the logit) and after it (the probability shown)."""
    pairs = [(logits[a][k], label) for (a, k), label in sorted(split.labels.items())
             if k in logits.get(a, {})]
    z = np.array([p for p, _ in pairs])
    y = np.array([label for _, label in pairs])
    shown = model.calibrated(z)
    return {"pairs": len(pairs),
            "ece_uncalibrated": round(expected_calibration_error(1 / (1 + np.exp(-z)), y), 4),
            "ece": round(expected_calibration_error(shown, y), 4),
            "reliability": reliability(shown, y)}


def cosine_scores(split: Split, vectors: Vectors) -> dict[str, dict[str, float]]:
    """The baseline: plain cosine between argument and key point."""
    return _pair_scores(split, lambda arguments, kps: vectors([a.text for a in arguments])
                        @ vectors([k.text for k in kps]).T)


def _pair_scores(split: Split, score: Callable[[list[Item], list[Item]], np.ndarray]
                 ) -> dict[str, dict[str, float]]:
    """scores[arg_id][key_point_id] from `score(arguments, key_points)` of each group."""
    key_points = split.key_points_of()
    scores: dict[str, dict[str, float]] = {}
    for group, arguments in split.arguments_of().items():
        kps = key_points.get(group, [])
        if not kps:
            continue
        matrix = score(arguments, kps)
        for i, argument in enumerate(arguments):
            scores[argument.id] = {k.id: float(matrix[i, j]) for j, k in enumerate(kps)}
    return scores


def track1(split: Split, scores: dict[str, dict[str, float]]) -> dict[str, float]:
    groups = {a.id: a.group for a in split.arguments}
    return track1_map(best_pairs(scores, groups, split.labels))


def evaluate_kpa(folder: Path, encode: Encode, splits: Sequence[str] = REPORTED_SPLITS,
                 model: Matcher = MODEL, adapt: Encode | None = None) -> dict:
    """The report of `parallax eval FOLDER` for a KPA folder: per split, Track 1 mAP of the
    match function and of the plain-cosine baseline, the calibration of its probabilities
    (ECE, reliability table), what the screen keeps and the key point discovery scores.
    `encode` is the base model; `adapt` the adapted one (by default the matcher's, on the
    numpy forward pass), used when `encode`'s vectors have the base model's dimension."""
    present = [s for s in splits if s in splits_in(folder)]
    vectors = Vectors(encode)
    adapted = None
    report: dict = {"dataset": str(folder.resolve()), "task": "kpa",
                    "match_function": "parallax.stance.claim_match (each text embedded "
                                      "alone; one-hidden-layer "
                                      "network over their product and cosine, margin, word "
                                      "overlap, topic similarities; isotonic calibration)",
                    "threshold": model.threshold, "splits": {}}
    for name in present:
        split = load_split(folder, name)
        vectors.add(split_texts(split) + texts_to_embed(split))
        if adapted is None and vectors(split_texts(split)[:1]).shape[1] == \
                model.full.dimension:
            adapted = Vectors(adapt or adapted_encoder(model).encode)
        logits = match_logits(split, vectors, adapted, model)
        report["splits"][name] = {
            "arguments": len(split.arguments), "key_points": len(split.key_points),
            "track1": track1(split, logits),
            "calibration": calibration(split, logits,
                                       model.full if adapted is not None else model.screen),
            "screen": screen_recall(split, vectors, model),
            "cosine_baseline": track1(split, cosine_scores(split, vectors)),
            "key_point_discovery": discovery(split, vectors),
        }
    return report
