"""`parallax related` on the sample corpus with the real model: where else a passage's
argument is made, never the passage itself or its neighbours."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexes import Filters, Mode
from parallax.cli import app
from parallax.search.related import related
from parallax.session import Session

runner = CliRunner()
RESULT_KEYS = {"rank", "score", "passage_id", "text", "highlight", "document", "lines", "chars"}


def run_json(index: Path, *args: str) -> dict:
    result = runner.invoke(app, [*args, "--json", "--index", str(index)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def top_passage(index: Path, question: str) -> dict:
    return run_json(index, "ask", question, "-k", "1")["results"][0]


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_other_sources_gives_passages_of_at_least_two_other_documents(
    sample_index: Path, mode: str
) -> None:
    start = top_passage(sample_index, "The Taiwan question concerns sovereignty")
    data = run_json(sample_index, "related", start["passage_id"], "--other-sources",
                    "--mode", mode)
    documents = {r["document"]["id"] for r in data["results"]}
    assert start["document"]["id"] not in documents
    assert len(documents) >= 2
    assert len(data["results"]) == 5
    assert data["passage"]["passage_id"] == start["passage_id"]


def test_related_passages_argue_the_same_point(sample_index: Path) -> None:
    start = top_passage(sample_index, "The Taiwan question concerns sovereignty")
    data = run_json(sample_index, "related", start["passage_id"], "--other-sources", "-k", "3")
    assert any("Taiwan" in r["text"] for r in data["results"])


def test_never_the_passage_itself_or_its_immediate_neighbours(sample_index: Path) -> None:
    with Session(sample_index) as session:
        for doc in session.documents:
            for passage in session.reader.passages_of(doc.rowid)[:6]:
                found = related(session, passage.id, k=8)
                assert found.results
                for r in found.results:
                    same_document = r.passage.doc_rowid == passage.doc_rowid
                    assert not (same_document and abs(r.passage.ordinal - passage.ordinal) <= 1)


def test_json_results_are_the_result_objects_of_ask(sample_index: Path) -> None:
    start = top_passage(sample_index, "climate change")
    data = run_json(sample_index, "related", start["passage_id"], "-k", "4")
    assert [r["rank"] for r in data["results"]] == [1, 2, 3, 4]
    scores = [r["score"] for r in data["results"]]
    assert scores == sorted(scores, reverse=True)
    for r in data["results"]:
        assert RESULT_KEYS <= r.keys()
        assert r["highlight"] in r["text"]


def test_filters_apply_as_in_ask(sample_index: Path) -> None:
    start = top_passage(sample_index, "Taiwan")
    data = run_json(sample_index, "related", start["passage_id"], "--since", "2021",
                    "--until", "2021")
    assert data["results"]
    assert {r["document"]["date"] for r in data["results"]} == {"2021-02-22"}
    with Session(sample_index) as session:
        found = related(session, start["passage_id"], k=3,
                        filters=Filters(author="wang yi"), other_sources=True)
    assert {r.document.author for r in found.results} == {"Wang Yi"}


def test_a_text_can_stand_for_the_passage(sample_index: Path) -> None:
    data = run_json(sample_index, "related", "--text",
                    "Both countries should fight the epidemic together", "-k", "3")
    assert data["passage"] is None
    assert any("COVID-19" in r["text"] for r in data["results"])
    with Session(sample_index) as session:
        lexical = related(session, text="Belt and Road", k=2, mode=Mode.lexical)
    assert all("Belt and Road" in r.passage.text for r in lexical.results)


def test_terminal_output_names_the_passage_and_each_result(sample_index: Path) -> None:
    start = top_passage(sample_index, "Taiwan")
    result = runner.invoke(app, ["related", start["passage_id"], "-k", "2", "--other-sources",
                                 "--index", str(sample_index)])
    assert result.exit_code == 0, result.output
    assert start["passage_id"] in result.stdout and "other documents only" in result.stdout
    data = run_json(sample_index, "related", start["passage_id"], "-k", "2", "--other-sources")
    for r in data["results"]:
        assert r["passage_id"] in result.stdout


def test_an_unknown_passage_id_says_where_ids_come_from(sample_index: Path) -> None:
    result = runner.invoke(app, ["related", "ffffffffffff.99", "--index", str(sample_index)])
    assert result.exit_code == 3  # not found
    assert "ffffffffffff.99" in result.stderr
    assert f"parallax ask QUESTION --index {sample_index}" in result.stderr


@pytest.mark.parametrize("args", [[], ["abc.1", "--text", "also a text"]])
def test_one_of_passage_id_or_text_is_required(sample_index: Path, args: list[str]) -> None:
    result = runner.invoke(app, ["related", *args, "--index", str(sample_index)])
    assert result.exit_code == 2
    assert "PASSAGE_ID" in result.stderr
