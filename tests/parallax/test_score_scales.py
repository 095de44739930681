"""Each mode scores on its own scale (cosine, BM25, a fused relative score that can pass 1):
every answer says which, so that nobody reads 1.03 or 9 as a confidence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parallax.cli import app

runner = CliRunner()
README = Path(__file__).resolve().parents[2] / "README.md"


def run(index: Path, *args: str) -> str:
    result = runner.invoke(app, [*args, "--index", str(index)])
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize(("mode", "scale"), [("dense", "cosine"), ("lexical", "bm25"),
                                             ("hybrid", "fused")])
def test_ask_json_names_the_scale_of_its_scores(sample_index: Path, mode: str,
                                                scale: str) -> None:
    data = json.loads(run(sample_index, "ask", "What did China say about Taiwan?",
                          "--mode", mode, "--json"))
    assert data["score_scale"] == scale
    assert data["score_meaning"]
    if scale == "cosine":
        assert all(-1 <= r["score"] <= 1 for r in data["results"])


def test_a_hybrid_score_above_one_is_explained_where_it_is_shown(sample_index: Path) -> None:
    # A question naming a year boosts that year's documents past 1.
    data = json.loads(run(sample_index, "ask", "What did Wang Yi say in 2021 about Taiwan?",
                          "--json"))
    assert "can pass 1" in data["score_meaning"]
    shown = run(sample_index, "ask", "What did Wang Yi say in 2021 about Taiwan?")
    assert shown.splitlines()[0].startswith("Scores (hybrid): ")
    assert "can pass 1" in shown.splitlines()[0]


def test_by_document_and_related_say_it_too(sample_index: Path) -> None:
    grouped = json.loads(run(sample_index, "ask", "Taiwan", "--by-document", "--json"))
    assert grouped["score_scale"] == "fused"
    related = json.loads(run(sample_index, "related", "--text", "trade and tariffs",
                             "--mode", "lexical", "--json"))
    assert related["score_scale"] == "bm25"
    shown = run(sample_index, "related", "--text", "trade and tariffs")
    assert "Scores (hybrid): " in shown


def test_the_readme_says_what_each_modes_score_means() -> None:
    section = README.read_text(encoding="utf-8").split("### Scores", 1)[1].split("\n#", 1)[0]
    for words in ("cosine", "BM25", "can pass 1", "score_scale"):
        assert words in section
