"""A refresh trusts an unchanged metadata.csv without reading it, and never misses a change.

A refresh keeps a file of unchanged size and mtime without reading it; it also skips the
metadata.csv files above it when stat says none of them changed since the documents of the
file's folder last had their metadata read (Manifest.metadata_states). These tests hold the
other side of that bargain: every way a metadata.csv can change is still seen.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import corpus.metadata
import parallax.indexing
from indexes import IndexReader
from parallax.indexing import build_index


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


def _csv(rows: dict[str, str]) -> str:
    return "file,title\n" + "".join(f"{file},{title}\n" for file, title in rows.items())


def _index(folder: Path, index: Path, encoder, **kwargs):  # noqa: ANN001, ANN003, ANN202
    return build_index([folder], index, encoder_loader=lambda name: encoder, **kwargs)


def _titles(index: Path) -> dict[str, str | None]:
    with IndexReader(index) as reader:
        return {Path(d.path).name: None if d.title_inferred else d.title
                for d in reader.documents()}


@pytest.fixture
def csv_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The folders whose metadata.csv is read (parsed), in order."""
    reads: list[str] = []
    real = corpus.metadata._load_rows

    def counting(folder, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if os.path.lexists(os.path.join(folder, "metadata.csv")):
            reads.append(folder)
        return real(folder, *args, **kwargs)

    monkeypatch.setattr(corpus.metadata, "_load_rows", counting)
    return reads


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    folder = _write(tmp_path / "docs", {"a.txt": "Pandas are envoys.\n",
                                        "b.txt": "Beekeeping notes.\n"})
    (folder / "metadata.csv").write_text(_csv({"a.txt": "Alpha", "b.txt": "Bravo"}))
    return folder


def test_a_refresh_with_no_metadata_change_reads_no_metadata_csv(
        docs: Path, tmp_path: Path, fake_encoder, csv_reads: list[str]) -> None:  # noqa: ANN001
    _index(docs, tmp_path / "index", fake_encoder)
    assert csv_reads == [str(docs)]
    csv_reads.clear()
    report = _index(docs, tmp_path / "index", fake_encoder)
    assert not report.changed and csv_reads == []


def test_an_edited_row_is_seen_even_when_size_and_mtime_are_restored(
        docs: Path, tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    index = tmp_path / "index"
    _index(docs, index, fake_encoder)
    csv = docs / "metadata.csv"
    before = csv.stat()
    csv.write_text(_csv({"a.txt": "Alpha", "b.txt": "Brava"}))  # same length
    os.utime(csv, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (csv.stat().st_size, csv.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)
    report = _index(docs, index, fake_encoder)
    assert report.metadata_updated == [str(docs / "b.txt")]
    assert _titles(index) == {"a.txt": "Alpha", "b.txt": "Brava"}


def test_a_metadata_csv_added_or_removed_above_a_folder_is_seen(
        tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    top = tmp_path / "collection"
    _write(top / "2020", {"a.txt": "Pandas are envoys.\n"})
    index = tmp_path / "index"
    _index(top, index, fake_encoder)
    assert _titles(index) == {"a.txt": None}

    (top / "metadata.csv").write_text(_csv({"2020/a.txt": "From above"}))
    assert _index(top, index, fake_encoder).metadata_updated == [str(top / "2020" / "a.txt")]
    assert _titles(index) == {"a.txt": "From above"}

    (top / "metadata.csv").unlink()
    assert _index(top, index, fake_encoder).metadata_updated == [str(top / "2020" / "a.txt")]
    assert _titles(index) == {"a.txt": None}


def test_a_shared_metadata_csv_read_for_one_folder_is_read_again_for_the_other(
        tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    """Two folders indexed separately under one metadata.csv: refreshing the first after
    an edit must not make the second believe its documents' metadata is current."""
    top = tmp_path / "shared"
    first = _write(top / "first", {"a.txt": "Pandas are envoys.\n"})
    second = _write(top / "second", {"b.txt": "Beekeeping notes.\n"})
    (top / "metadata.csv").write_text(_csv({"first/a.txt": "Alpha", "second/b.txt": "Bravo"}))
    index = tmp_path / "index"
    _index(first, index, fake_encoder)
    _index(second, index, fake_encoder)

    (top / "metadata.csv").write_text(_csv({"first/a.txt": "Alpha 2", "second/b.txt": "Bravo 2"}))
    assert _index(first, index, fake_encoder).metadata_updated == [str(first / "a.txt")]
    assert _index(second, index, fake_encoder).metadata_updated == [str(second / "b.txt")]
    assert _titles(index) == {"a.txt": "Alpha 2", "b.txt": "Bravo 2"}


def test_a_file_named_on_its_own_does_not_vouch_for_the_rest_of_its_folder(
        docs: Path, tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    index = tmp_path / "index"
    _index(docs, index, fake_encoder)
    (docs / "metadata.csv").write_text(_csv({"a.txt": "Alpha 2", "b.txt": "Bravo 2"}))
    assert _index(docs / "a.txt", index, fake_encoder).metadata_updated == [str(docs / "a.txt")]
    assert _index(docs, index, fake_encoder).metadata_updated == [str(docs / "b.txt")]
    assert _titles(index) == {"a.txt": "Alpha 2", "b.txt": "Bravo 2"}


def test_a_run_killed_between_parts_leaves_the_rest_to_be_read_again(
        tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    """Four files are added and a metadata edit touches all six; the run dies after
    publishing its first part, which still holds the old versions of d4 and d5: the next
    run must see that their metadata changed."""
    names = [f"d{i}.txt" for i in range(6)]
    docs = _write(tmp_path / "docs", {"d4.txt": "Text number 4.\n", "d5.txt": "Text number 5.\n"})
    (docs / "metadata.csv").write_text(_csv({"d4.txt": "Old", "d5.txt": "Old"}))
    index = tmp_path / "index"
    _index(docs, index, fake_encoder)
    _write(docs, {name: f"Text number {i}.\n" for i, name in enumerate(names[:4])})
    (docs / "metadata.csv").write_text(_csv({name: "New" for name in names}))

    fake_encoder.crash_at(2)  # the machine dies while embedding the second part
    with pytest.raises(fake_encoder.Crash):
        _index(docs, index, fake_encoder, checkpoint=1)
    assert _titles(index) == {"d0.txt": "New", "d1.txt": "New", "d4.txt": "Old",
                              "d5.txt": "Old"}  # the first part was published

    fake_encoder.crash_at(None)
    _index(docs, index, fake_encoder, checkpoint=1)
    assert _titles(index) == {name: "New" for name in names}


def test_an_unreadable_file_kept_as_it_was_is_checked_again_next_time(
        docs: Path, tmp_path: Path, fake_encoder, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    index = tmp_path / "index"
    _index(docs, index, fake_encoder)
    (docs / "metadata.csv").write_text(_csv({"a.txt": "Alpha 2", "b.txt": "Bravo 2"}))
    real_read = parallax.indexing.planning.read_bytes

    def unreadable_b(path, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        if Path(path).name == "b.txt":
            raise parallax.indexing.planning.UnreadableDocument(Path(path), "permission denied")
        return real_read(path, *args, **kwargs)

    monkeypatch.setattr(parallax.indexing.planning, "read_bytes", unreadable_b)
    report = _index(docs, index, fake_encoder)
    assert [Path(s.path).name for s in report.skipped] == ["b.txt"]
    assert _titles(index) == {"a.txt": "Alpha 2", "b.txt": "Bravo"}  # kept as it was

    monkeypatch.setattr(parallax.indexing.planning, "read_bytes", real_read)
    assert _index(docs, index, fake_encoder).metadata_updated == [str(docs / "b.txt")]
    assert _titles(index) == {"a.txt": "Alpha 2", "b.txt": "Bravo 2"}



def test_a_folder_whose_files_are_all_gone_is_forgotten(tmp_path: Path,
                                                        fake_encoder) -> None:  # noqa: ANN001
    top = tmp_path / "collection"
    _write(top / "2020", {"a.txt": "Pandas are envoys.\n"})
    _write(top / "2021", {"b.txt": "Beekeeping notes.\n"})
    index = tmp_path / "index"
    _index(top, index, fake_encoder)
    with IndexReader(index) as reader:
        assert sorted(reader.manifest.metadata_states) == [str(top / "2020"), str(top / "2021")]
    (top / "2021" / "b.txt").unlink()
    _index(top, index, fake_encoder)
    with IndexReader(index) as reader:
        assert sorted(reader.manifest.metadata_states) == [str(top / "2020")]
