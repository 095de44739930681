"""The exact backend: one segment's vectors as a FAISS IndexFlatIP, searched exhaustively.

Exact, and the vectors are read back from the index itself, so nothing is stored beside it.
Read memory-mapped: pages are read as searched. Written without holding the vectors in
memory: `faiss.write_index` needs the whole index in memory, the largest allocation of a run
for a large collection, but a flat index file is a fixed header followed by the raw float32
vectors, so the file is written by copying the spilled vectors (indexes/vectors/base.py)
behind a header made by FAISS itself (an empty index's serialisation with its counts
patched). The result is read back by `faiss.read_index` like any other; tests check it
against `faiss.write_index`.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import faiss
import numpy as np

from indexes.vectors.base import NO_HITS, VectorSpill, allowed_count, as_row, read_rows, selector

BACKEND = "flat"
FILE_NAME = "dense.faiss"

_NTOTAL_AT = 8  # after the fourcc and the int32 dimension
HEADER_SIZE = 45  # ... header fields, then the size_t count of floats that follow


def write_flat_index(spill: VectorSpill, destination: Path) -> None:
    """The spilled vectors as a FAISS IndexFlatIP file at `destination`."""
    spill.close()
    header = _empty_header(spill.dimension)
    if header is None:  # a FAISS whose format this module does not know: the slow way
        _write_in_memory(spill, destination)
        return
    header[_NTOTAL_AT:_NTOTAL_AT + 8] = struct.pack("<q", spill.rows)
    header[HEADER_SIZE - 8:HEADER_SIZE] = struct.pack("<Q", spill.rows * spill.dimension)
    with destination.open("wb") as out, spill.path.open("rb") as vectors:
        out.write(bytes(header))
        shutil.copyfileobj(vectors, out, 8 << 20)


def _empty_header(dimension: int) -> bytearray | None:
    empty = bytearray(faiss.serialize_index(faiss.IndexFlatIP(dimension)).tobytes())
    fits = (len(empty) == HEADER_SIZE and empty[:4] == b"IxFI"
            and struct.unpack("<i", empty[4:8])[0] == dimension
            and empty[HEADER_SIZE - 8:] == bytes(8))
    return empty if fits else None


def _write_in_memory(spill: VectorSpill, destination: Path) -> None:
    index = faiss.IndexFlatIP(spill.dimension)
    if spill.rows:
        vectors = np.fromfile(spill.path, dtype=np.float32).reshape(-1, spill.dimension)
        index.add(vectors)
    faiss.write_index(index, str(destination))


class FlatStore:
    backend = BACKEND

    def __init__(self, path: Path) -> None:
        # Memory-mapped: pages are read as searched, and the mapping outlives the file if a
        # writer removes this generation meanwhile.
        self.index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
        self.count = int(self.index.ntotal)
        self.dimension = int(self.index.d)
        self.path = path

    def search(self, query: np.ndarray, n: int, allowed: np.ndarray | None = None,
               exact: bool = False, nprobe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        n = min(n, allowed_count(self.count, allowed))
        if n <= 0:
            return NO_HITS
        chosen, _bits = selector(allowed)
        params = faiss.SearchParameters(sel=chosen) if chosen is not None else None
        scores, ids = self.index.search(as_row(query), n, params=params)
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.index.reconstruct_batch(ids)

    def rows(self, start: int, stop: int) -> np.ndarray:
        # A flat index file is FAISS's header, then the float32 rows (see write_flat_index).
        block = read_rows(self.path, HEADER_SIZE, np.float32, self.dimension, start, stop)
        if len(block) and not np.array_equal(block[0], self.vectors(np.array([start]))[0]):
            return self.vectors(np.arange(start, stop))  # a layout this module does not know
        return block
