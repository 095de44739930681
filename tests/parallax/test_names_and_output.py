"""What the command line prints of names it did not choose (file names, titles, text from a
documents folder), and how much of it: a folder must not be able to drive the user's
terminal, and a large folder must not flood it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import parallax.indexing
from parallax import printable, render
from parallax.cli import app

runner = CliRunner()

# A newline, a bell and an escape sequence that turns a terminal's text red.
BAD_NAME = "bad\nname\a\x1b[31m.txt"
ESCAPED_NAME = '"bad\\nname\\a\\033[31m.txt"'  # as `git ls-files` shows it


def escaped(folder: Path) -> str:
    """How the bad file's full path is shown."""
    return f'"{folder}/' + ESCAPED_NAME[1:]


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch, fake_encoder):  # noqa: ANN001, ANN201
    monkeypatch.setattr(parallax.indexing.engines.base, "load_encoder", lambda name: fake_encoder)
    return fake_encoder


@pytest.fixture
def hostile_index(tmp_path: Path, fake_model) -> tuple[Path, Path]:  # noqa: ANN001
    """An index of a folder where a file's name and text, and another's title and author
    (from metadata.csv), hold terminal controls."""
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / BAD_NAME).write_text(
        "Trade talks\n\nThe Taiwan question concerns sovereignty and territorial integrity.\n\n"
        + "".join(f"Paragraph {i} about trade between the two countries.\n\n" for i in range(30))
        + "A line that clears the screen \x1b[2J and rings \x07 about Taiwan.\n",
        encoding="utf-8")
    notes = "A long note, so that the file reads as text rather than binary. " * 12
    (folder / "metadata.csv").write_text(
        f'file,title,date,author,publisher,notes\nplain.txt,"Talks\x1b]0;owned\x07",2020,'
        f'"Au\x1b[5mthor",Press,{notes}\n', encoding="utf-8")
    (folder / "plain.txt").write_text("Other\n\nA plain document about tariffs.\n",
                                      encoding="utf-8")
    index = tmp_path / "index"
    result = runner.invoke(app, ["index", str(folder), "--index", str(index)])
    assert result.exit_code == 0, result.output
    return folder, index


def assert_no_controls(output: str) -> None:
    assert not any(ch in output for ch in "\x1b\x07\x9b"), repr(output)


def test_a_name_with_controls_is_escaped_as_git_shows_it() -> None:
    assert printable.name(BAD_NAME) == ESCAPED_NAME
    assert printable.name("/docs/plain name.txt") == "/docs/plain name.txt"
    assert printable.name("tab\there") == '"tab\\there"'
    assert printable.name('back\\slash "and quotes"\r') == '"back\\\\slash \\"and quotes\\"\\r"'
    # A right-to-left override would show "txt.exe" as "exe.txt".
    assert printable.name("report\u202etxt.exe") == '"report\\u202etxt.exe"'
    # Letters of any script, and the joiners real names use, are left alone.
    assert printable.name("台湾问题 — نص\u200c.txt") == "台湾问题 — نص\u200c.txt"


def test_prose_keeps_its_line_breaks_and_loses_its_controls() -> None:
    assert printable.text("one\ntwo\tthree \x1b[2J\x07") == "one\ntwo\tthree \\033[2J\\a"


def test_index_ask_show_and_inspect_print_names_escaped(hostile_index) -> None:  # noqa: ANN001
    folder, index = hostile_index
    rebuilt = runner.invoke(app, ["index", str(folder), "--index", str(index), "--rebuild"])
    assert rebuilt.exit_code == 0
    assert_no_controls(rebuilt.output)
    assert escaped(folder) in rebuilt.stdout
    asked = runner.invoke(app, ["ask", "Taiwan screen", "--mode", "lexical", "-k", "3",
                                "--index", str(index)])
    assert asked.exit_code == 0, asked.output
    assert_no_controls(asked.output)
    assert escaped(folder) in asked.stdout and "\\033[2J" in asked.stdout
    passage_id = json.loads(runner.invoke(app, [
        "ask", "clears the screen", "--mode", "lexical", "-k", "1", "--index", str(index),
        "--json"]).stdout)["results"][0]["passage_id"]
    shown = runner.invoke(app, ["show", passage_id, "-C", "1", "--index", str(index)])
    assert shown.exit_code == 0
    assert_no_controls(shown.output)
    inspected = runner.invoke(app, ["inspect", str(folder / BAD_NAME)])
    assert inspected.exit_code == 0
    assert_no_controls(inspected.output)
    assert escaped(folder) in inspected.stdout


