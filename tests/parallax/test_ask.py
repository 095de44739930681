"""`parallax ask` on the sample corpus with the real model: the answer users trace back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parallax.cli import app

runner = CliRunner()
RESULT_KEYS = {"rank", "score", "passage_id", "text", "highlight", "document", "lines", "chars"}
DOCUMENT_KEYS = {"id", "path", "title", "date", "author"}


def ask_json(index: Path, *args: str) -> dict:
    result = runner.invoke(app, ["ask", *args, "--json", "--index", str(index)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_ask_json_follows_the_design_shape(sample_index: Path) -> None:
    data = ask_json(sample_index, "What did China say about Taiwan?")
    assert data["query"] == "What did China say about Taiwan?"
    assert data["mode"] == "hybrid"
    assert [r["rank"] for r in data["results"]] == [1, 2, 3, 4, 5]
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)
    for result in data["results"]:
        assert RESULT_KEYS <= result.keys()
        assert DOCUMENT_KEYS <= result["document"].keys()
        assert Path(result["document"]["path"]).is_absolute()
        assert result["highlight"] in result["text"]
    assert "Taiwan" in data["results"][0]["text"]


def test_metadata_comes_from_metadata_csv(sample_index: Path) -> None:
    data = ask_json(sample_index, "Lanting Forum spring festival", "-k", "1")
    doc = data["results"][0]["document"]
    assert doc["title"] == "Bringing China-U.S. Relations Back to the Right Track"
    assert (doc["date"], doc["author"]) == ("2021-02-22", "Wang Yi")


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_lines_and_chars_point_at_the_passage_in_the_original_file(
    sample_index: Path, mode: str
) -> None:
    data = ask_json(sample_index, "trade volume and economic cooperation", "-k", "10",
                    "--mode", mode)
    assert len(data["results"]) == 10
    for result in data["results"]:
        text = Path(result["document"]["path"]).read_text(encoding="utf-8")
        start, end = result["chars"]
        assert " ".join(text[start:end].split()) == result["text"]
        first, last = result["lines"]
        assert text.count("\n", 0, start) + 1 == first
        assert text.count("\n", 0, end) + 1 == last
        assert result["highlight"] in " ".join(text[start:end].split())


def test_filters_restrict_candidates_before_ranking(sample_index: Path) -> None:
    data = ask_json(sample_index, "cooperation", "-k", "6", "--since", "2021", "--until", "2021")
    assert len(data["results"]) == 6  # the 2021 speech alone has more than 6 passages
    assert {r["document"]["date"] for r in data["results"]} == {"2021-02-22"}
    by_author = ask_json(sample_index, "cooperation", "--author", "yang jiechi")
    assert {r["document"]["author"] for r in by_author["results"]} == {"Yang Jiechi"}
    by_source = ask_json(sample_index, "cooperation", "--source", "000_*")
    assert {Path(r["document"]["path"]).name for r in by_source["results"]} == {
        "000_66e27f2df0de6ee7.txt"}


def test_a_filter_nothing_passes_gives_no_results_not_an_error(sample_index: Path) -> None:
    assert ask_json(sample_index, "cooperation", "--since", "2030")["results"] == []


def test_text_output_shows_score_title_date_path_lines_and_passage_id(sample_index: Path) -> None:
    result = runner.invoke(app, ["ask", "What did China say about Taiwan?", "-k", "2",
                                 "--index", str(sample_index)])
    assert result.exit_code == 0, result.output
    top = ask_json(sample_index, "What did China say about Taiwan?", "-k", "1")["results"][0]
    assert top["document"]["title"] in result.stdout
    assert top["document"]["date"] in result.stdout
    first, last = top["lines"]
    where = f"{first}" if first == last else f"{first}-{last}"
    assert f"{Path(top['document']['path']).name}:{where}" in result.stdout
    assert top["passage_id"] in result.stdout
