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


def test_an_edit_leaves_one_generation_when_no_reader_holds_the_old_one(
        tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    docs, index = _docs(tmp_path), tmp_path / "index"
    _index(docs, index, fake_encoder)
    first = layout.current_name(index)
    (docs / "b.txt").write_text("Trade talks resumed in the spring.\n", encoding="utf-8")
    _index(docs, index, fake_encoder)
    assert layout.generations(index) == [layout.current_name(index)] != [first]


def test_a_run_published_in_parts_leaves_only_its_last_part(tmp_path: Path,
                                                            fake_encoder) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    for n in range(6):
        (docs / f"d{n}.txt").write_text(f"Statement {n} on trade and climate.\n", encoding="utf-8")
    index = tmp_path / "index"
    report = _index(docs, index, fake_encoder, checkpoint=1)
    assert report.published_parts > 1
    assert layout.generations(index) == [layout.current_name(index)]


def test_an_edit_keeps_the_generation_a_reader_holds_until_it_closes(
        tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    docs, index = _docs(tmp_path), tmp_path / "index"
    _index(docs, index, fake_encoder)
    reader = IndexReader(index)  # a server answering from the first generation
    held = reader.generation_name
    (docs / "b.txt").write_text("Trade talks resumed in the spring.\n", encoding="utf-8")
    _index(docs, index, fake_encoder)
    assert held in layout.generations(index)
    query = fake_encoder.encode(["Pandas are envoys of friendship."])[0]
    ids, _ = reader.search_units(query, 1)  # still answering from its own files
    assert len(ids) == 1
    reader.close()
    (docs / "c.txt").write_text("A third statement.\n", encoding="utf-8")
    _index(docs, index, fake_encoder)
    assert layout.generations(index) == [layout.current_name(index)]
