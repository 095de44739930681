"""`parallax ask --by-document`: the best documents, each with its best passages, so that
one long document neither takes every place nor collapses into a single line."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from parallax.cli import app

runner = CliRunner()


def ask_json(index: Path, *args: str) -> dict:
    result = runner.invoke(app, ["ask", *args, "--json", "--index", str(index)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_long_documents_do_not_crowd_out_the_others(sample_index: Path) -> None:
    question = "cooperation between China and the United States"
    flat = ask_json(sample_index, question, "-k", "5")
    grouped = ask_json(sample_index, question, "-k", "5", "--by-document")
    assert len({r["document"]["id"] for r in flat["results"]}) < 5  # what grouping fixes
    ids = [d["document"]["id"] for d in grouped["documents"]]
    assert len(ids) == len(set(ids)) == 5


def test_each_document_shows_its_best_passages_in_rank_order(sample_index: Path) -> None:
    data = ask_json(sample_index, "cooperation", "-k", "3", "--by-document",
                    "--per-document", "2")
    scores = [d["score"] for d in data["documents"]]
    assert scores == sorted(scores, reverse=True)
    assert any(len(d["results"]) == 2 for d in data["documents"])
    for group in data["documents"]:
        assert 1 <= len(group["results"]) <= 2
        assert all(r["document"] == group["document"] for r in group["results"])
        ranks = [r["rank"] for r in group["results"]]
        assert ranks == sorted(ranks)
        assert group["score"] == group["results"][0]["score"]
    flat = [r["passage_id"] for g in data["documents"] for r in g["results"]]
    assert [r["passage_id"] for r in data["results"]] == flat


def test_ranks_are_those_of_the_whole_ranking(sample_index: Path) -> None:
    plain = ask_json(sample_index, "cooperation", "-k", "40")
    rank_of = {r["passage_id"]: r["rank"] for r in plain["results"]}
    grouped = ask_json(sample_index, "cooperation", "-k", "5", "--by-document")
    for group in grouped["documents"]:
        for r in group["results"]:
            assert rank_of.get(r["passage_id"], r["rank"]) == r["rank"]


def test_terminal_output_groups_passages_under_their_document(sample_index: Path) -> None:
    result = runner.invoke(app, ["ask", "Taiwan", "-k", "2", "--by-document",
                                 "--index", str(sample_index)])
    assert result.exit_code == 0, result.output
    data = ask_json(sample_index, "Taiwan", "-k", "2", "--by-document")
    lines = result.stdout.splitlines()
    heads = [i for i, line in enumerate(lines) if line[:3] in ("1. ", "2. ")]
    assert len(heads) == 2
    for head, group in zip(heads, data["documents"], strict=True):
        assert group["document"]["title"] in lines[head]
    for r in data["results"]:
        assert r["passage_id"] in result.stdout
