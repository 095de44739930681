"""Retrieval quality on our own question set for the sample corpus, with the real model.

The bars are the project's acceptance bars for the default mode; other modes are reported
(run pytest with -s to see the table) so that changes to them are visible."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexes import Mode
from parallax.evaluation import load_questions, rank_questions, summarise
from parallax.session import Session

QUESTIONS = Path(__file__).resolve().parents[2] / "evals" / "china-us.jsonl"


@pytest.fixture(scope="module")
def metrics(sample_index: Path, real_encoder) -> dict[str, dict[str, float]]:  # noqa: ANN001
    questions = load_questions(QUESTIONS)
    assert len(questions) >= 30
    table = {}
    with Session(sample_index, encoder_loader=lambda name: real_encoder) as session:
        for mode in Mode:
            table[mode.value] = summarise(rank_questions(session, questions, mode))
    print(f"\n{len(questions)} questions on the sample corpus")
    for mode, row in table.items():
        print(f"  {mode:<8}" + "  ".join(f"{name} {value:.3f}" for name, value in row.items()))
    return table


def test_default_mode_finds_the_answer_in_the_top_five(metrics: dict) -> None:
    assert metrics["hybrid"]["recall@5"] >= 0.95


def test_default_mode_ranks_the_answer_high(metrics: dict) -> None:
    assert metrics["hybrid"]["mrr@10"] >= 0.85


def test_every_mode_is_far_better_than_chance(metrics: dict) -> None:
    # ~100 passages: chance Recall@5 is about 0.05.
    for mode in Mode:
        assert metrics[mode.value]["recall@5"] >= 0.6, mode
