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


def _min_max(scored: Sequence[tuple[Hashable, float]]) -> dict[Hashable, float]:
    if not scored:
        return {}
    values = [score for _, score in scored]
    low, high = min(values), max(values)
    span = high - low
    return {item: (score - low) / span if span else 1.0 for item, score in scored}


def relative_score_fusion(
    dense: Sequence[tuple[Hashable, float]],
    lexical: Sequence[tuple[Hashable, float]],
    dense_weight: float,
) -> list[tuple[Hashable, float]]:
    """Items ordered by a weighted sum of min-max normalised scores; an item missing from a
    list gets 0 from it. Unlike rank fusion, a large score gap survives: a retriever that is
    confident outweighs one that is not."""
    a, b = _min_max(dense), _min_max(lexical)
    scores = {item: dense_weight * a.get(item, 0.0) + (1 - dense_weight) * b.get(item, 0.0)
              for item in {*a, *b}}
    return sorted(scores.items(), key=lambda pair: -pair[1])
