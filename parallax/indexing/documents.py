"""A document to embed, as planning hands it to the engines and the publisher."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from corpus.types import Metadata, ParsedDocument


@dataclass(frozen=True)
class DocumentToEmbed:
    """A document to embed: parsed (or None: parsed again when its part is embedded, see
    planning.KEEP_PARSED), with its root, metadata key, file size and mtime, the rowid of the
    version it replaces, its path, metadata and number of passages, and the first passage
    to embed."""

    doc: ParsedDocument | None
    root: Path
    key: str
    stat: tuple[int, int] = (-1, -1)
    previous: int | None = None
    path: Path | None = None
    meta: Metadata | None = None
    passages: int = 0
    # Passages before this one were embedded by an interrupted run and are written back from
    # its saved part (parallax.indexing.partial); engines embed from here.
    resume_at: int = 0

    @classmethod
    def of(cls, doc: ParsedDocument, root: Path, key: str, stat: tuple[int, int] = (-1, -1),
           previous: int | None = None, keep: bool = True) -> DocumentToEmbed:
        return cls(doc if keep else None, root, key, stat, previous, doc.path, doc.metadata,
                   len(doc.passages))
