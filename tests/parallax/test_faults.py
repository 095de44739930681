"""Fault injection: whatever part of an index is damaged, no command prints a traceback,
nothing damaged is served, `check` names the damage, and the rebuild the hints name brings
back an index that answers exactly as before."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

import parallax.indexing
from parallax.cli import app

runner = CliRunner()

DOCUMENTS = {
    "pandas.txt": "Giant pandas were sent abroad as envoys of friendship.\n\n"
                  "The zoo in Washington received two pandas in 1972.\n",
    "trade.txt": "Tariffs on steel rose sharply during the trade dispute.\n\n"
                 "Negotiators met in Geneva to discuss the tariff schedule.\n",
    "climate.txt": "Both countries pledged to cut emissions before 2030.\n\n"
                   "Climate finance for poorer nations was the hardest question.\n",
}
QUESTION = "Which animals were sent as envoys?"
QUERIES = [["ask", QUESTION, "--mode", mode, "--json"] for mode in ("hybrid", "dense", "lexical")]
QUERIES.append(["sources", "--json"])


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory, real_encoder) -> dict:  # noqa: ANN001
    """A small index built with the real model, and what each query answers on it."""
    root = tmp_path_factory.mktemp("faults")
    corpus = root / "odd corpus ;$(id)"  # a folder name a hint must quote
    corpus.mkdir()
    for name, text in DOCUMENTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    index = root / "index"
    parallax.indexing.build_index([corpus], index, encoder_loader=lambda name: real_encoder)
    answers = [_run(q, index) for q in QUERIES]
    assert all(a.exit_code == 0 for a in answers)
    return {"corpus": corpus, "index": index, "answers": [a.stdout for a in answers]}


@pytest.fixture(scope="module")
def query_encoder():  # noqa: ANN201
    from embed import load_query_encoder

    return load_query_encoder()


@pytest.fixture(autouse=True)
def _real_model_once(monkeypatch: pytest.MonkeyPatch, real_encoder, query_encoder) -> None:  # noqa: ANN001
    # The real model, loaded once for the module rather than once per command.
    import parallax.session

    monkeypatch.setattr(parallax.indexing.engines.base, "load_encoder", lambda name: real_encoder)
    monkeypatch.setattr(parallax.session, "load_query_encoder", lambda name: query_encoder)


def _run(args: list[str], index: Path):  # noqa: ANN202
    return runner.invoke(app, [*args, "--index", str(index)])


def _generation(index: Path) -> Path:
    return index / (index / "CURRENT").read_text().split()[0]


def _file(index: Path, name: str) -> Path:
    """A file of the current generation: its own, or one of its (single) segment's."""
    generation = _generation(index)
    if (generation / name).exists():
        return generation / name
    segments = [p for p in generation.iterdir() if p.is_dir()]
    assert len(segments) == 1, segments
    return segments[0] / name


