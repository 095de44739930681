"""Combining rankings from different retrievers."""

from __future__ import annotations

from collections.abc import Hashable, Sequence

RRF_K = 60  # the constant of Cormack et al. (2009); robust without tuning


def reciprocal_rank_fusion(
    rankings: Sequence[Sequence[Hashable]], k: int = RRF_K
) -> list[tuple[Hashable, float]]:
    """Items of all rankings ordered by sum(1 / (k + rank)), rank counted from 1."""
    scores: dict[Hashable, float] = {}
    for ranking in rankings:
        for rank, item in enumerate(ranking, start=1):
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
    return sorted(scores.items(), key=lambda pair: -pair[1])
