"""discover: which files a folder or a list of names yields."""

from __future__ import annotations

import inspect
import os
import sys
from pathlib import Path

import pytest

from corpus import discover
from corpus.discover import index_root


def make(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("Text.", encoding="utf-8")


def test_folders_are_read_recursively_in_sorted_order(tmp_path: Path) -> None:
    make(tmp_path, "b.txt", "a.MD", "sub/c.html", "sub/deeper/d.pdf", "z.markdown", "y.HTM")
    files, skipped = discover([tmp_path])
    assert [p.relative_to(tmp_path).as_posix() for p in files] == [
        "a.MD", "b.txt", "sub/c.html", "sub/deeper/d.pdf", "y.HTM", "z.markdown",
    ]  # fmt: skip
    assert skipped == [] and all(p.is_absolute() for p in files)


def test_hidden_files_metadata_and_unsupported_files_are_ignored_in_folders(
    tmp_path: Path,
) -> None:
    make(
        tmp_path, ".hidden.txt", ".git/notes.txt", "metadata.csv", "image.png", "doc.odt", "ok.txt"
    )
    files, skipped = discover([tmp_path])
    assert [p.name for p in files] == ["ok.txt"] and skipped == []


def test_named_files_that_cannot_be_indexed_are_skipped_with_a_reason(tmp_path: Path) -> None:
    make(tmp_path, "image.png", "metadata.csv", "ok.txt")
    files, skipped = discover(
        [tmp_path / "image.png", tmp_path / "missing.txt", tmp_path / "metadata.csv",
         tmp_path / "ok.txt"]
    )  # fmt: skip
    assert files == [(tmp_path / "ok.txt").resolve()]
    reasons = {s.path.name: s.reason for s in skipped}
    assert "unsupported file type '.png'" in reasons["image.png"]
    assert reasons["missing.txt"] == "no such file or folder"
    assert "metadata" in reasons["metadata.csv"]


def test_a_file_named_twice_is_returned_once(tmp_path: Path) -> None:
    make(tmp_path, "a.txt")
    files, _ = discover([tmp_path, tmp_path / "a.txt"])
    assert files == [(tmp_path / "a.txt").resolve()]


def test_the_sample_folder_yields_its_five_statements(sample_dir: Path) -> None:
    files, skipped = discover([sample_dir])
    assert [p.name[:3] for p in files] == ["000", "001", "002", "003", "004"] and skipped == []


def make_bytes_name(folder: Path, name: bytes) -> Path:
    """A file whose name is raw bytes, as Python sees it (undecodable bytes as surrogates)."""
    raw = os.fsencode(folder) + b"/" + name
    try:
        with open(raw, "wb") as handle:
            handle.write(b"Text.")
    except OSError:
        pytest.skip("this file system only accepts UTF-8 file names")
    return Path(os.fsdecode(raw))


def test_files_whose_names_are_not_utf8_are_skipped_with_a_reason(tmp_path: Path) -> None:
    make(tmp_path, "ok.txt")
    bad = make_bytes_name(tmp_path, b"caf\xe9.txt")
    for named in ([tmp_path], [bad]):
        files, skipped = discover(named)
        assert bad.resolve() not in files
        assert [s.reason for s in skipped] == ["file name is not valid UTF-8; rename it"]
        assert skipped[0].path == tmp_path.resolve() / "caf\\xe9.txt"  # printable, bytes escaped
        str(skipped[0].path).encode("utf-8")  # the report itself can be printed
    assert discover([tmp_path])[0] == [(tmp_path / "ok.txt").resolve()]


def test_files_in_a_folder_whose_name_is_not_utf8_are_skipped(tmp_path: Path) -> None:
    folder = Path(os.fsdecode(os.fsencode(tmp_path) + b"/r\xe9sum\xe9s"))
    try:
        folder.mkdir()
    except OSError:
        pytest.skip("this file system only accepts UTF-8 file names")
    make(folder, "cv.txt")
    files, skipped = discover([tmp_path])
    assert files == [] and [s.path.name for s in skipped] == ["cv.txt"]
    assert "folder" in skipped[0].reason and "UTF-8" in skipped[0].reason


# Symbolic links: a document is known by its path inside the indexed tree ----------------------

def test_a_linked_file_is_known_by_the_links_path_not_its_targets(tmp_path: Path) -> None:
    make(tmp_path, "elsewhere/statement.txt", "corpus/own.txt")
    link = tmp_path / "corpus" / "statement.txt"
    os.symlink(tmp_path / "elsewhere" / "statement.txt", link)
    files, skipped = discover([tmp_path / "corpus"])
    assert files == [tmp_path / "corpus" / "own.txt", link] and skipped == []
    assert discover([link]) == ([link], [])  # named on its own, too
    link.unlink()  # deleting the link removes the document, though its target remains
    assert discover([tmp_path / "corpus"]) == ([tmp_path / "corpus" / "own.txt"], [])


def test_the_named_folder_is_resolved_once_and_files_are_paths_below_it(tmp_path: Path) -> None:
    make(tmp_path, "real/sub/a.txt")
    os.symlink(tmp_path / "real", tmp_path / "alias")
    assert discover([tmp_path / "alias"])[0] == [tmp_path / "real" / "sub" / "a.txt"]
    assert discover([tmp_path / "alias" / "sub" / "a.txt"])[0] == [
        tmp_path / "real" / "sub" / "a.txt"]  # named: its folder resolved, the same document


def test_a_linked_folder_outside_the_tree_is_followed_under_the_links_path(
    tmp_path: Path,
) -> None:
    make(tmp_path, "archive/2005/a.txt", "corpus/b.txt")
    os.symlink(tmp_path / "archive", tmp_path / "corpus" / "archive")
    files, skipped = discover([tmp_path / "corpus"])
    assert files == [tmp_path / "corpus" / "archive" / "2005" / "a.txt",
                     tmp_path / "corpus" / "b.txt"]
    assert skipped == []


def test_a_link_to_a_folder_above_it_is_a_loop_named_and_not_followed(tmp_path: Path) -> None:
    make(tmp_path, "corpus/sub/a.txt", "outside/b.txt")
    os.symlink(tmp_path / "corpus", tmp_path / "corpus" / "sub" / "up")
    os.symlink(tmp_path / "outside", tmp_path / "corpus" / "out")
    os.symlink(tmp_path / "outside", tmp_path / "outside" / "again")  # a loop outside the tree
    files, skipped = discover([tmp_path / "corpus"])
    assert files == [tmp_path / "corpus" / "out" / "b.txt", tmp_path / "corpus" / "sub" / "a.txt"]
    reasons = {s.path.relative_to(tmp_path).as_posix(): s.reason for s in skipped}
    assert "loop" in reasons.pop("corpus/out/again")
    assert "loop" in reasons.pop("corpus/sub/up")
    assert reasons == {}


def test_links_to_folders_already_walked_are_named_and_not_followed(tmp_path: Path) -> None:
    make(tmp_path, "corpus/2005/a.txt", "archive/b.txt")
    os.symlink(tmp_path / "corpus" / "2005", tmp_path / "corpus" / "latest")
    os.symlink(tmp_path / "archive", tmp_path / "corpus" / "old")
    os.symlink(tmp_path / "archive", tmp_path / "corpus" / "older")
    files, skipped = discover([tmp_path / "corpus"])
    assert files == [tmp_path / "corpus" / "2005" / "a.txt", tmp_path / "corpus" / "old" / "b.txt"]
    reasons = {s.path.name: s.reason for s in skipped}
    assert "inside the indexed folder" in reasons["latest"]  # indexed as corpus/2005 already
    assert f"already indexed as {tmp_path / 'corpus' / 'old'}" in reasons["older"]
    assert len(skipped) == 2


def test_index_root_names_folders_resolved_files_by_their_own_name_and_never_raises(
    tmp_path: Path,
) -> None:
    make(tmp_path, "real/a.txt")
    os.symlink(tmp_path / "real", tmp_path / "alias")
    os.symlink(tmp_path / "real" / "a.txt", tmp_path / "link.txt")
    os.symlink("loop", tmp_path / "loop")
    assert index_root(tmp_path / "alias") == tmp_path / "real"
    assert index_root(tmp_path / "link.txt") == tmp_path / "link.txt"
    assert index_root(tmp_path / "alias" / "a.txt") == tmp_path / "real" / "a.txt"
    assert index_root(tmp_path / "loop") == tmp_path / "loop"
    assert index_root(tmp_path / "loop" / "x.txt") == tmp_path / "loop" / "x.txt"
    files, [skipped] = discover([tmp_path / "loop" / "x.txt"])
    assert files == [] and "loop" in skipped.reason


def test_a_tree_nested_deeper_than_the_recursion_limit_is_walked(tmp_path: Path) -> None:
    folder = tmp_path
    for _ in range(300):
        folder = folder / "d"
        folder.mkdir()
    (folder / "deep.txt").write_text("Text.", encoding="utf-8")
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 200)  # the tree is deeper than this allows
    try:
        files, skipped = discover([tmp_path])
    finally:
        sys.setrecursionlimit(limit)
    assert files == [folder / "deep.txt"] and skipped == []