def _cut(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _garble(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 64] = os.urandom(min(64, len(data) - middle))
    path.write_bytes(bytes(data))


def _delete(path: Path) -> None:
    path.unlink()


FILE_DAMAGE: dict[str, Callable[[Path], None]] = {"cut": _cut, "garbled": _garble,
                                                  "deleted": _delete}
GENERATION_FILES = ["manifest.json", "deleted.npy"]
SEGMENT_FILES = ["index.sqlite", "dense.faiss", "window_passages.npy"]


def _file_case(name: str, damage: str) -> Callable[[Path], str]:
    def apply(index: Path) -> str:
        FILE_DAMAGE[damage](_file(index, name))
        return name
    return apply


def _window_map_emptied(index: Path) -> str:
    # A valid .npy with no rows: well-formed, and wrong.
    import numpy as np

    np.save(_file(index, "window_passages.npy"), np.zeros(0, dtype=np.int64))
    return "window_passages.npy"


def _pointer_garbage(index: Path) -> str:
    (index / "CURRENT").write_bytes(os.urandom(40))
    return "CURRENT"


def _pointer_missing(index: Path) -> str:
    (index / "CURRENT").unlink()
    return "CURRENT"


def _pointer_absolute(index: Path) -> str:
    outside = index.parent / "elsewhere"
    if not outside.exists():
        shutil.copytree(_generation(index), outside)
    (index / "CURRENT").write_text(f"{outside}\n{'0' * 32}\n")
    return "CURRENT"


def _pointer_parent(index: Path) -> str:
    (index / "CURRENT").write_text(f"../{_generation(index).name}\n{'0' * 32}\n")
    return "CURRENT"


def _pointer_missing_generation(index: Path) -> str:
    (index / "CURRENT").write_text(f"parallax-gen-20000101-000000-abcdef\n{'0' * 32}\n")
    return "CURRENT"


def _lock_directory(index: Path) -> str:
    (index / "LOCK").unlink(missing_ok=True)
    (index / "LOCK").mkdir()
    return "LOCK"


CASES: dict[str, Callable[[Path], str]] = {
    **{f"{name} {damage}": _file_case(name, damage)
       for name in GENERATION_FILES + SEGMENT_FILES for damage in FILE_DAMAGE},
    "window_passages.npy emptied": _window_map_emptied,
    "CURRENT garbage": _pointer_garbage,
    "CURRENT missing": _pointer_missing,
    "CURRENT absolute path": _pointer_absolute,
    "CURRENT ../ path": _pointer_parent,
    "CURRENT names a missing generation": _pointer_missing_generation,
    "LOCK is a directory": _lock_directory,
}


def test_every_generation_file_is_covered(pristine: dict) -> None:
    # If the layout gains a file, it must be added to the damage cases above.
    generation = _generation(pristine["index"])
    files = sorted(p.name for p in generation.iterdir() if p.is_file())
    assert files == sorted(GENERATION_FILES)
    segments = [p for p in generation.iterdir() if p.is_dir()]
    assert [sorted(p.name for p in s.iterdir()) for s in segments] == [sorted(SEGMENT_FILES)]


@pytest.mark.parametrize("case", list(CASES))
def test_a_damaged_index_is_never_served_and_the_hinted_rebuild_restores_it(
    case: str, pristine: dict, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    shutil.copytree(pristine["index"], index)
    damaged = CASES[case](index)

    for query, undamaged in zip(QUERIES, pristine["answers"], strict=True):
        result = _run(query, index)
        assert result.exception is None or isinstance(result.exception, SystemExit), (
            f"{query}: {result.exception!r}")
        assert "Traceback" not in result.output
        if result.exit_code == 0:
            same = result.stdout.replace(str(index), str(pristine["index"]))
            assert same == undamaged, f"{query} answered differently"
        else:
            assert result.exit_code == 4, result.stderr  # the kind "damaged"
            first, *rest = result.stderr.splitlines()
            assert first.startswith("Error: ") and damaged in first
            assert "--rebuild" in result.stderr and f"--index {index}" in result.stderr

    checked = _run(["check", "--json"], index)
    assert checked.exit_code == 4
    report = json.loads(checked.stdout)
    assert report["ok"] is False and any(damaged in p for p in report["problems"])

    rebuilt = _run(["index", "--rebuild", str(pristine["corpus"])], index)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert [_run(q, index).stdout.replace(str(index), "") for q in QUERIES[:3]] == [
        a.replace(str(pristine["index"]), "") for a in pristine["answers"][:3]]
    assert _run(["check"], index).exit_code == 0


def test_the_hinted_command_is_quoted_and_names_the_same_index(pristine: dict,
                                                               tmp_path: Path) -> None:
    index = tmp_path / "idx-b"
    shutil.copytree(pristine["index"], index)
    _garble(_file(index, "dense.faiss"))
    result = _run(["ask", QUESTION], index)
    hint = result.stderr.splitlines()[-1]
    assert hint.startswith("Rebuild it with: parallax index --rebuild ")
    command = hint.removeprefix("Rebuild it with: ")
    # What a shell would run: the folder arrives as one argument, $(id) is not expanded.
    import shlex

    assert shlex.split(command) == ["parallax", "index", "--rebuild", str(pristine["corpus"]),
                                    "--index", str(index)]


def test_rebuild_without_folders_uses_the_recovery_record(pristine: dict, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(pristine["index"], index)
    _delete(_file(index, "index.sqlite"))
    rebuilt = _run(["index", "--rebuild"], index)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert _run(["check"], index).exit_code == 0


def test_index_refuses_a_folder_whose_pointer_is_lost_and_deletes_nothing(
    pristine: dict, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    shutil.copytree(pristine["index"], index)
    generation = _generation(index)
    (index / "CURRENT").unlink()
    result = _run(["index", str(pristine["corpus"])], index)
    assert result.exit_code == 4
    assert "CURRENT is missing" in result.stderr and "--rebuild" in result.stderr
    assert generation.is_dir() and list(generation.glob("seg-*/dense.faiss"))


def test_a_pointer_outside_the_index_is_never_followed(pristine: dict, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(pristine["index"], index)
    outside = tmp_path / "outside"
    shutil.copytree(_generation(index), outside)
    manifest_hash = (index / "CURRENT").read_text().split()[1]
    # Even with the right checksum, a path is not a generation name.
    for pointer in (str(outside), f"../{outside.name}"):
        (index / "CURRENT").write_text(f"{pointer}\n{manifest_hash}\n")
        result = _run(["sources", "--json"], index)
        assert result.exit_code == 4 and "does not name a generation" in result.stderr


def test_a_rebuild_refuses_a_missing_folder_and_keeps_the_index(pristine: dict,
                                                                tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(pristine["index"], index)
    gone = tmp_path / "unmounted"
    result = _run(["index", "--rebuild", str(pristine["corpus"]), str(gone)], index)
    assert result.exit_code == 1 and f"{gone} is missing" in result.stderr
    assert _run(QUERIES[2], index).stdout.replace(str(index), str(pristine["index"])) == \
        pristine["answers"][2]


def test_a_rebuild_keeps_the_model_the_index_was_built_with(tmp_path: Path,
                                                            fake_encoder) -> None:  # noqa: ANN001
    from indexes import IndexReader
    from parallax.indexing import build_index

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Pandas are envoys.\n", encoding="utf-8")
    index = tmp_path / "index"
    loaded = []

    def loader(name: str):  # noqa: ANN202
        loaded.append(name)
        return fake_encoder

    build_index([docs], index, model="custom-model", encoder_loader=loader)
    build_index([docs], index, rebuild=True, encoder_loader=loader)
    with IndexReader(index) as reader:
        assert reader.manifest.model == "custom-model"
    assert loaded == ["custom-model", "custom-model"]


def test_a_fifo_in_place_of_current_is_an_error_not_a_hang(pristine: dict, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(pristine["index"], index)
    (index / "CURRENT").unlink()
    os.mkfifo(index / "CURRENT")
    result = _run(["sources"], index)  # would block for ever reading the FIFO
    assert result.exit_code == 4 and "CURRENT" in result.stderr


def test_damaged_recovery_record_and_lock_link_are_repaired_by_a_rebuild(
    pristine: dict, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    shutil.copytree(pristine["index"], index)
    (index / "SOURCES.json").unlink()
    (index / "SOURCES.json").mkdir()
    (index / "LOCK").unlink()
    (index / "LOCK").symlink_to(tmp_path)
    checked = json.loads(_run(["check", "--json"], index).stdout)
    assert any("SOURCES.json" in p for p in checked["problems"])
    refused = _run(["index", str(pristine["corpus"])], index)
    assert refused.exit_code == 4 and "Loading model" not in refused.stderr
    rebuilt = _run(["index", "--rebuild", str(pristine["corpus"])], index)
    assert rebuilt.exit_code == 0, rebuilt.output
    assert (index / "SOURCES.json").is_file() and not (index / "LOCK").is_symlink()
    assert _run(["check"], index).exit_code == 0


def test_check_on_no_index_is_not_found_not_damage(tmp_path: Path) -> None:
    result = _run(["check"], tmp_path / "nothing-here")
    assert result.exit_code == 3 and "no index at" in result.stderr


def test_an_index_path_that_cannot_be_expanded_is_a_usage_error() -> None:
    result = runner.invoke(app, ["sources", "--index", "~no-such-user-xyz/index"])
    assert result.exit_code == 2 and "~no-such-user-xyz" in result.stderr
