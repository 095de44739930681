"""Re-indexing embeds only what changed and forgets what was deleted (fake encoder)."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from corpus.types import Metadata
from indexes import IndexReader, Mode, search
from parallax.indexing import build_index, metadata_key

SAMPLE = (Path(__file__).resolve().parents[3] / "shared" / "corpus" / "china-us").resolve()


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SAMPLE, folder)
    return folder


def _index(folder: Path, index_dir: Path, encoder):  # noqa: ANN001, ANN202
    return build_index([folder], index_dir, encoder_loader=lambda name: encoder)


def test_editing_one_file_re_embeds_only_that_file(corpus_copy: Path, tmp_path: Path,
                                                   fake_encoder) -> None:  # noqa: ANN001
    index_dir = tmp_path / "index"
    first = _index(corpus_copy, index_dir, fake_encoder)
    assert len(first.added) == 5 and first.embedded_windows == len(fake_encoder.encoded)

    edited = corpus_copy / "001_eff43aaf35981dd4.txt"
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\nA zebra sentence was added.\n",
                      encoding="utf-8")
    fake_encoder.encoded.clear()
    second = _index(corpus_copy, index_dir, fake_encoder)

    assert second.updated == [str(edited)]
    assert (second.added, second.removed, second.unchanged) == ([], [], 4)
    with IndexReader(index_dir) as reader:
        doc = reader.document_by_path(str(edited))
        windows = [w for p in reader.passages_of(doc.rowid) for w in reader.windows_of(p.rowid)[1]]
    assert len(fake_encoder.encoded) == len(windows)  # only the edited file's windows
    assert any("zebra" in text for text in fake_encoder.encoded)


def test_unchanged_folder_embeds_nothing_and_writes_nothing(corpus_copy: Path, tmp_path: Path,
                                                            fake_encoder) -> None:  # noqa: ANN001
    index_dir = tmp_path / "index"
    _index(corpus_copy, index_dir, fake_encoder)
    generation = (index_dir / "CURRENT").read_text()
    fake_encoder.encoded.clear()
    report = _index(corpus_copy, index_dir, fake_encoder)
    assert not report.changed and fake_encoder.encoded == []
    assert (index_dir / "CURRENT").read_text() == generation


def test_a_deleted_file_is_gone_from_dense_and_lexical_results(corpus_copy: Path, tmp_path: Path,
                                                              fake_encoder) -> None:  # noqa: ANN001
    index_dir = tmp_path / "index"
    _index(corpus_copy, index_dir, fake_encoder)
    deleted = corpus_copy / "000_66e27f2df0de6ee7.txt"
    with IndexReader(index_dir) as reader:
        own_text = reader.passages_of(reader.document_by_path(str(deleted)).rowid)[0].text
        # Before: its own text finds it densely, a word only it uses finds it lexically.
        assert _top_document(reader, Mode.dense, own_text, fake_encoder) == str(deleted)
        assert _top_document(reader, Mode.lexical, "Rumsfeld", fake_encoder) == str(deleted)

    deleted.unlink()
    report = _index(corpus_copy, index_dir, fake_encoder)
    assert report.removed == [str(deleted)]
    with IndexReader(index_dir) as reader:
        assert reader.document_by_path(str(deleted)) is None
        for mode, query in ((Mode.dense, own_text), (Mode.lexical, "Rumsfeld")):
            assert str(deleted) not in _all_documents(reader, mode, query, fake_encoder)


def _all_documents(reader: IndexReader, mode: Mode, query: str, encoder) -> list[str]:  # noqa: ANN001
    hits = search(reader, mode, 1000, query, encoder.encode([query])[0])
    passages = reader.passages([h.passage_rowid for h in hits])
    return [reader.document(passages[h.passage_rowid].doc_rowid).path for h in hits]


def _top_document(reader: IndexReader, mode: Mode, query: str, encoder) -> str:  # noqa: ANN001
    return _all_documents(reader, mode, query, encoder)[0]


def test_a_metadata_edit_re_embeds_only_that_document(corpus_copy: Path, tmp_path: Path,
                                                       fake_encoder) -> None:  # noqa: ANN001
    # Windows carry their document's title, author and date, so they must be re-embedded.
    index_dir = tmp_path / "index"
    _index(corpus_copy, index_dir, fake_encoder)
    csv = corpus_copy / "metadata.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace("Wang Yi", "Wang Yi (FM)"),
                   encoding="utf-8")
    fake_encoder.encoded.clear()
    report = _index(corpus_copy, index_dir, fake_encoder)
    edited = str(corpus_copy / "004_f8739ae2d684661e.txt")
    assert report.metadata_updated == [edited]
    assert (report.added, report.updated, report.unchanged) == ([], [], 4)
    assert fake_encoder.encoded and all("Wang Yi (FM)" in t for t in fake_encoder.encoded)
    with IndexReader(index_dir) as reader:
        assert reader.document_by_path(edited).author == "Wang Yi (FM)"


def test_indexing_a_second_folder_keeps_the_first(corpus_copy: Path, tmp_path: Path,
                                                  fake_encoder) -> None:  # noqa: ANN001
    index_dir = tmp_path / "index"
    _index(corpus_copy, index_dir, fake_encoder)
    other = tmp_path / "other"
    other.mkdir()
    (other / "note.md").write_text("# A note\n\nPandas are exchanged as gifts.\n",
                                   encoding="utf-8")
    report = _index(other, index_dir, fake_encoder)
    assert report.added == [str(other / "note.md")] and report.removed == []
    assert report.counts["documents"] == 6


def test_another_model_is_refused_with_the_rebuild_command(corpus_copy: Path, tmp_path: Path,
                                                           fake_encoder) -> None:  # noqa: ANN001
    from parallax.errors import SettingsMismatch

    index_dir = tmp_path / "index"
    _index(corpus_copy, index_dir, fake_encoder)
    with pytest.raises(SettingsMismatch) as caught:
        build_index([corpus_copy], index_dir, model="some-other-model",
                    encoder_loader=lambda name: fake_encoder)
    assert "--rebuild" in str(caught.value)


def _snapshot(index_dir: Path, path: str) -> list[tuple]:
    """A document's passages with their windows and vectors, as stored."""
    with IndexReader(index_dir) as reader:
        doc = reader.document_by_path(path)
        rows = []
        for passage in reader.passages_of(doc.rowid):
            window_ids, spans = reader.windows_of(passage.rowid)
            rows.append((passage.id, passage.text, passage.context, passage.line_start,
                         tuple(spans), reader.vectors(window_ids)))
        return rows


