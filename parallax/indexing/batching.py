"""Batches of passages: the pieces of documents embedded and written at a time."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from parallax.indexing.documents import DocumentToEmbed

# Passages embedded and written at a time. Token offsets, units and vectors exist only for
# one batch, so memory stays bounded whatever the size of a document or of a run; batches
# span documents so that many short documents still fill the model's batches. Engines read
# it at call time (tests lower it).
BATCH_PASSAGES = 256


def batches(docs: Sequence[DocumentToEmbed], size: int) -> Iterator[list[tuple[int, range]]]:
    """(document number, passage indices) pieces, about `size` passages per batch; a
    document's from its `resume_at` on."""
    batch: list[tuple[int, range]] = []
    room = size
    for number, entry in enumerate(docs):
        doc, start = entry.doc, entry.resume_at
        while start < len(doc.passages):  # type: ignore[union-attr]
            take = min(room, len(doc.passages) - start)  # type: ignore[union-attr]
            batch.append((number, range(start, start + take)))
            start += take
            room -= take
            if room == 0:
                yield batch
                batch, room = [], size
    if batch:
        yield batch
