"""A document embedded in part, kept across an interruption.

A run publishes whole documents (parallax.indexing.publishing), so one very large file (a
20 MB text of 5,000 passages, ten minutes of embedding) would be lost whole to a Ctrl-C. So
what the engine has finished of the document being embedded is saved, at least every
CHECKPOINT_SECONDS of embedding and once more on Ctrl-C, in the index folder's `PARTIAL`
folder: a header naming the document and the key of everything that determines its
vectors, and one file per save (`piece-N.npz`: the passages' context lines, unit spans and
vectors). The next run over the same unchanged document, model, precision and settings
writes those passages back and embeds only the rest; anything else (another key, a damaged
or foreign file) is ignored and removed, never read as vectors. A run that completes removes
the folder, since its document is then published or no longer wanted.

One document is kept at a time (the last one being embedded): a publish ends at the end of
any document that took longer than CHECKPOINT_SECONDS, so only a --rebuild (published at
once) can replace one partial document by another.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

from corpus.errors import ParallaxError
from corpus.types import ParsedDocument
from indexes.storage.small_files import PARTIAL, read_small
from parallax.indexing.documents import DocumentToEmbed
from parallax.indexing.engines.base import Embedded
from parallax.settings import IndexSettings

# Bump when what a piece holds, or how the key is made, changes.
FORMAT = 1
_HEADER = "document.json"
_PIECE = re.compile(r"^piece-(\d{6})\.npz$")
# Each array a piece holds; a file with other members is not ours.
_ARRAYS = {"key", "passages", "counts", "spans", "contexts", "vectors"}


def document_key(doc: ParsedDocument, identity: str, precision: str | None, dimension: int,
                 settings: IndexSettings) -> str:
    """Everything that determines the document's passages, context lines, unit spans and
    vectors: its bytes, what parsing made of them (passages, headings, metadata), the model,
    the precision path it ran on, and the splitting settings."""
    digest = hashlib.sha256(json.dumps({
        "format": FORMAT, "model": identity, "precision": precision, "dimension": dimension,
        "settings": settings.as_dict(), "content": doc.content_hash,
        "metadata": asdict(doc.metadata), "passages": len(doc.passages),
    }, sort_keys=True, default=str).encode())
    for passage in doc.passages:
        digest.update(json.dumps([passage.text, passage.heading]).encode())
    return digest.hexdigest()


class PartialDocument:
    """The `PARTIAL` folder of an index: what a run saves of the document being embedded
    (`embedded`, `save`), and what it finds there to resume (`resume_point`, `replay`)."""

    def __init__(self, index_dir: Path, identity: str, precision: str | None, dimension: int,
                 settings: IndexSettings, seconds: float) -> None:
        self.folder = index_dir / PARTIAL
        self.identity, self.precision, self.dimension = identity, precision, dimension
        self.settings, self.seconds = settings, seconds
        self.since = time.monotonic()  # the last save or publish: what a Ctrl-C would lose
        self.path: str | None = None  # the document saved (or being saved) in the folder
        self.doc: ParsedDocument | None = None
        self.key = ""
        self.saved = 0  # its passages saved, from the first
        self.total = 0
        self.pieces = 0  # files in the folder
        self.complete = False  # its every passage has been embedded since
        self.pending = False  # its saved passages are still to be written back (`replay`)
        self.resumed = 0  # the pieces found sound, to write back
        self.buffer: list[Embedded] = []  # embedded, not saved yet
        self.found = self._read_header()  # (path, key) left by an earlier run, if sound

    # -- resuming ----------------------------------------------------------------------

    def resume_point(self, entry: DocumentToEmbed) -> DocumentToEmbed:
        """`entry`, told to start at the first passage not saved when the folder holds its
        saved passages; unchanged otherwise (and a folder saved for another version of the
        same file, or other settings, is removed)."""
        if self.found is None or entry.doc is None or str(entry.doc.path) != self.found[0]:
            return entry
        key = self._key(entry.doc)
        saved = self._sound_prefix(key, entry.doc) if key == self.found[1] else 0
        self.found = None
        if not saved:
            self.remove()
            return entry
        self.path, self.key, self.saved = str(entry.doc.path), key, saved
        self.total, self.complete, self.pending = len(entry.doc.passages), False, True
        self.resumed = self.pieces
        self.doc = entry.doc
        return replace(entry, resume_at=saved)

    def replay(self, entry: DocumentToEmbed) -> Iterator[tuple[range, list[str],
                                                              list[list[tuple[int, int]]],
                                                              np.ndarray]]:
        """The saved passages of `entry` (told by `resume_point`), piece by piece, to write
        before the engine's own: each piece's passages, contexts, spans and vectors."""
        passage = 0
        for number in range(self.resumed):
            piece = self._load(self.folder / f"piece-{number:06d}.npz", self.key, passage,
                               entry.doc)  # type: ignore[arg-type]
            if piece is None:  # sound a moment ago, under the lock: the disk failed
                self.remove()
                raise ParallaxError(
                    f"the saved passages of {entry.path} could not be read again",
                    "Run the same command again: it embeds the document from its start.")
            yield piece
            passage = piece[0].stop
        if passage != entry.resume_at:
            raise ParallaxError(f"the saved passages of {entry.path} changed while read",
                                "Run the same command again.")
        self.pending = False

    # -- saving ------------------------------------------------------------------------

    def embedded(self, entry: DocumentToEmbed, piece: Embedded) -> None:
        """The engine yielded `piece` of `entry`: kept to be saved while its document is
        not complete, and saved once CHECKPOINT_SECONDS have passed since the last save
        or publish."""
        doc = entry.doc
        assert doc is not None
        complete = piece.indices.stop == len(doc.passages)
        if str(doc.path) != self.path:
            if complete and piece.indices.start == 0:  # a document in one piece: nothing to do
                return
            if self.pending:  # the saved document comes later in this part: keep it
                return
            if self.pieces or self.folder.exists():
                self.remove()  # a partial document of a --rebuild, replaced
            self.buffer, self.path, self.doc, self.key, self.saved = [], str(doc.path), doc, "", 0
            self.total, self.complete = len(doc.passages), False
        if complete:
            # Its part is published at once (publishing cuts parts at the end of a long
            # document); until then the folder still holds what was saved of it.
            self.buffer, self.complete = [], True
            return
        self.buffer.append(piece)
        if time.monotonic() - self.since >= self.seconds:
            self.save()

    def save(self) -> None:
        """Write what is buffered as one more piece (atomically: a piece is whole or
        absent). Also called on Ctrl-C, to keep everything the engine finished."""
        if not self.buffer or self.doc is None:
            return
        if not self.key:
            self.key = self._key(self.doc)
        if self.pieces == 0:
            self.remove()
            self.folder.mkdir(parents=True)
            _write_atomically(self.folder / _HEADER, json.dumps(
                {"format": FORMAT, "path": self.path, "key": self.key}).encode())
        pieces, self.buffer = self.buffer, []
        first, last = pieces[0].indices.start, pieces[-1].indices.stop
        counts = [len(spans) for piece in pieces for spans in piece.spans]
        spans = [span for piece in pieces for passage in piece.spans for span in passage]
        arrays = {
            "key": np.array(self.key), "passages": np.array([first, last], dtype=np.int64),
            "counts": np.array(counts, dtype=np.int64),
            "spans": np.array(spans, dtype=np.int64).reshape(-1, 2),
            "contexts": np.array([c for piece in pieces for c in piece.contexts], dtype=str),
            "vectors": np.concatenate([piece.vectors for piece in pieces]).astype(np.float32),
        }
        name = self.folder / f"piece-{self.pieces:06d}.npz"
        temporary = self.folder / f".{name.name}-{uuid.uuid4().hex[:6]}"
        with temporary.open("wb") as out:
            np.savez(out, **arrays)  # type: ignore[arg-type]
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, name)
        self.pieces += 1
        self.saved = last
        self.since = time.monotonic()

    def published(self) -> None:
        """A part was published: its documents are in the index, so the time that a Ctrl-C
        would lose starts again, and a partial document completed in it is no longer
        needed."""
        self.since = time.monotonic()
        if self.complete:
            self.remove()
            self.path, self.complete = None, False

    def kept(self) -> tuple[str, int, int] | None:
        """(path, passages saved, passages) of the document kept in part, if any."""
        if self.path is None or self.complete or not self.saved:
            return None
        return self.path, self.saved, self.total

    def remove(self) -> None:
        """Remove the folder (whatever damage made of it)."""
        self.pieces, self.saved, self.found = 0, 0, None
        remove_partial(self.folder.parent)

    # -- reading what an earlier run left ----------------------------------------------

    def _key(self, doc: ParsedDocument) -> str:
        return document_key(doc, self.identity, self.precision, self.dimension, self.settings)

    def _read_header(self) -> tuple[str, str] | None:
        if not self.folder.exists() and not self.folder.is_symlink():
            return None
        try:
            header = json.loads(read_small(self.folder / _HEADER, 1 << 16))
            if (self.folder.is_symlink() or not isinstance(header, dict)
                    or header.get("format") != FORMAT or not isinstance(header.get("path"), str)
                    or not re.fullmatch(r"[0-9a-f]{64}", str(header.get("key")))):
                raise ValueError("not a header of ours")
        except (OSError, ValueError, UnicodeDecodeError):
            self.remove()  # damaged or foreign: nothing in it is to be trusted
            return None
        return header["path"], header["key"]

    def _sound_prefix(self, key: str, doc: ParsedDocument) -> int:
        """Passages saved in the pieces that follow each other soundly from the first; the
        pieces counted (`self.pieces`), so that saving goes on after them."""
        passage, self.pieces = 0, 0
        while passage < len(doc.passages):
            piece = self._load(self.folder / f"piece-{self.pieces:06d}.npz", key, passage, doc)
            if piece is None:
                break
            passage = piece[0].stop
            self.pieces += 1
        # Pieces after a damaged one, and a save cut short, are not to be read: the next save
        # goes on from the sound ones.
        for entry in self.folder.iterdir():
            match = _PIECE.match(entry.name)
            if entry.name != _HEADER and (not match or int(match.group(1)) >= self.pieces):
                _remove(entry)
        return passage if passage < len(doc.passages) else 0

    def _load(self, path: Path, key: str, first: int, doc: ParsedDocument,
              ) -> tuple[range, list[str], list[list[tuple[int, int]]], np.ndarray] | None:
        """A piece's passages, contexts, spans and vectors, or None unless it is whole, of
        this key, starts at passage `first` and is consistent in every shape and bound."""
        try:
            if path.is_symlink() or not path.is_file():
                return None
            with np.load(path, allow_pickle=False) as data:
                if set(data.files) != _ARRAYS:
                    return None
                arrays = {name: data[name] for name in _ARRAYS}  # reading checks each CRC
        except (OSError, ValueError, EOFError, zipfile.BadZipFile):
            return None
        passages, counts, spans = arrays["passages"], arrays["counts"], arrays["spans"]
        contexts, vectors = arrays["contexts"], arrays["vectors"]
        if (arrays["key"].shape != () or str(arrays["key"]) != key
                or passages.shape != (2,) or passages.dtype != np.int64):
            return None
        start, stop = int(passages[0]), int(passages[1])
        if start != first or not first < stop <= len(doc.passages):
            return None
        count = stop - start
        if (counts.shape != (count,) or counts.dtype != np.int64 or (counts < 1).any()
                or contexts.shape != (count,) or contexts.dtype.kind != "U"
                or spans.dtype != np.int64 or spans.shape != (int(counts.sum()), 2)
                or vectors.dtype != np.float32
                or vectors.shape != (len(spans), self.dimension)
                or not np.isfinite(vectors).all()):
            return None
        per_passage: list[list[tuple[int, int]]] = []
        offset = 0
        for index, units in zip(range(start, stop), counts.tolist(), strict=True):
            own = [(int(a), int(b)) for a, b in spans[offset:offset + units]]
            length = len(doc.passages[index].text)
            if any(not 0 <= a < b <= length for a, b in own):
                return None
            per_passage.append(own)
            offset += units
        return range(start, stop), [str(c) for c in contexts], per_passage, vectors


def remove_partial(index_dir: Path) -> None:
    """Remove the index's partial document, if any (a run with nothing left to embed)."""
    _remove(index_dir / PARTIAL)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)


def _write_atomically(path: Path, data: bytes) -> None:
    temporary = path.with_name(f".{path.name}-{uuid.uuid4().hex[:6]}")
    with temporary.open("wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temporary, path)