def test_sources_keeps_one_tab_separated_row_per_document(hostile_index) -> None:  # noqa: ANN001
    folder, index = hostile_index
    result = runner.invoke(app, ["sources", "--index", str(index)])
    assert result.exit_code == 0
    assert_no_controls(result.output)
    rows = [row.split("\t") for row in result.stdout.splitlines()]
    assert len(rows) == 2 and {len(row) for row in rows} == {5}
    assert escaped(folder) in [row[4] for row in rows]


def test_json_keeps_the_true_names(hostile_index) -> None:  # noqa: ANN001
    folder, index = hostile_index
    result = runner.invoke(app, ["sources", "--index", str(index), "--json"])
    paths = {doc["path"] for doc in json.loads(result.stdout)["documents"]}
    assert str(folder / BAD_NAME) in paths
    titles = {doc["title"] for doc in json.loads(result.stdout)["documents"]}
    assert "Talks\x1b]0;owned\x07" in titles


def test_a_rich_table_of_sources_escapes_names_too(hostile_index, monkeypatch) -> None:  # noqa: ANN001
    # On a terminal `sources` prints a table instead of tab-separated rows.
    _, index = hostile_index
    monkeypatch.setattr("parallax.cli.application._Stdout.is_terminal", property(lambda s: True))
    result = runner.invoke(app, ["sources", "--index", str(index)])
    assert result.exit_code == 0
    assert_no_controls(result.output)


def test_an_error_naming_a_hostile_file_stays_one_line(tmp_path: Path) -> None:
    missing = tmp_path / BAD_NAME
    result = runner.invoke(app, ["inspect", str(missing)])
    assert result.exit_code != 0
    assert_no_controls(result.output)
    assert result.stderr.splitlines()[0].startswith("Error: ")
    assert "bad\\nname" in result.stderr.splitlines()[0]


def test_render_escapes_a_document_label() -> None:
    from indexes import DocumentRecord

    fields = DocumentRecord.__dataclass_fields__
    values = {name: None for name in fields}
    values.update(id="d", path="/x/" + BAD_NAME, title="T\x1b[31m", title_inferred=False,
                  date_inferred=False, author="A\nB", n_passages=1, extra={})
    label = render.document_label(DocumentRecord(**values)).plain
    assert_no_controls(label)
    assert "\n" not in label


# How much `index` prints ---------------------------------------------------------------------

@pytest.fixture
def many_files(tmp_path: Path) -> Path:
    folder = tmp_path / "many"
    folder.mkdir()
    for number in range(60):
        (folder / f"note-{number:03d}.txt").write_text(f"Note {number} about trade.\n",
                                                       encoding="utf-8")
    return folder


def test_index_summarises_a_large_folder_past_a_screenful(many_files: Path, tmp_path: Path,
                                                          fake_model) -> None:  # noqa: ANN001
    result = runner.invoke(app, ["index", str(many_files), "--index", str(tmp_path / "i")])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) <= 10
    assert lines[0].startswith("Indexed 60 documents") and "(60 added," in lines[0]
    assert sum(line.strip().startswith("added") for line in lines) == 3  # the first few
    assert any("… and 57 more added" in line for line in lines)
    assert any("--verbose" in line for line in lines)


def test_index_verbose_and_json_list_every_file(many_files: Path, tmp_path: Path,
                                                fake_model) -> None:  # noqa: ANN001
    verbose = runner.invoke(app, ["index", str(many_files), "--index", str(tmp_path / "i"),
                                  "--verbose"])
    assert verbose.exit_code == 0, verbose.output
    assert sum(line.strip().startswith("added") for line in verbose.stdout.splitlines()) == 60
    (many_files / "note-000.txt").unlink()
    as_json = runner.invoke(app, ["index", str(many_files), "--index", str(tmp_path / "j"),
                                  "--json"])
    assert len(json.loads(as_json.stdout)["added"]) == 59


def test_index_lists_a_few_changes_in_full(tmp_path: Path, fake_model) -> None:  # noqa: ANN001
    folder = tmp_path / "few"
    folder.mkdir()
    for number in range(5):
        (folder / f"n{number}.txt").write_text(f"Note {number}.\n", encoding="utf-8")
    result = runner.invoke(app, ["index", str(folder), "--index", str(tmp_path / "i")])
    assert sum(line.strip().startswith("added") for line in result.stdout.splitlines()) == 5
    assert "--verbose" not in result.stdout
