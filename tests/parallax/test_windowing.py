"""Windows, not truncation: the end of a paragraph longer than the model's limit is found."""

from __future__ import annotations

from pathlib import Path

from indexes import Mode, search
from parallax.session import Session


def _longest_passage(session: Session):  # noqa: ANN202
    reader = session.reader
    passages = [p for d in reader.documents() for p in reader.passages_of(d.rowid)]
    return max(passages, key=lambda p: len(p.text))


def test_the_last_sentence_of_the_longest_paragraph_is_found(sample_index: Path,
                                                             real_encoder) -> None:  # noqa: ANN001
    with Session(sample_index, encoder_loader=lambda name: real_encoder) as session:
        longest = _longest_passage(session)
        window_ids, _ = session.reader.windows_of(longest.rowid)
        assert len(window_ids) >= 2, "the longest paragraph should exceed the model's limit"
        last_sentence = "The Chinese people have strong confidence, and the international community"
        assert longest.text.rstrip().endswith(
            "The Chinese people have strong confidence, and the international community sees "
            "this clearly as well."), "the fixture's longest paragraph changed"
        assert last_sentence in longest.text
        question = "Do other nations recognise how self-assured the Chinese people are?"
        for mode in (Mode.dense, Mode.hybrid):
            vector = session.encode([question])[0]
            hits = search(session.reader, mode, 3, question, vector)
            assert longest.rowid in [h.passage_rowid for h in hits], mode
