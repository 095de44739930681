"""An index never loses a user's files, other folders, or a concurrent reader's view."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import parallax.indexing
from indexes import IndexBusy, IndexReader, Mode, NotAnIndex, search
from indexes.storage import layout
from parallax.errors import NothingToIndex, SettingsMismatch
from parallax.indexing import IndexProgress, build_index

SAMPLE = (Path(__file__).resolve().parents[3] / "shared" / "corpus" / "china-us").resolve()


def _folder(root: Path, name: str, files: dict[str, str]) -> Path:
    folder = root / name
    folder.mkdir(parents=True)
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")
    return folder


def _index(folder: Path, index: Path, encoder, **kwargs):  # noqa: ANN001, ANN003, ANN202
    return build_index([folder], index, encoder_loader=lambda name: encoder, **kwargs)


def _two_folders_indexed(tmp_path: Path, encoder) -> tuple[Path, Path, Path]:  # noqa: ANN001
    """Two folders indexed one after the other into one index."""
    first = _folder(tmp_path, "first", {"a.txt": "Pandas are envoys.\n"})
    second = _folder(tmp_path, "second", {"b.txt": "Beekeeping notes.\n"})
    index = tmp_path / "index"
    _index(first, index, encoder)
    _index(second, index, encoder)
    return first, second, index


def test_a_folder_that_is_not_an_index_is_refused_and_left_alone(tmp_path: Path,
                                                                 fake_encoder) -> None:  # noqa: ANN001
    docs = _folder(tmp_path, "docs", {"a.txt": "Pandas are envoys.\n"})
    notes = _folder(tmp_path, "notes", {"gen-ai.txt": "precious", "todo.md": "keep me"})
    with pytest.raises(NotAnIndex, match="other files"):
        _index(docs, notes, fake_encoder)
    assert sorted(p.name for p in notes.iterdir()) == ["gen-ai.txt", "todo.md"]


def test_a_second_writer_is_refused_before_it_loads_a_model(tmp_path: Path) -> None:
    docs = _folder(tmp_path, "docs", {"a.txt": "Pandas are envoys.\n"})
    loaded = []
    with layout.write_lock(tmp_path / "index"), pytest.raises(IndexBusy):
        build_index([docs], tmp_path / "index", encoder_loader=lambda name: loaded.append(name))
    assert loaded == []


def test_a_reader_opened_before_a_write_keeps_working_after_it(tmp_path: Path,
                                                               fake_encoder) -> None:  # noqa: ANN001
    docs = _folder(tmp_path, "docs", {"a.txt": "Pandas are envoys of friendship.\n"})
    index = tmp_path / "index"
    _index(docs, index, fake_encoder)
    with IndexReader(index) as reader:  # FAISS not loaded yet: it opens lazily
        (docs / "b.txt").write_text("Tariffs were raised twice.\n", encoding="utf-8")
        _index(docs, index, fake_encoder)
        vector = fake_encoder.encode(["pandas friendship"])[0]
        assert search(reader, Mode.dense, 1, "pandas friendship", vector)


def test_a_removed_metadata_row_is_noticed(tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    docs = _folder(tmp_path, "docs", {"a.txt": "Pandas are envoys.\n",
                                      "metadata.csv": "file,title,date,author,publisher\n"
                                                      "a.txt,Panda Note,2020,Zoo Keeper,\n"})
    index = tmp_path / "index"
    _index(docs, index, fake_encoder)
    (docs / "metadata.csv").unlink()
    report = _index(docs, index, fake_encoder)
    assert report.metadata_updated == [str(docs / "a.txt")]
    with IndexReader(index) as reader:
        assert reader.documents()[0].author is None


def test_a_folder_emptied_of_documents_is_emptied_from_the_index(tmp_path: Path,
                                                                 fake_encoder) -> None:  # noqa: ANN001
    first, second, index = _two_folders_indexed(tmp_path, fake_encoder)
    (second / "b.txt").unlink()
    report = _index(second, index, fake_encoder)
    assert report.removed == [str(second / "b.txt")]
    with IndexReader(index) as reader:
        assert [doc.path for doc in reader.documents()] == [str(first / "a.txt")]


def test_nothing_to_index_names_each_skipped_file_and_why(tmp_path: Path,
                                                          fake_encoder) -> None:  # noqa: ANN001
    bad = _folder(tmp_path, "bad", {"empty.txt": "", "blank.md": "  \n"})
    with pytest.raises(NothingToIndex) as caught:
        _index(bad, tmp_path / "index", fake_encoder)
    assert "empty.txt" in str(caught.value) and "blank.md" in str(caught.value)


def test_the_rebuild_command_names_every_folder_of_the_index(tmp_path: Path,
                                                             fake_encoder) -> None:  # noqa: ANN001
    first, second, index = _two_folders_indexed(tmp_path, fake_encoder)
    with pytest.raises(SettingsMismatch) as caught:
        _index(second, index, fake_encoder, model="another-model")
    assert str(first) in caught.value.hint and str(second) in caught.value.hint


def test_the_sample_corpus_survives_a_copy_between_folders(tmp_path: Path,
                                                          fake_encoder) -> None:  # noqa: ANN001
    # Document ids come from paths: the same texts in two folders are two documents.
    a, b = tmp_path / "a", tmp_path / "b"
    shutil.copytree(SAMPLE, a)
    shutil.copytree(SAMPLE, b)
    index = tmp_path / "index"
    _index(a, index, fake_encoder)
    report = _index(b, index, fake_encoder)
    assert report.counts["documents"] == 10


def _built_with_other_settings(tmp_path: Path, encoder) -> tuple[Path, Path]:  # noqa: ANN001
    """A folder and an index of it built without sentence units, unlike this version."""
    from parallax.settings import IndexSettings

    docs = _folder(tmp_path, "docs", {"a.txt": "Pandas are envoys.\n"})
    index = tmp_path / "index"
    _index(docs, index, encoder, settings=IndexSettings(sentence_units=()))
    return docs, index


def test_querying_an_index_built_with_other_settings_is_refused_with_the_rebuild_command(
    tmp_path: Path, fake_encoder  # noqa: ANN001
) -> None:
    from parallax.session import Session

    docs, index = _built_with_other_settings(tmp_path, fake_encoder)
    with pytest.raises(SettingsMismatch) as caught:
        Session(index, encoder_loader=lambda name: fake_encoder)
    assert f"parallax index --rebuild {docs}" in caught.value.hint


def test_extending_an_index_built_with_other_settings_is_refused_with_the_rebuild_command(
    tmp_path: Path, fake_encoder  # noqa: ANN001
) -> None:
    docs, index = _built_with_other_settings(tmp_path, fake_encoder)
    with pytest.raises(SettingsMismatch) as caught:
        _index(docs, index, fake_encoder)
    assert "other splitting settings" in str(caught.value)
    assert f"parallax index --rebuild {docs}" in caught.value.hint


def test_index_without_a_folder_refreshes_every_folder_of_the_index(
    tmp_path: Path, fake_encoder, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    from typer.testing import CliRunner

    import parallax.indexing
    from parallax.cli import app

    monkeypatch.setattr(parallax.indexing.engines.base, "load_encoder", lambda name: fake_encoder)
    first, second, index = _two_folders_indexed(tmp_path, fake_encoder)
    (first / "a.txt").write_text("Pandas are envoys of friendship.\n", encoding="utf-8")
    (second / "c.txt").write_text("Honey prices rose.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["index", "--json", "--index", str(index)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["updated"] == [str(first / "a.txt")]
    assert report["added"] == [str(second / "c.txt")]


def test_a_long_run_killed_part_way_keeps_its_finished_parts_and_resumes(
    tmp_path: Path, fake_encoder  # noqa: ANN001
) -> None:
    docs = _folder(tmp_path, "docs", {f"d{i}.txt": f"Report {i} on trade.\n\nSecond part {i}.\n"
                                      for i in range(6)})
    index = tmp_path / "index"
    fake_encoder.crash_at(2)  # the machine dies while embedding the second part
    with pytest.raises(fake_encoder.Crash):
        _index(docs, index, fake_encoder, checkpoint=4)  # 2 documents (4 passages) per part
    with IndexReader(index) as reader:
        assert reader.manifest.counts["documents"] == 2  # the first part was published

    fake_encoder.crash_at(None)
    fake_encoder.encoded.clear()
    report = _index(docs, index, fake_encoder, checkpoint=4)
    assert len(report.added) == 4 and report.unchanged == 2
    assert report.counts["documents"] == 6


def test_every_published_part_keeps_the_previous_version_of_documents_not_done_yet(
    tmp_path: Path, fake_encoder  # noqa: ANN001
) -> None:
    docs = _folder(tmp_path, "docs", {"d4.txt": "Old text 4.\n", "d5.txt": "Old text 5.\n"})
    index = tmp_path / "index"
    _index(docs, index, fake_encoder)
    for i in range(6):  # four new documents, two changed ones, one passage each
        (docs / f"d{i}.txt").write_text(f"New text {i}.\n", encoding="utf-8")
    seen = []
    real_publish = layout.publish

    def publish_and_look(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        final = real_publish(*args, **kwargs)
        index_dir = args[0]
        with IndexReader(index_dir) as reader:
            seen.append(sorted(p.text for d in reader.documents()
                               for p in reader.passages_of(d.rowid)))
        return final

    layout.publish = publish_and_look
    try:
        _index(docs, index, fake_encoder, checkpoint=1)
    finally:
        layout.publish = real_publish
    # Parts grow with the index (2 passages, then 4), and each is a complete index (the
    # last one also merged into one segment, as a small index is: no extra publish).
    assert seen == [["New text 0.", "New text 1.", "Old text 4.", "Old text 5."],
                    [f"New text {i}." for i in range(6)]]
    with IndexReader(index) as reader:
        assert len(reader.segments) == 1 and not len(reader.deleted)


def test_a_missing_folder_keeps_its_documents(tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    first, second, index = _two_folders_indexed(tmp_path, fake_encoder)
    second.rename(tmp_path / "unmounted")  # a drive that is not there today
    report = build_index([first, second], index, encoder_loader=lambda name: fake_encoder)
    assert report.removed == [] and report.counts["documents"] == 2


def test_indexing_a_subfolder_keeps_metadata_from_the_folder_above(tmp_path: Path,
                                                                   fake_encoder) -> None:  # noqa: ANN001
    top = _folder(tmp_path, "top", {"metadata.csv": "file,title,date,author,publisher\n"
                                                    "sub/s.txt,Sub Note,2021,Wang Yi,\n"})
    _folder(top, "sub", {"s.txt": "Spring festival greetings.\n"})
    index = tmp_path / "index"
    _index(top, index, fake_encoder)
    report = _index(top / "sub", index, fake_encoder)
    assert not report.changed
    with IndexReader(index) as reader:
        assert reader.documents()[0].author == "Wang Yi"


def test_a_session_survives_a_multi_part_run_of_index(tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    from parallax.search.ask import ask
    from parallax.session import Session

    docs = _folder(tmp_path, "docs", {"a.txt": "Pandas are envoys of friendship.\n"})
    index = tmp_path / "index"
    _index(docs, index, fake_encoder)
    with Session(index, encoder_loader=lambda name: fake_encoder) as session:
        assert ask(session, "pandas", 1, Mode.lexical).results  # FAISS not opened yet
        for i in range(8):
            (docs / f"n{i}.txt").write_text(f"Note {i} on trade.\n", encoding="utf-8")
        _index(docs, index, fake_encoder, checkpoint=1)  # publishes several generations
        assert ask(session, "pandas friendship", 1, Mode.hybrid).results


def test_a_file_indexed_on_its_own_is_refreshed_on_its_own(tmp_path: Path,
                                                           fake_encoder) -> None:  # noqa: ANN001
    from parallax.indexing import indexed_folders

    docs = _folder(tmp_path, "docs", {"one.txt": "Only this.\n", "other.txt": "Not this.\n"})
    index = tmp_path / "index"
    build_index([docs / "one.txt"], index, encoder_loader=lambda name: fake_encoder)
    assert indexed_folders(index) == [docs / "one.txt"]
    report = build_index(indexed_folders(index), index, encoder_loader=lambda name: fake_encoder)
    assert not report.changed and report.counts["documents"] == 1


@pytest.mark.parametrize("name", ["hash#x", "ques?x", "pct%41", "sp ace"])
def test_an_index_folder_name_with_uri_characters_works(tmp_path: Path, name: str,
                                                        fake_encoder) -> None:  # noqa: ANN001
    docs = _folder(tmp_path, "docs", {"a.txt": "Pandas are envoys.\n"})
    index = tmp_path / name
    _index(docs, index, fake_encoder)
    (docs / "b.txt").write_text("Beekeeping notes.\n", encoding="utf-8")
    assert _index(docs, index, fake_encoder).added == [str(docs / "b.txt")]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["docs", name])


def test_a_rebuild_reports_the_documents_it_drops(tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    first, second, index = _two_folders_indexed(tmp_path, fake_encoder)
    report = _index(first, index, fake_encoder, rebuild=True)
    assert report.removed == [str(second / "b.txt")]


def test_a_rebuild_of_a_folder_left_with_nothing_readable_is_refused_and_keeps_the_index(
    tmp_path: Path, fake_encoder, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    from typer.testing import CliRunner

    from parallax.cli import app

    monkeypatch.setattr(parallax.indexing.engines.base, "load_encoder", lambda name: fake_encoder)
    docs = _folder(tmp_path, "docs", {"a.txt": "Pandas are envoys.\n"})
    index = tmp_path / "index"
    _index(docs, index, fake_encoder)
    (docs / "a.txt").unlink()
    (docs / "empty.txt").write_text("", encoding="utf-8")
    result = CliRunner().invoke(app, ["index", "--rebuild", str(docs), "--index", str(index)])
    assert isinstance(result.exception, SystemExit), result.exception  # not a crash (exit 70)
    assert result.exit_code == 1  # invalid input, as a rebuild of a missing folder
    assert "nothing to index" in result.stderr and "left as it was" in result.stderr
    assert "empty.txt" in result.stderr  # the hint says why each file was skipped
    with IndexReader(index) as reader:
        assert [d.path for d in reader.documents()] == [str(docs / "a.txt")]


def test_a_linked_file_is_indexed_under_the_link_and_goes_with_it(tmp_path: Path,
                                                                  fake_encoder) -> None:  # noqa: ANN001
    target = _folder(tmp_path, "elsewhere", {"real.txt": "Pandas are envoys.\n"})
    docs = _folder(tmp_path, "docs", {"a.txt": "Beekeeping notes.\n"})
    (docs / "link.txt").symlink_to(target / "real.txt")
    index = tmp_path / "index"
    report = _index(docs, index, fake_encoder)
    assert str(docs.resolve() / "link.txt") in report.added
    (docs / "link.txt").unlink()
    report = _index(docs, index, fake_encoder)
    assert report.removed == [str(docs.resolve() / "link.txt")]


def test_fifos_dangling_links_and_loops_are_named_as_skipped(tmp_path: Path,
                                                             fake_encoder) -> None:  # noqa: ANN001
    import os

    docs = _folder(tmp_path, "docs", {"a.txt": "Beekeeping notes.\n"})
    os.mkfifo(docs / "pipe.txt")
    (docs / "dangling.txt").symlink_to(tmp_path / "gone.txt")
    (docs / "loop.txt").symlink_to(docs / "loop.txt")
    report = _index(docs, tmp_path / "index", fake_encoder)
    skipped = {Path(s.path).name: s.reason for s in report.skipped}
    assert set(skipped) == {"pipe.txt", "dangling.txt", "loop.txt"}
    assert all(skipped.values())
    # A loop named on its own is a skip too, not a crash.
    report = build_index([docs / "loop.txt", docs / "a.txt"], tmp_path / "index",
                         encoder_loader=lambda name: fake_encoder)
    assert [Path(s.path).name for s in report.skipped] == ["loop.txt"]


def test_one_invalid_utf8_byte_costs_a_warning_not_the_file(tmp_path: Path,
                                                            fake_encoder) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    # UTF-8 text (curly quotes) with one byte that is not UTF-8, as a damaged download has.
    text = "The envoys’ “panda diplomacy” was praised. " * 20
    (docs / "damaged.txt").write_bytes(text.encode() + b"\xff" + text.encode() + b"\n")
    warnings: list[str] = []

    class Progress(IndexProgress):
        def warning(self, message: str) -> None:
            warnings.append(message)

    report = build_index([docs], tmp_path / "index", encoder_loader=lambda name: fake_encoder,
                         progress=Progress())
    assert report.added == [str(docs.resolve() / "damaged.txt")] and report.skipped == []
    assert any("damaged.txt" in w and "1 byte" in w for w in warnings)


def test_a_plan_too_large_to_hold_parses_its_documents_again_part_by_part(
    tmp_path: Path, fake_encoder, monkeypatch  # noqa: ANN001
) -> None:
    files = {f"d{i}.txt": f"Paragraph one of {i}.\n\nParagraph two of {i}.\n" for i in range(6)}
    docs = _folder(tmp_path, "docs", files)
    held = tmp_path / "held"
    _index(docs, held, fake_encoder, checkpoint=2)
    monkeypatch.setattr(parallax.indexing.planning, "KEEP_PARSED", 0)  # keep no parsed document
    again = tmp_path / "again"
    report = _index(docs, again, fake_encoder, checkpoint=2)
    assert len(report.added) == 6 and report.counts["passages"] == 12

    def contents(index: Path) -> list[tuple[str, list[str]]]:
        with IndexReader(index) as reader:
            return [(d.path, [p.text for p in reader.passages_of(d.rowid)])
                    for d in reader.documents()]

    assert contents(again) == contents(held)
