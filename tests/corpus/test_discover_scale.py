"""What discover and the metadata catalog hand a refresh so that it need not stat every file
again: the walk's stats, and the files known to exist."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from corpus import MetadataCatalog, discover
from corpus.discover import find_documents, is_supported, is_supported_name
from corpus.reading import SUPPORTED_SUFFIXES


def test_find_documents_gives_discovers_files_as_text_with_the_walks_stats(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    for name in ("a.txt", "b/c.md", "b.txt", "a-b.txt", ".hidden.txt", "notes.xyz"):
        (tmp_path / name).write_text("Text.", encoding="utf-8")
    os.symlink(tmp_path / "a.txt", tmp_path / "link.txt")

    files, skipped, stats = find_documents(tmp_path)

    assert [Path(f) for f in files] == discover([tmp_path])[0] and skipped == []
    # Sorted by path parts: the folder "b" before the file "b.txt".
    names = ("a-b.txt", "a.txt", "b/c.md", "b.txt", "link.txt")
    assert files == [str(tmp_path / name) for name in names]
    for file in files:  # read through links, as a refresh compares them
        info = os.stat(file)
        assert stats[file] == (info.st_size, info.st_mtime_ns)


def test_a_file_named_on_its_own_has_no_stat_from_the_walk(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Text.", encoding="utf-8")
    assert find_documents(tmp_path / "a.txt") == ([str(tmp_path / "a.txt")], [], {})


def test_supported_names_follow_path_suffix() -> None:
    for name in ("a.txt", "A.TXT", "x.y.md", ".txt", "a.", "txt", "metadata.csv", "a.tar.gz",
                 "..txt", "a..txt", "notes.Html"):
        expected = Path(name).suffix.lower() in SUPPORTED_SUFFIXES and name != "metadata.csv"
        assert is_supported_name(name) == is_supported(Path(name)) == expected, name


def test_known_files_spare_a_stat_but_missing_rows_are_still_reported(tmp_path: Path) -> None:
    (tmp_path / "metadata.csv").write_text(
        "file,title\nhere.txt,Here\ngone.txt,Gone\nsub/../also.txt,Also\n", encoding="utf-8")
    (tmp_path / "here.txt").write_text("Text.", encoding="utf-8")
    (tmp_path / "also.txt").write_text("Text.", encoding="utf-8")

    catalog = MetadataCatalog([tmp_path], known_files={str(tmp_path / "here.txt")})

    assert catalog.get(str(tmp_path / "here.txt")).title == "Here"
    assert catalog.get(tmp_path / "also.txt").title == "Also"
    assert catalog.get(tmp_path / "gone.txt").title == "Gone"  # kept, and reported
    assert [(p.line, p.message) for p in catalog.problems] == [
        (3, "'gone.txt' does not exist (row kept)")]


def test_a_catalog_finds_a_row_whatever_the_spelling_of_the_path(tmp_path: Path,
                                                                  monkeypatch) -> None:  # noqa: ANN001
    # Each folder is made absolute once; other spellings of a path must still find its row.
    (tmp_path / "sub").mkdir()
    (tmp_path / "metadata.csv").write_text("file,title\na.txt,A\nsub/b.txt,B\n",
                                           encoding="utf-8")
    for name in ("a.txt", "sub/b.txt"):
        (tmp_path / name).write_text("Text.", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "sub")
    catalog = MetadataCatalog([Path("/")])
    root = str(tmp_path)
    spellings = {
        "A": [f"{root}/a.txt", f"{root}/./a.txt", f"{root}/sub/../a.txt", f"{root}//a.txt",
              "../a.txt", Path("../a.txt"), f"{root}/sub/../sub/../a.txt"],
        "B": [f"{root}/sub/b.txt", f"{root}/sub/./b.txt", "b.txt", "./b.txt", f"{root}/sub//b.txt"],
        None: [f"{root}/sub/.", f"{root}/sub/..", f"{root}/sub/", f"{root}/c.txt", "c.txt"],
    }
    for _ in range(2):  # the second time from what the first remembered
        for title, paths in spellings.items():
            for path in paths:
                found = catalog.get(path)
                assert (found.title if found else None) == title, path


@pytest.mark.parametrize("names", [
    ["a.txt", "b.txt", "c/d.txt", "c/e/f.txt"],  # files before subfolders: walked in order
    ["a.txt", "c/d.txt", "c/e/f.txt", "c/z.txt", "d.txt"],  # a file after a subfolder
    ["b/a.txt", "b.txt", "b-c.txt", "b.d/e.txt"],  # '-' and '.' sort before '/' as text
])
def test_files_are_sorted_by_the_parts_of_their_path(tmp_path: Path, names: list[str]) -> None:
    for name in names:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("Text.", encoding="utf-8")
    files = find_documents(tmp_path).files
    assert files == sorted(files, key=lambda f: Path(f).relative_to(tmp_path).parts)
    assert sorted(files) == sorted(str(tmp_path / name) for name in names)
