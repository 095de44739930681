"""Writing an exact (flat, inner-product) FAISS index file from vectors streamed to disk.

`faiss.write_index` needs the whole index in memory: for a large collection that is the
largest allocation of a run. A flat index file is a fixed header followed by the raw
float32 vectors, so vectors are appended to a spill file as they are embedded and the index
file is written by copying them behind a header made by FAISS itself (an empty index's
serialisation with its counts patched). The result is read back by `faiss.read_index` like
any other; tests check it against `faiss.write_index`.
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import faiss
import numpy as np

_NTOTAL_AT = 8  # after the fourcc and the int32 dimension
_HEADER_SIZE = 45  # ... header fields, then the size_t count of floats that follow


class VectorSpill:
    """float32 rows appended to a file, never held in memory all at once."""

    def __init__(self, path: Path, dimension: int) -> None:
        self.path = path
        self.dimension = dimension
        self.rows = 0
        self._handle = path.open("wb")

    def append(self, vectors: np.ndarray) -> None:
        if not len(vectors):
            return
        block = np.ascontiguousarray(vectors, dtype=np.float32)
        if block.ndim != 2 or block.shape[1] != self.dimension:
            raise ValueError(f"expected {self.dimension}-dimensional vectors, "
                             f"got shape {block.shape}")
        self._handle.write(block.tobytes())
        self.rows += len(block)

    def close(self) -> None:
        self._handle.close()


def write_flat_index(spill: VectorSpill, destination: Path) -> None:
    """The spilled vectors as a FAISS IndexFlatIP file at `destination`."""
    spill.close()
    header = _empty_header(spill.dimension)
    if header is None:  # a FAISS whose format this module does not know: the slow way
        _write_in_memory(spill, destination)
        return
    header[_NTOTAL_AT:_NTOTAL_AT + 8] = struct.pack("<q", spill.rows)
    header[_HEADER_SIZE - 8:_HEADER_SIZE] = struct.pack("<Q", spill.rows * spill.dimension)
    with destination.open("wb") as out, spill.path.open("rb") as vectors:
        out.write(bytes(header))
        shutil.copyfileobj(vectors, out, 8 << 20)


def _empty_header(dimension: int) -> bytearray | None:
    empty = bytearray(faiss.serialize_index(faiss.IndexFlatIP(dimension)).tobytes())
    fits = (len(empty) == _HEADER_SIZE and empty[:4] == b"IxFI"
            and struct.unpack("<i", empty[4:8])[0] == dimension
            and empty[_HEADER_SIZE - 8:] == bytes(8))
    return empty if fits else None


def _write_in_memory(spill: VectorSpill, destination: Path) -> None:
    index = faiss.IndexFlatIP(spill.dimension)
    if spill.rows:
        vectors = np.fromfile(spill.path, dtype=np.float32).reshape(-1, spill.dimension)
        index.add(vectors)
    faiss.write_index(index, str(destination))
