"""Reading an index without searching it (`sources`, `show`) and building one (`index`),
end to end through the command line."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import parallax.indexing
from indexes import IndexReader
from parallax.cli import app

runner = CliRunner()
SAMPLE = (Path(__file__).resolve().parents[3] / "shared" / "corpus" / "china-us").resolve()


def run_json(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def metadata_rows() -> dict[str, dict[str, str | None]]:
    with (SAMPLE / "metadata.csv").open(encoding="utf-8", newline="") as handle:
        return {row["file"]: {k: (v or None) for k, v in row.items()}
                for row in csv.DictReader(handle)}


def normalised(text: str) -> str:
    return " ".join(text.split())


def assert_points_into_its_file(passage: dict) -> None:
    text = Path(passage["document"]["path"]).read_text(encoding="utf-8")
    start, end = passage["chars"]
    assert normalised(text[start:end]) == passage["text"]
    assert text.count("\n", 0, start) + 1 == passage["lines"][0]
    assert text.count("\n", 0, end) + 1 == passage["lines"][1]


# sources ------------------------------------------------------------------------------------

def test_sources_lists_the_five_documents_in_date_order(sample_index: Path) -> None:
    data = run_json("sources", "--index", str(sample_index))
    dates = [d["date"] for d in data["documents"]]
    assert dates == sorted(row["date"] for row in metadata_rows().values())
    assert [date[:4] for date in dates] == ["2005", "2017", "2020", "2021", "2025"]
    assert data["index"] == str(sample_index)
    assert data["model"]


def test_sources_metadata_comes_from_metadata_csv(sample_index: Path) -> None:
    rows = metadata_rows()
    documents = run_json("sources", "--index", str(sample_index))["documents"]
    assert sorted(Path(d["path"]).name for d in documents) == sorted(rows)
    for doc in documents:
        row = rows[Path(doc["path"]).name]
        assert Path(doc["path"]).is_absolute()
        for field in ("title", "date", "author", "publisher"):
            assert doc[field] == row[field], (doc["path"], field)
        assert doc["inferred"] == []


def test_sources_passage_counts_add_up_to_the_passages_in_the_index(sample_index: Path) -> None:
    documents = run_json("sources", "--index", str(sample_index))["documents"]
    with IndexReader(sample_index) as reader:
        total = reader.manifest.counts["passages"]
        per_path = {doc.path: len(reader.passages_of(doc.rowid)) for doc in reader.documents()}
    assert all(doc["passages"] > 0 for doc in documents)
    assert sum(doc["passages"] for doc in documents) == total
    assert {doc["path"]: doc["passages"] for doc in documents} == per_path


def test_sources_text_lists_every_title_and_date(sample_index: Path) -> None:
    result = runner.invoke(app, ["sources", "--index", str(sample_index)],
                           env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    for row in metadata_rows().values():
        assert row["title"] in result.stdout
        assert row["date"] in result.stdout
    # Piped (as here), it is one tab-separated line per document, for scripts.
    assert len(result.stdout.splitlines()) == 5
    assert all(line.count("\t") == 4 for line in result.stdout.splitlines())


def test_piped_sources_keep_each_title_and_path_on_one_line(sample_index: Path) -> None:
    result = runner.invoke(app, ["sources", "--index", str(sample_index)],
                           env={"COLUMNS": "80"})  # `parallax sources | grep …` in CI
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    for name, row in metadata_rows().items():
        assert any(row["title"] in line and name in line for line in lines), row["title"]


# show ---------------------------------------------------------------------------------------

def ordinal_and_count(index: Path, passage_id: str) -> tuple[int, list[str]]:
    """The passage's ordinal and the ids of all passages of its document, in order."""
    with IndexReader(index) as reader:
        passage = reader.passage_by_id(passage_id)
        assert passage is not None
        return passage.ordinal, [p.id for p in reader.passages_of(passage.doc_rowid)]


