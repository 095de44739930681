"""The official Track 1 score of the Key Point Analysis shared task (KPA-2021), and the
clustering scores of claim discovery. Pure functions over plain data; numpy only.

Track 1, as `code/track_1_kp_matching.py` of IBM/KPA_2021_shared_task computes it:

1. every argument keeps its best-scoring key point of its topic and stance (a key point
   without a score scores 0);
2. per topic × stance, those (argument, key point) pairs are sorted by score and the first
   ``int(0.5 × n)`` kept;
3. the average precision of that ranking against the labels (scikit-learn's
   ``average_precision_score``: tied scores form one threshold), multiplied by the share of
   kept pairs that are matches (the script's ``ap * positives_in_top_predictions /
   max_num_of_positives``, so that a ranking of few right pairs cannot score high), 0 when
   no kept pair is a match;
4. the mean over topic × stance. Undecided pairs (absent from the labels) count as
   non-matches for the **strict** score and as matches for the **relaxed** one.

The script breaks ties between an argument's key points at random (seed 42); here the
first key point in the data's order wins, which differs only on exact ties.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

TOP_SHARE = 0.5


def average_precision(labels: Sequence[int], scores: Sequence[float]) -> float:
    """scikit-learn's average_precision_score: Σ (R_k − R_{k−1}) P_k over the distinct
    score thresholds, highest first; tied scores enter together."""
    y = np.asarray(labels, dtype=float)
    s = np.asarray(scores, dtype=float)
    positives = y.sum()
    if len(y) == 0 or positives == 0:
        return 0.0
    order = np.argsort(-s, kind="mergesort")
    y, s = y[order], s[order]
    last_of_tie = np.r_[np.flatnonzero(np.diff(s) != 0), len(s) - 1]
    hits = np.cumsum(y)[last_of_tie]
    precision = hits / (last_of_tie + 1)
    recall = hits / positives
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


def retrieval_precision(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Average precision times the share of matches among the pairs: the score of one
    topic × stance's kept pairs."""
    if not labels:
        return 0.0
    return average_precision(labels, scores) * sum(labels) / len(labels)


@dataclass(frozen=True)
class Pair:
    """An argument's best key point, its score and its two labels."""

    group: tuple[str, int]  # (topic, stance)
    argument: str
    key_point: str
    score: float
    strict: int
    relaxed: int


def best_pairs(scores: Mapping[str, Mapping[str, float]], groups: Mapping[str, tuple[str, int]],
               labels: Mapping[tuple[str, str], int]) -> list[Pair]:
    """Each argument's best key point (`scores[argument][key_point]`, key points in the
    data's order) with its labels; `labels` holds 1/0 for decided pairs only."""
    out = []
    for argument, row in scores.items():
        if not row:
            continue
        key_point = max(row, key=lambda k: row[k])  # first of equals
        label = labels.get((argument, key_point))
        out.append(Pair(groups[argument], argument, key_point, float(row[key_point]),
                        0 if label is None else label, 1 if label is None else label))
    return out


def track1_map(pairs: Sequence[Pair], top_share: float = TOP_SHARE) -> dict[str, float]:
    """Strict and relaxed mean average precision over topic × stance."""
    by_group: dict[tuple[str, int], list[Pair]] = {}
    for p in pairs:
        by_group.setdefault(p.group, []).append(p)
    strict, relaxed = [], []
    for members in by_group.values():
        # pandas' sort_values is not stable either; ties at the cut are rare with floats
        kept = sorted(members, key=lambda p: -p.score)[:int(len(members) * top_share)]
        scores = [p.score for p in kept]
        strict.append(retrieval_precision([p.strict for p in kept], scores))
        relaxed.append(retrieval_precision([p.relaxed for p in kept], scores))
    return {"strict": float(np.mean(strict)) if strict else 0.0,
            "relaxed": float(np.mean(relaxed)) if relaxed else 0.0}


def adjusted_rand_index(truth: Sequence[object], found: Sequence[object]) -> float:
    """Hubert and Arabie's adjusted Rand index of two labellings of the same items."""
    table = _contingency(truth, found)
    n = table.sum()

    def pairs(x: np.ndarray) -> float:
        return float(np.sum(x * (x - 1) / 2))

    index = pairs(table)
    rows, cols = pairs(table.sum(axis=1)), pairs(table.sum(axis=0))
    expected = rows * cols / (n * (n - 1) / 2) if n > 1 else 0.0
    maximum = (rows + cols) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)


def v_measure(truth: Sequence[object], found: Sequence[object]) -> float:
    """Rosenberg and Hirschberg's V-measure: harmonic mean of homogeneity and completeness."""
    table = _contingency(truth, found).astype(float)
    n = table.sum()
    if n == 0:
        return 1.0

    def entropy(counts: np.ndarray) -> float:
        p = counts[counts > 0] / n
        return float(-np.sum(p * np.log(p)))

    h_truth, h_found = entropy(table.sum(axis=1)), entropy(table.sum(axis=0))
    nz = table > 0
    joint = table[nz] / n
    rows = np.broadcast_to(table.sum(axis=1, keepdims=True), table.shape)[nz] / n
    cols = np.broadcast_to(table.sum(axis=0, keepdims=True), table.shape)[nz] / n
    mutual = float(np.sum(joint * np.log(joint / (rows * cols))))
    homogeneity = 1.0 if h_truth == 0 else mutual / h_truth
    completeness = 1.0 if h_found == 0 else mutual / h_found
    if homogeneity + completeness == 0:
        return 0.0
    return 2 * homogeneity * completeness / (homogeneity + completeness)


def _contingency(truth: Sequence[object], found: Sequence[object]) -> np.ndarray:
    if len(truth) != len(found):
        raise ValueError("the two labellings must cover the same items")
    rows = {t: i for i, t in enumerate(dict.fromkeys(truth))}
    cols = {f: i for i, f in enumerate(dict.fromkeys(found))}
    table = np.zeros((len(rows), len(cols)), dtype=np.int64)
    for t, f in zip(truth, found, strict=True):
        table[rows[t], cols[f]] += 1
    return table
