"""A generation replaced by a --rebuild (typically a damaged one) does not stay on disk: it
goes at once, or, while a reader still holds it, at the next run of `index` after that
reader has closed."""

from __future__ import annotations

from pathlib import Path

from indexes import IndexReader
from indexes.storage import layout
from parallax.indexing import build_index


def _index(folder: Path, index: Path, encoder, **kwargs):  # noqa: ANN001, ANN003, ANN202
    return build_index([folder], index, encoder_loader=lambda name: encoder, **kwargs)


def _docs(tmp_path: Path) -> Path:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Pandas are envoys of friendship.\n", encoding="utf-8")
    return docs


def _damage(index: Path) -> str:
    generation = layout.current_generation(index)
    (generation / "manifest.json").write_text("garbage", encoding="utf-8")
    return generation.name


def test_a_rebuild_removes_the_damaged_generation_it_replaces(tmp_path: Path,
                                                              fake_encoder) -> None:  # noqa: ANN001
    docs, index = _docs(tmp_path), tmp_path / "index"
    _index(docs, index, fake_encoder)
    damaged = _damage(index)
    _index(docs, index, fake_encoder, rebuild=True)
    assert layout.generations(index) == [layout.current_name(index)]
    assert damaged not in layout.generations(index)


def test_a_held_damaged_generation_goes_at_the_next_run_after_its_reader_closes(
        tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    docs, index = _docs(tmp_path), tmp_path / "index"
    _index(docs, index, fake_encoder)
    reader = IndexReader(index)  # opened (and verified) before the damage, like a server
    damaged = _damage(index)
    _index(docs, index, fake_encoder, rebuild=True)
    assert damaged in layout.generations(index)  # never pulled from under its reader
    reader.close()
    report = _index(docs, index, fake_encoder)  # nothing changed: nothing is published
    assert not report.changed
    assert layout.generations(index) == [layout.current_name(index)]
