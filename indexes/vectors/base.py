"""What every vector backend shares: the store interface, the spill file vectors are written
to before a backend is built from them, and the small array helpers both backends search with.

A store holds one segment's vectors behind one interface (search with an allowed set, fetch
by id, read rows back for compaction), so segments, dense search and compaction never ask
which backend they hold. Ids here are a segment's own (0..count-1); indexes/segments.py maps
them to global ids.
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

from indexes.vectors.quantised import Ranges


class DenseStore(Protocol):
    count: int
    backend: str

    def search(self, query: np.ndarray, n: int, allowed: np.ndarray | None = None,
               exact: bool = False, nprobe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """The `n` best (local ids, cosines) among `allowed` (a boolean mask over the
        segment's units, or None for all), best first; `nprobe` tunes an approximate
        store (None: as recorded)."""
        ...

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """float32 vectors of local ids, in order."""
        ...

    def rows(self, start: int, stop: int) -> np.ndarray:
        """float32 vectors start..stop-1 read from the file (not through the memory map,
        whose pages would stay resident: compaction reads every vector once)."""
        ...

    def sq8_table(self) -> np.ndarray | None:
        """The range an sq8 store quantises within (indexes/vectors/quantised.py), None for
        a store of another precision: a merge widens its own range by it."""
        ...


class VectorSpill:
    """float32 rows appended to a file, never held in memory all at once, and the range of
    their values per dimension (what an sq8 store quantises within)."""

    def __init__(self, path: Path, dimension: int) -> None:
        self.path = path
        self.dimension = dimension
        self.rows = 0
        self.ranges = Ranges(dimension)
        self._handle = path.open("wb")

    def append(self, vectors: np.ndarray) -> None:
        if not len(vectors):
            return
        block = np.ascontiguousarray(vectors, dtype=np.float32)
        if block.ndim != 2 or block.shape[1] != self.dimension:
            raise ValueError(f"expected {self.dimension}-dimensional vectors, "
                             f"got shape {block.shape}")
        self._handle.write(block.tobytes())
        self.ranges.add(block)
        self.rows += len(block)

    def close(self) -> None:
        self._handle.close()


NO_HITS = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))

_PACKED: list[tuple[np.ndarray, np.ndarray]] = []  # (mask, its bits): the last few packed


def selector(allowed: np.ndarray | None) -> tuple[object | None, object | None]:
    """A FAISS selector over a boolean mask, and the packed bits it points into (which must
    stay alive while FAISS searches). The same mask (a segment's live units, a filter
    repeated) is packed once: millions of units take milliseconds to pack."""
    if allowed is None:
        return None, None
    bits = next((b for mask, b in _PACKED if mask is allowed), None)
    if bits is None:
        bits = np.packbits(allowed.astype(bool), bitorder="little")
        _PACKED.insert(0, (allowed, bits))
        del _PACKED[4:]
    return faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits)), bits


def top(ids: np.ndarray, scores: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """The `n` best (ids, scores), best first; ties in id order."""
    if len(ids) > n:
        keep = np.argpartition(-scores, n - 1)[:n]
        ids, scores = ids[keep], scores[keep]
    order = np.lexsort((ids, -scores))
    return ids[order], scores[order].astype(np.float32)


def read_rows(path: Path, offset: int, dtype: type, dimension: int, start: int,
              stop: int) -> np.ndarray:
    """Rows start..stop-1 of a file of fixed-size rows after `offset` header bytes, read
    with ordinary reads (the page cache keeps them; this process does not)."""
    width = np.dtype(dtype).itemsize * dimension
    with path.open("rb") as handle:
        handle.seek(offset + start * width)
        data = handle.read(max(0, stop - start) * width)
    return np.frombuffer(data, dtype=dtype).reshape(-1, dimension)


def allowed_count(count: int, allowed: np.ndarray | None) -> int:
    """Units `allowed` leaves of a store of `count`."""
    return count if allowed is None else int(np.count_nonzero(allowed))


def as_row(query: np.ndarray) -> np.ndarray:
    """A query as the one-row float32 matrix FAISS searches with."""
    return np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
