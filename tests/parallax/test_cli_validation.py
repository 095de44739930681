"""Options are checked before any work, errors say what is going on and how to go on, and
every exit code the program uses is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import parallax.indexing
from parallax.cli import app
from parallax.errors import EXIT_BUG, EXIT_CODES, EXIT_INTERRUPTED

runner = CliRunner()


class CountingLoader:
    """Stands in for embed.load_encoder and counts the models loaded."""

    def __init__(self, encoder) -> None:  # noqa: ANN001
        self.encoder, self.loads = encoder, 0

    def __call__(self, name, precision="auto"):  # noqa: ANN001, ANN204
        self.loads += 1
        return self.encoder


@pytest.fixture
def loader(monkeypatch: pytest.MonkeyPatch, fake_encoder) -> CountingLoader:  # noqa: ANN001
    counting = CountingLoader(fake_encoder)
    monkeypatch.setattr(parallax.indexing.engines.base, "load_encoder", counting)
    return counting


@pytest.fixture
def indexed(tmp_path: Path, loader: CountingLoader) -> tuple[Path, Path]:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("A paragraph about trade and tariffs.\n", encoding="utf-8")
    index = tmp_path / "index"
    assert runner.invoke(app, ["index", str(folder), "--index", str(index)]).exit_code == 0
    loader.loads = 0
    return folder, index


# 9: options are validated before any work ----------------------------------------------------

@pytest.mark.parametrize("extra", [[], ["--rebuild"]])
def test_an_unknown_precision_is_refused_before_reading_or_loading(
        indexed: tuple[Path, Path], loader: CountingLoader, extra: list[str]) -> None:
    folder, index = indexed
    result = runner.invoke(app, ["index", str(folder), "--index", str(index),
                                 "--precision", "bogus", *extra])
    assert result.exit_code == 2  # a usage error, even on an up-to-date index
    assert "unknown precision 'bogus'" in result.stderr
    assert "openvino-fp32" in result.stderr  # the hint lists every choice
    assert "Reading" not in result.stderr and loader.loads == 0


def test_index_help_lists_every_precision_it_accepts() -> None:
    from embed import PRECISIONS

    result = runner.invoke(app, ["index", "--help"], env={"COLUMNS": "200"})
    assert all(choice in result.stdout for choice in PRECISIONS)


def test_a_model_folder_that_does_not_exist_is_refused_before_reading(
        indexed: tuple[Path, Path], loader: CountingLoader, tmp_path: Path) -> None:
    folder, _ = indexed
    result = runner.invoke(app, ["index", str(folder), "--index", str(tmp_path / "new"),
                                 "--model", str(tmp_path / "no-such-model")])
    assert result.exit_code == 1
    assert "no such folder" in result.stderr
    assert "Reading" not in result.stderr and loader.loads == 0


# 10: a first build in progress is not a missing index ----------------------------------------

@pytest.mark.parametrize(("args", "option", "choices"), [
    (["compare", "trade", "--by", "decade"], "--by", "'document', 'author', 'year'"),
    (["ask", "trade", "--mode", "fuzzy"], "--mode", "'hybrid', 'dense', 'lexical'"),
    (["eval", "somewhere", "--mode", "dense", "--mode", "fuzzy"], "--mode",
     "'hybrid', 'dense', 'lexical'"),
])
def test_a_value_outside_an_options_choices_names_the_choices_plainly(
        tmp_path: Path, args: list[str], option: str, choices: str) -> None:
    result = runner.invoke(app, [*args, "--index", str(tmp_path / "none")])
    assert result.exit_code == 2
    message = next(line for line in result.stderr.splitlines() if line.startswith("Error"))
    assert message == f"Error: Invalid value for '{option}': '{args[-1]}' is not one of {choices}."


@pytest.mark.parametrize("given", ["YEAR", "year"])
def test_a_choice_is_taken_in_any_case(given: str) -> None:
    result = runner.invoke(app, ["compare", "trade", "--by", given, "--index", "/nonexistent"])
    assert "Invalid value" not in result.stderr  # past the option, on to the missing index
    assert "no index at /nonexistent" in result.stderr


def test_ask_during_a_first_build_says_one_is_being_built(tmp_path: Path) -> None:
    from indexes.storage import layout

    index = tmp_path / "index"
    with layout.write_lock(index):  # what `parallax index` holds until it publishes
        result = runner.invoke(app, ["ask", "Taiwan", "--index", str(index)])
    assert result.exit_code == 5  # busy, as for a second writer
    assert "being built" in result.stderr or "building one" in result.stderr
    assert "Build one with" not in result.stderr
    assert "Wait" in result.stderr
    after = runner.invoke(app, ["sources", "--index", str(index)])
    assert after.exit_code == 3 and "Build one with" in after.stderr  # the run died unpublished


# 11: inspect's errors, and the exit codes -----------------------------------------------------

def test_inspect_of_a_missing_file_is_not_found_with_a_hint(tmp_path: Path) -> None:
    result = runner.invoke(app, ["inspect", str(tmp_path / "nonexistent.txt")])
    assert result.exit_code == 3
    error, hint = result.stderr.splitlines()
    assert error == f"Error: {tmp_path / 'nonexistent.txt'}: no such file"
    assert hint == f"Check the file's name; to see what its folder holds: ls {tmp_path}"
    gone = runner.invoke(app, ["inspect", str(tmp_path / "gone" / "a.txt")])
    assert gone.exit_code == 3 and "does not exist either" in gone.stderr


def test_inspect_of_a_folder_says_how_to_index_it(tmp_path: Path) -> None:
    result = runner.invoke(app, ["inspect", str(tmp_path)])
    assert result.exit_code == 1
    assert result.stderr.splitlines()[1].endswith(f"parallax index {tmp_path}")


def documented_exit_codes() -> dict[int, str]:
    """The README's exit-code table: code -> what it says."""
    text = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = text.split("### Exit codes", 1)[1].split("\n#", 1)[0]
    return {int(code): meaning for code, meaning in
            re.findall(r"^\| (\d+) \| (.+) \|$", section, flags=re.MULTILINE)}


def test_the_readme_documents_every_exit_code_the_program_uses() -> None:
    used = {0, *EXIT_CODES.values(), EXIT_BUG, EXIT_INTERRUPTED}
    assert set(documented_exit_codes()) == used


def test_an_internal_error_exits_with_the_documented_bug_code() -> None:
    assert "bug" in documented_exit_codes()[EXIT_BUG]
