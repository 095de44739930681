"""`inspect`: what a file yields, so a user can see and trust the cleaning."""

from __future__ import annotations

from pathlib import Path

import corpus
from corpus.types import ParsedDocument


def inspect_file(path: Path) -> ParsedDocument:
    """Parse one file as `index` would, with its row from the nearest metadata.csv in its
    folder or any folder above (index stops at the folder it was given)."""
    path = path.expanduser().resolve()
    if not path.exists():
        raise corpus.UnreadableDocument(path, "no such file")
    metadata = corpus.MetadataCatalog([Path(path.anchor)]).get(path)
    return corpus.load_document(path, metadata)
