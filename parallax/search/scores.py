"""What a result's score means in each retrieval mode.

The modes score on different scales, and the hybrid one is not bounded by 1: dense is a
cosine similarity, lexical a BM25 sum (unbounded, it grows with rare words), hybrid a
weighted sum of both after min-max scaling over the question's candidates, plus boosts. One
scale for all would mean changing the hybrid ranking or squashing BM25 arbitrarily, so each
answer says instead which scale its scores are on (`score_scale`, `score_meaning` in JSON,
a line above the results on a terminal). The texts are built from the search settings, so
that they stay true when a weight changes.
"""

from __future__ import annotations

from dataclasses import dataclass

from indexes.query.search import SearchSettings


@dataclass(frozen=True)
class ScoreScale:
    name: str  # "cosine", "bm25" or "fused"
    short: str  # one line above the results on a terminal
    meaning: str  # the full sentence, in --json and the API


def score_scale(mode: str, settings: SearchSettings | None = None) -> ScoreScale:
    """The scale of `mode`'s scores ("dense", "lexical" or "hybrid")."""
    settings = settings if settings is not None else SearchSettings()
    if mode == "dense":
        return ScoreScale(
            "cosine", "cosine similarity to the question, -1 to 1, higher is closer",
            "Cosine similarity between the question and the passage's closest part (a window "
            "or a sentence), from -1 to 1; higher is closer in meaning. Comparable across "
            "questions on the same model, not across models.")
    if mode == "lexical":
        return ScoreScale(
            "bm25", "BM25 of the question's words, 0 and up with no fixed top: compare "
                    "within this list only",
            "BM25 of the question's words in the passage and its context (title, heading), "
            "with SQLite FTS5's formula: 0 and up, with no upper bound; rare words weigh "
            "more. Compare scores within one answer only.")
    dense, lexical = settings.dense_weight, 1 - settings.dense_weight
    if settings.fusion == "rrf":
        fused = (f"reciprocal rank fusion of dense and lexical rankings (the sum of "
                 f"1/({settings.rrf_k} + rank) over both)")
    else:
        fused = (f"{dense:.2f} x dense + {lexical:.2f} x lexical, each scaled from 0 (the "
                 f"weakest candidate) to 1 (the strongest) over this question's candidates")
    boosts = (f"plus {settings.mention_boost:g} for each author or year of the passage's "
              f"document that the question names, and {settings.previous_weight:g} of the "
              f"previous and {settings.next_weight:g} of the next passage's score")
    return ScoreScale(
        "fused", f"{dense:.2f} dense + {lexical:.2f} lexical, each scaled 0-1 over the "
                 "candidates, plus boosts; can pass 1: compare within this list only",
        f"A relative score: {fused}, {boosts}. It can pass 1 and says nothing on its own "
        "about how well a passage answers: compare scores within one answer only.")
