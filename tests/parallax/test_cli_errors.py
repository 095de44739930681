"""Bad input gets a one-line explanation and the right exit code, never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

import parallax.indexing
from parallax.cli import app

runner = CliRunner()


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch, fake_encoder):  # noqa: ANN001, ANN201
    monkeypatch.setattr(parallax.indexing.engines.base, "load_encoder", lambda name: fake_encoder)
    return fake_encoder


def test_no_index_names_the_path_and_the_command_to_run(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere"
    result = runner.invoke(app, ["ask", "Taiwan", "--index", str(missing)])
    assert result.exit_code == 3  # not found
    assert str(missing) in result.stderr
    assert f"parallax index FOLDER --index {missing}" in result.stderr
    assert "Traceback" not in result.output


def test_the_index_location_comes_from_the_environment(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARALLAX_INDEX", str(tmp_path / "from-env"))
    result = runner.invoke(app, ["sources"])
    assert result.exit_code == 3 and str(tmp_path / "from-env") in result.stderr


@pytest.mark.parametrize("question", ["", "   ", "\n\t"])
def test_an_empty_question_is_a_usage_error(question: str, tmp_path: Path) -> None:
    result = runner.invoke(app, ["ask", question, "--index", str(tmp_path)])
    assert result.exit_code == 2
    assert "Usage" in result.stderr and "empty" in result.stderr


def test_bad_files_are_skipped_by_name_and_the_rest_indexed(tmp_path: Path, fake_model) -> None:  # noqa: ANN001
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "good.txt").write_text("A sound paragraph about trade.\n", encoding="utf-8")
    (folder / "latin1.txt").write_bytes("Café society met in Zürich.\n".encode("cp1252"))
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02\xff" * 50)
    (folder / "empty.md").write_text("", encoding="utf-8")
    (folder / "blank.txt").write_text("  \n\n ", encoding="utf-8")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    result = runner.invoke(app, ["index", str(folder), "--index", str(tmp_path / "i"), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    skipped = {Path(s["path"]).name for s in report["skipped"]}
    assert skipped == {"binary.txt", "empty.md", "blank.txt", "broken.pdf"}
    for name in skipped:
        assert name in result.stderr
    assert {Path(p).name for p in report["added"]} == {"good.txt", "latin1.txt"}
    assert "Traceback" not in result.output


def test_an_empty_folder_is_an_error_and_leaves_the_index_intact(tmp_path: Path,
                                                                 fake_model) -> None:  # noqa: ANN001
    docs, empty, index = tmp_path / "docs", tmp_path / "empty", tmp_path / "index"
    docs.mkdir()
    empty.mkdir()
    (docs / "a.txt").write_text("Pandas travel as envoys of friendship.\n", encoding="utf-8")
    assert runner.invoke(app, ["index", str(docs), "--index", str(index)]).exit_code == 0
    snapshot = {p.name: p.stat().st_mtime_ns for p in index.iterdir()}

    result = runner.invoke(app, ["index", str(empty), "--index", str(index)])
    assert result.exit_code == 1
    assert "nothing to index" in result.stderr and str(empty) in result.stderr
    assert {p.name: p.stat().st_mtime_ns for p in index.iterdir()} == snapshot
    ok = runner.invoke(app, ["ask", "pandas", "--mode", "lexical", "--index", str(index)])
    assert ok.exit_code == 0 and "Pandas" in ok.stdout


def test_a_file_that_vanishes_while_indexing_is_skipped(tmp_path: Path, fake_model,  # noqa: ANN001
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "stays.txt").write_text("This file stays.\n", encoding="utf-8")
    (folder / "goes.txt").write_text("This file goes away.\n", encoding="utf-8")
    real_find = parallax.indexing.discovery.find_documents

    def find_then_delete(path):  # noqa: ANN001, ANN202
        found = real_find(path)
        os.remove(folder / "goes.txt")  # gone between listing and reading
        return found

    monkeypatch.setattr(parallax.indexing.discovery, "find_documents", find_then_delete)
    result = runner.invoke(app, ["index", str(folder), "--index", str(tmp_path / "i"), "--json"])
    assert result.exit_code == 0, result.output
    assert "goes.txt" in result.stderr
    assert [Path(p).name for p in json.loads(result.stdout)["added"]] == ["stays.txt"]


def test_unknown_passage_id_is_explained(sample_index: Path) -> None:
    result = runner.invoke(app, ["show", "nope.1", "--index", str(sample_index)])
    assert result.exit_code == 3  # not found
    assert "nope.1" in result.stderr and "parallax ask" in result.stderr


def test_a_corrupt_vector_file_is_reported_by_name(sample_index: Path, tmp_path: Path) -> None:
    import shutil

    index = tmp_path / "index"
    shutil.copytree(sample_index, index)
    generation = index / (index / "CURRENT").read_text().split()[0]
    faiss_file = next(generation.glob("seg-*/dense.faiss"))
    faiss_file.write_bytes(faiss_file.read_bytes()[:100])
    result = runner.invoke(app, ["ask", "Taiwan", "--mode", "dense", "--index", str(index)])
    assert result.exit_code == 4  # damaged
    assert "dense.faiss" in result.stderr and "--rebuild" in result.stderr


def test_every_command_has_help_with_an_example() -> None:
    for command in ("index", "ask", "sources", "show", "inspect"):
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0
        assert "Example: parallax " + command in result.stdout


@pytest.mark.parametrize(("args", "message"), [
    (["--since", "2021-13"], "no such date"),
    (["--since", "2021-02-30"], "no such date"),
    (["--since", "2021", "--until", "2005"], "is after"),
])
def test_impossible_date_filters_are_usage_errors(tmp_path: Path, args: list[str],
                                                  message: str) -> None:
    result = runner.invoke(app, ["ask", "trade", *args, "--index", str(tmp_path)])
    assert result.exit_code == 2
    assert message in result.stderr and "--since" in result.stderr


def test_a_question_of_punctuation_only_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["ask", '"-?', "--index", str(tmp_path)])
    assert result.exit_code == 2 and "no words" in result.stderr


@pytest.mark.parametrize("k", ["1000000000000000000000000000000", "0", "-3"])
def test_an_impossible_k_is_a_usage_error(k: str, sample_index: Path) -> None:
    result = runner.invoke(app, ["ask", "Taiwan", "-k", k, "--index", str(sample_index)])
    assert result.exit_code == 2 and "-k" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("line", ['{"question": "Where?"', '["a list"]',
                                  '{"question": 3, "document": "a", "phrase": "b"}'])
def test_a_malformed_question_file_names_its_line(line: str, sample_index: Path,
                                                  tmp_path: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    good = '{"id": "q1", "question": "Taiwan?", "document": "x.txt", "phrase": "Taiwan"}'
    questions.write_text(good + "\n" + line + "\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", str(questions), "--index", str(sample_index)])
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.startswith("Error: ") and f"{questions}:2" in result.stderr


def test_python_dash_m_parallax_lists_every_command() -> None:
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "parallax", "--help"], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    listed = result.stdout.split("Commands:")[1]
    for command in ("index", "ask", "related", "compare", "sources", "show", "inspect", "eval",
                    "check", "serve", "mcp"):
        assert f"\n  {command} " in listed, command
    # The module path of earlier versions still reaches every command, eval included.
    direct = subprocess.run([sys.executable, "-m", "parallax.cli", "eval", "--help"],
                            capture_output=True, text=True, timeout=120)
    assert direct.returncode == 0 and "DATASET_DIR" in direct.stdout


def test_an_unexpected_failure_is_one_line_not_a_traceback() -> None:
    import subprocess
    import sys

    # A simulated bug stands in for any exception that no layer turned into a ParallaxError.
    code = ("import parallax.cli.query, parallax.locations\n"
            "def boom(option):\n    raise ZeroDivisionError('simulated bug')\n"
            "parallax.cli.query.resolve_index_dir = boom\n"
            "import sys\nfrom parallax.cli import main\n"
            "sys.argv = ['parallax', 'sources']\nmain()\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 70
    assert result.stderr.startswith("Error: unexpected ZeroDivisionError: simulated bug")
    assert "Traceback" not in result.stderr and "PARALLAX_DEBUG=1" in result.stderr
