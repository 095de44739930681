"""A process that keeps an index open (the server) answers across any number of publishes,
and moves to the newest generation when it refreshes."""

from __future__ import annotations

from pathlib import Path

from indexes import Mode, search
from indexes.storage import layout
from parallax.indexing import build_index
from parallax.session import Session


def _publish(docs: Path, index: Path, encoder, number: int) -> None:  # noqa: ANN001
    (docs / f"note{number}.txt").write_text(f"Beekeeping note number{number} about hives.\n",
                                            encoding="utf-8")
    build_index([docs], index, encoder_loader=lambda name: encoder)


def _indexed(tmp_path: Path, encoder) -> tuple[Path, Path]:  # noqa: ANN001
    """A folder of one document, indexed: (the folder, the index)."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "pandas.txt").write_text("Pandas are envoys of friendship.\n", encoding="utf-8")
    index = tmp_path / "index"
    build_index([docs], index, encoder_loader=lambda name: encoder)
    return docs, index


def _answers(session: Session, encoder) -> list[str]:  # noqa: ANN001
    texts = []
    for mode in Mode:
        vector = encoder.encode(["pandas envoys"])[0] if mode.needs_vectors else None
        hits = search(session.reader, mode, 3, "pandas envoys", vector)
        texts += [session.reader.passages([h.passage_rowid])[h.passage_rowid].text
                  for h in hits]
    return texts


def test_a_reader_open_across_five_publishes_answers_every_time_then_refreshes(
    tmp_path: Path, fake_encoder  # noqa: ANN001
) -> None:
    docs, index = _indexed(tmp_path, fake_encoder)

    session = Session(index, encoder_loader=lambda name: fake_encoder)
    first = session.reader.generation_name
    before = _answers(session, fake_encoder)
    assert "Pandas are envoys of friendship." in before
    for number in range(5):
        _publish(docs, index, fake_encoder, number)
        # The generation it holds is still there, whole, and answers as before.
        assert list((index / first).glob("seg-*/dense.faiss"))
        assert _answers(session, fake_encoder) == before
    assert session.reader.generation_name == first

    assert session.refresh() is True
    newest = layout.current_name(index)
    assert session.reader.generation_name == newest
    hits = search(session.reader, Mode.lexical, 10, "number4 hives")
    assert any("number4" in session.reader.passages([h.passage_rowid])[h.passage_rowid].text
               for h in hits)
    assert session.refresh() is False  # nothing new
    session.close()

    # Once nobody holds it, the old generation goes at the next publish.
    _publish(docs, index, fake_encoder, 5)
    assert not (index / first).exists()


def test_a_damaged_newer_generation_is_not_switched_to(tmp_path: Path,
                                                       fake_encoder) -> None:  # noqa: ANN001
    import indexes.reader

    docs, index = _indexed(tmp_path, fake_encoder)
    session = Session(index, encoder_loader=lambda name: fake_encoder)
    held = session.reader.generation_name
    _publish(docs, index, fake_encoder, 1)
    newest = layout.current_name(index)
    database = next((index / newest).glob("seg-*/index.sqlite"))
    database.write_bytes(database.read_bytes()[:4096])
    indexes.reader._VERIFIED.clear()  # as a process that has not opened it yet

    assert session.refresh() is False
    assert session.reader.generation_name == held
    assert session.refresh_problem and "index.sqlite" in session.refresh_problem
    assert search(session.reader, Mode.lexical, 1, "pandas envoys")  # still answers

    (index / "CURRENT").write_bytes(b"\x00garbage")
    assert session.refresh() is False and "CURRENT" in (session.refresh_problem or "")
    session.close()
