"""`sources` and `show`: reading the index without searching it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from indexes import DocumentRecord, IndexReader, PassageRecord
from indexes.storage.recovery import index_command
from parallax.errors import PassageNotFound


def chronological(docs: list[DocumentRecord]) -> list[DocumentRecord]:
    """Dated documents by date, then undated ones, each group by title and path."""
    return sorted(docs, key=lambda d: (d.date is None, d.date or "", d.title or "", d.path))


@dataclass(frozen=True)
class Listing:
    """What `sources` lists: the index, its model and its documents in date order."""

    index_dir: Path
    model: str
    documents: list[DocumentRecord]


def listing(reader: IndexReader) -> Listing:
    return Listing(reader.index_dir, reader.manifest.model, chronological(reader.documents()))


@dataclass(frozen=True)
class PassageInContext:
    passage: PassageRecord
    document: DocumentRecord
    before: list[PassageRecord]
    after: list[PassageRecord]


def show_passage(reader: IndexReader, passage_id: str, context: int = 0) -> PassageInContext:
    passage = reader.passage_by_id(passage_id)
    if passage is None:
        raise PassageNotFound(f"no passage {passage_id!r} in the index at {reader.index_dir}",
                              "Passage ids (like f7e65fcd9762.8) are printed by: "
                              + index_command(reader.index_dir, "ask", "QUESTION"))
    around = reader.passages_of(passage.doc_rowid, max(0, passage.ordinal - context),
                                passage.ordinal + context)
    return PassageInContext(
        passage=passage,
        document=reader.document(passage.doc_rowid),
        before=[p for p in around if p.ordinal < passage.ordinal],
        after=[p for p in around if p.ordinal > passage.ordinal],
    )