def test_show_gives_the_passage_with_its_neighbours_in_the_same_document(
    sample_index: Path,
) -> None:
    answer = run_json("ask", "What did China say about Taiwan?", "-k", "5",
                      "--index", str(sample_index))
    with_both_sides = 0
    for result in answer["results"]:
        shown = run_json("show", result["passage_id"], "--context", "1",
                         "--index", str(sample_index))
        passage = shown["passage"]
        assert passage["passage_id"] == result["passage_id"]
        assert passage["text"] == result["text"]
        assert passage["document"] == result["document"]

        ordinal, ids = ordinal_and_count(sample_index, result["passage_id"])
        assert [p["passage_id"] for p in shown["before"]] == ids[max(0, ordinal - 1):ordinal]
        assert [p["passage_id"] for p in shown["after"]] == ids[ordinal + 1:ordinal + 2]
        with_both_sides += bool(shown["before"] and shown["after"])

        for neighbour in [*shown["before"], *shown["after"]]:
            assert neighbour["document"]["path"] == passage["document"]["path"]
        for before in shown["before"]:
            assert before["lines"][1] < passage["lines"][0]
        for after in shown["after"]:
            assert after["lines"][0] > passage["lines"][1]
        for each in [*shown["before"], passage, *shown["after"]]:
            assert_points_into_its_file(each)
    assert with_both_sides, "some answer lies in the middle of its document"


def all_passages_of(index: Path, source_glob: str) -> list[dict]:
    """Every passage of one document, as `ask` reports them, in file order."""
    results = run_json("ask", "China United States relations", "-k", "200",
                       "--source", source_glob, "--mode", "lexical",
                       "--index", str(index))["results"]
    return sorted(results, key=lambda r: r["lines"][0])


def test_the_first_passage_has_nothing_before_and_the_last_nothing_after(
    sample_index: Path,
) -> None:
    passages = all_passages_of(sample_index, "000_*")
    assert len(passages) >= 3
    first = run_json("show", passages[0]["passage_id"], "--context", "1",
                     "--index", str(sample_index))
    assert first["before"] == []
    assert [p["passage_id"] for p in first["after"]] == [passages[1]["passage_id"]]
    last = run_json("show", passages[-1]["passage_id"], "--context", "1",
                    "--index", str(sample_index))
    assert last["after"] == []
    assert [p["passage_id"] for p in last["before"]] == [passages[-2]["passage_id"]]


def test_context_sets_how_many_neighbours_on_each_side(sample_index: Path) -> None:
    passages = all_passages_of(sample_index, "000_*")
    middle = passages[len(passages) // 2]["passage_id"]
    alone = run_json("show", middle, "--index", str(sample_index))
    assert (alone["before"], alone["after"]) == ([], [])
    wide = run_json("show", middle, "--context", "2", "--index", str(sample_index))
    ids = [p["passage_id"] for p in passages]
    at = ids.index(middle)
    assert [p["passage_id"] for p in wide["before"]] == ids[max(0, at - 2):at]
    assert [p["passage_id"] for p in wide["after"]] == ids[at + 1:at + 3]


def test_show_text_names_the_document_and_locates_each_passage(sample_index: Path) -> None:
    top = run_json("ask", "What did China say about Taiwan?", "-k", "1",
                   "--index", str(sample_index))["results"][0]
    shown = run_json("show", top["passage_id"], "-C", "1", "--index", str(sample_index))
    result = runner.invoke(app, ["show", top["passage_id"], "-C", "1",
                                 "--index", str(sample_index)])
    assert result.exit_code == 0, result.output
    assert top["document"]["title"] in result.stdout
    for passage in [*shown["before"], shown["passage"], *shown["after"]]:
        first, last = passage["lines"]
        where = f"{first}" if first == last else f"{first}-{last}"
        assert f"{Path(passage['document']['path']).name}:{where}" in result.stdout
        assert passage["passage_id"] in result.stdout


def test_an_unknown_passage_id_is_an_error_with_a_hint(sample_index: Path) -> None:
    result = runner.invoke(app, ["show", "00000000.999", "--index", str(sample_index)])
    assert result.exit_code == 3  # not found
    assert result.stderr.startswith("Error: ") and "00000000.999" in result.stderr
    assert "parallax ask" in result.stderr
    assert isinstance(result.exception, SystemExit)


# index --------------------------------------------------------------------------------------

@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch, fake_encoder):  # noqa: ANN001, ANN201
    monkeypatch.setattr(parallax.indexing.engines.base, "load_encoder", lambda name: fake_encoder)
    return fake_encoder


