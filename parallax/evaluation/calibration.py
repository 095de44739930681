"""Whether scores read as probabilities: expected calibration error and the reliability
table behind it (equal-width bins of the predicted probability). Pure numpy."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

BINS = 10


def reliability(probabilities: Sequence[float], labels: Sequence[int], bins: int = BINS
                ) -> list[dict[str, float]]:
    """One row per non-empty bin [k/bins, (k+1)/bins): its range, the mean predicted
    probability, the observed rate of matches and the count of pairs."""
    p = np.asarray(probabilities, dtype=float)
    y = np.asarray(labels, dtype=float)
    which = np.minimum((p * bins).astype(int), bins - 1)
    rows = []
    for k in range(bins):
        members = which == k
        if members.any():
            rows.append({"low": k / bins, "high": (k + 1) / bins,
                         "predicted": round(float(p[members].mean()), 4),
                         "observed": round(float(y[members].mean()), 4),
                         "count": int(members.sum())})
    return rows


def expected_calibration_error(probabilities: Sequence[float], labels: Sequence[int],
                               bins: int = BINS) -> float:
    """Σ over bins of (share of pairs in the bin) × |mean predicted − observed rate|."""
    rows = reliability(probabilities, labels, bins)
    total = sum(r["count"] for r in rows)
    if not total:
        return 0.0
    return sum(r["count"] * abs(r["predicted"] - r["observed"]) for r in rows) / total
