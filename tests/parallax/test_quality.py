"""Retrieval quality on our own question sets for the sample corpus, with the real model.

Two sets, written independently (docs/quality.md): `china-us.jsonl` (65 questions, a third of
them deep paraphrases) and `china-us-plain.jsonl` (40 questions as users type them). The bars
are the project's acceptance bars for the default mode, on all 105 questions; the table per
set and mode is printed (run pytest with -s) so that changes to any of them are visible."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexes import Mode
from parallax.evaluation.retrieval import load_questions, rank_questions, summarise
from parallax.session import Session

EVALS = Path(__file__).resolve().parents[2] / "evals"
SETS = ("china-us.jsonl", "china-us-plain.jsonl")


@pytest.fixture(scope="module")
def metrics(sample_index: Path, real_encoder) -> dict[str, dict[str, float]]:  # noqa: ANN001
    questions = {name: load_questions(EVALS / name) for name in SETS}
    assert all(len(q) >= 30 for q in questions.values())
    table: dict[str, dict[str, float]] = {}
    with Session(sample_index, encoder_loader=lambda name: real_encoder) as session:
        for mode in Mode:
            outcomes = {name: rank_questions(session, q, mode) for name, q in questions.items()}
            for name, found in outcomes.items():
                table[f"{mode.value} {name}"] = summarise(found)
            table[mode.value] = summarise([o for found in outcomes.values() for o in found])
    print(f"\n{sum(len(q) for q in questions.values())} questions on the sample corpus")
    for row, values in table.items():
        print(f"  {row:<30}" + "  ".join(f"{k} {v:.3f}" for k, v in values.items()))
    return table


def test_default_mode_finds_the_answer_in_the_top_five(metrics: dict) -> None:
    assert metrics["hybrid"]["recall@5"] >= 0.95


def test_default_mode_ranks_the_answer_high(metrics: dict) -> None:
    assert metrics["hybrid"]["mrr@10"] >= 0.85


def test_every_mode_is_far_better_than_chance(metrics: dict) -> None:
    # 84 passages: chance Recall@5 is about 0.06.
    for mode in Mode:
        assert metrics[mode.value]["recall@5"] >= 0.6, mode