DOCS = {
    "harbour.txt": "Harbour Report\n\nThe harbour handled more containers this winter.\n\n"
                   "Fishermen complained about the dredging near the breakwater.\n",
    "orchard.txt": "Orchard Notes\n\nThe apple trees flowered two weeks early this spring.\n",
    "bridge.txt": "Bridge Works\n\nThe old bridge closes in May for repairs to its piers.\n",
}


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for name, text in DOCS.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def index_text(folder: Path, index: Path) -> str:
    result = runner.invoke(app, ["index", str(folder), "--index", str(index)])
    assert result.exit_code == 0, result.output
    return result.stdout


def line_of(output: str, path: Path) -> str:
    matching = [line for line in output.splitlines() if line.rstrip().endswith(str(path))]
    assert len(matching) == 1, output
    return matching[0]


def test_index_text_reports_added_then_up_to_date_then_updated(docs: Path, tmp_path: Path,
                                                                fake_model) -> None:  # noqa: ANN001
    index = tmp_path / "index"
    files = sorted(p.resolve() for p in docs.iterdir())

    first = index_text(docs, index)
    assert first.startswith(f"Indexed {len(files)} documents")
    for path in files:
        assert line_of(first, path).split()[0] == "added"

    second = index_text(docs, index)
    assert second.startswith("Index up to date")
    assert not any(str(path) in second for path in files)

    edited = docs / "orchard.txt"
    edited.write_text(DOCS["orchard.txt"] + "\nThe pears were pruned in February.\n",
                      encoding="utf-8")
    third = index_text(docs, index)
    assert line_of(third, edited.resolve()).split()[0] == "updated"
    assert "1 updated" in third and f"{len(files) - 1} unchanged" in third
    assert [str(p) for p in files if str(p) in third] == [str(edited.resolve())]


def test_index_json_reports_what_changed(docs: Path, tmp_path: Path, fake_model) -> None:  # noqa: ANN001
    index = tmp_path / "index"
    files = sorted(str(p.resolve()) for p in docs.iterdir())
    command = ("index", str(docs), "--index", str(index))

    first = run_json(*command)
    assert (first["added"], first["updated"], first["removed"]) == (files, [], [])
    assert first["changed"] is True and first["unchanged"] == 0
    assert first["embedded_windows"] > 0
    with IndexReader(index) as reader:
        passages = sum(len(reader.passages_of(d.rowid)) for d in reader.documents())
    assert first["counts"]["documents"] == len(files)
    assert first["counts"]["passages"] == passages

    again = run_json(*command)
    assert (again["added"], again["updated"], again["removed"]) == ([], [], [])
    assert again["changed"] is False and again["unchanged"] == len(files)
    assert again["embedded_windows"] == 0
    assert again["counts"] == first["counts"]

    (docs / "bridge.txt").write_text(DOCS["bridge.txt"].replace("May", "June"),
                                     encoding="utf-8")
    (docs / "harbour.txt").unlink()
    (docs / "ferry.txt").write_text("The ferry now sails every hour.\n", encoding="utf-8")
    changed = run_json(*command)
    assert changed["added"] == [str((docs / "ferry.txt").resolve())]
    assert changed["updated"] == [str((docs / "bridge.txt").resolve())]
    assert changed["removed"] == [str((docs / "harbour.txt").resolve())]
    assert changed["unchanged"] == 1  # orchard.txt
    assert changed["counts"]["documents"] == len(files)


def test_a_metadata_change_alone_is_reported_as_such(docs: Path, tmp_path: Path,
                                                     fake_model) -> None:  # noqa: ANN001
    index = tmp_path / "index"
    command = ("index", str(docs), "--index", str(index))
    run_json(*command)
    (docs / "metadata.csv").write_text("file,title,date,author,publisher\n"
                                       "bridge.txt,Bridge Closure,2024-05,City Council,\n",
                                       encoding="utf-8")
    report = run_json(*command)
    bridge = str((docs / "bridge.txt").resolve())
    assert report["metadata_updated"] == [bridge]
    assert (report["added"], report["updated"], report["removed"]) == ([], [], [])
    documents = run_json("sources", "--index", str(index))["documents"]
    by_path = {d["path"]: d for d in documents}
    assert (by_path[bridge]["title"], by_path[bridge]["date"]) == ("Bridge Closure", "2024-05")
    assert str((docs / "metadata.csv").resolve()) not in by_path  # metadata, never a document