# Vectors are kept in 8 bits a dimension within the segment's range; a merge whose new
# vectors fall outside it widens the range, and the units carried over are quantised again
# on the wider grid (indexes/vectors/quantised.py): within a step of it.
ONE_STEP = 1e-2


def _same_snapshot(got: list[tuple], expected: list[tuple]) -> None:
    assert [r[:5] for r in got] == [r[:5] for r in expected]
    for mine, theirs in zip(got, expected, strict=True):
        assert np.abs(mine[5] - theirs[5]).max() <= ONE_STEP


def test_unchanged_documents_are_carried_over_exactly(corpus_copy: Path, tmp_path: Path,
                                                      fake_encoder) -> None:  # noqa: ANN001
    index_dir = tmp_path / "index"
    _index(corpus_copy, index_dir, fake_encoder)
    kept = [str(p) for p in sorted(corpus_copy.glob("*.txt")) if not p.name.startswith("001")]
    before = {path: _snapshot(index_dir, path) for path in kept}
    edited = corpus_copy / "001_eff43aaf35981dd4.txt"
    edited.write_text("A wholly new statement about pandas.\n", encoding="utf-8")
    _index(corpus_copy, index_dir, fake_encoder)
    for path in kept:
        _same_snapshot(_snapshot(index_dir, path), before[path])
    with IndexReader(index_dir) as reader:
        assert len(reader.segments) == 1  # a small index stays one segment
        segment = reader.segments[0]
        assert segment.dense.count == len(segment.unit_passages)


@pytest.mark.parametrize("meta", [
    None,
    Metadata(),
    Metadata(title="Thus Human Islets", date="2004-04-16", author="Emeka N. Wagner",
             publisher="The National Journal"),
    Metadata(title='Quotes " and \\ back\nslash\t', author="Zoë 中文 😀 \ud800 \x00\x7f",
             extra={"b": "2", "a": "1", "é": "\u2028"}),
    Metadata(title="x", extra={"pages": 3}),  # not text: json.dumps itself
])
def test_metadata_keys_stay_those_existing_indexes_store(meta: Metadata | None) -> None:
    # Indexes store these keys: another spelling of the same metadata re-embeds everything.
    if meta is None:
        expected = "none"
    else:
        fields = [meta.title, meta.date, meta.author, meta.publisher, sorted(meta.extra.items())]
        expected = hashlib.sha256(json.dumps(fields).encode()).hexdigest()[:16]
    assert metadata_key(meta) == expected


def test_a_file_named_on_its_own_is_compared_by_its_size_and_mtime(
        corpus_copy: Path, tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    # The walk stats the files of a folder; a named file is stat'ed by the plan instead.
    index_dir = tmp_path / "index"
    named = corpus_copy / "001_eff43aaf35981dd4.txt"
    build_index([named], index_dir, encoder_loader=lambda name: fake_encoder)
    fake_encoder.encoded.clear()
    again = build_index([named], index_dir, encoder_loader=lambda name: fake_encoder)
    assert not again.changed and again.unchanged == 1 and fake_encoder.encoded == []

    named.write_text(named.read_text(encoding="utf-8") + "\n\nA zebra.\n", encoding="utf-8")
    edited = build_index([named], index_dir, encoder_loader=lambda name: fake_encoder)
    assert edited.updated == [str(named)]


def test_a_file_gone_between_the_walk_and_the_plan_is_skipped(
        tmp_path: Path, fake_encoder, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    # The plan compares with the walk's stat; a file gone since is found when read.
    import parallax.indexing.discovery as indexing

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "stays.txt").write_text("This file stays.\n", encoding="utf-8")
    (folder / "goes.txt").write_text("This file goes away.\n", encoding="utf-8")
    real = indexing.find_documents

    def find_then_delete(path: Path):  # noqa: ANN202
        found = real(path)
        (folder / "goes.txt").unlink()
        return found

    monkeypatch.setattr(indexing, "find_documents", find_then_delete)
    report = _index(folder, tmp_path / "index", fake_encoder)
    assert [Path(p).name for p in report.added] == ["stays.txt"]
    assert [s.path.name for s in report.skipped] == ["goes.txt"]
