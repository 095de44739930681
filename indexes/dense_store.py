"""One segment's vectors behind one small interface: search with an allowed set, fetch by id.

Two backends, chosen per segment when it is written and recorded in the manifest:

- flat: FAISS IndexFlatIP, memory-mapped. Exact; the vectors are read back from it.
- approximate: FAISS IVF-PQ (inverted lists memory-mapped) proposes candidates, which are
  re-scored exactly against the float16 vectors kept beside it (memory-mapped too), so the
  scores a caller sees are true cosines and only the candidate set is approximate. Past a
  few hundred thousand units a flat index costs more memory than a query process should
  hold (1.5 KB per unit) and scans every unit per question; IVF-PQ holds 48 bytes per unit
  and scans `nprobe` of its lists.

Ids here are a segment's own (0..count-1); indexes/segments.py maps them to global ids.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import faiss
import numpy as np

FLAT = "flat"
APPROXIMATE = "ivf-pq"
_RERANK_BLOCK = 65536


@dataclass(frozen=True)
class ApproximateParams:
    """How an approximate segment searches; recorded in the manifest, tunable per query
    (`nprobe`, `rerank`: candidates re-scored exactly per wanted result)."""

    nlist: int
    m: int
    nbits: int = 8
    nprobe: int = 48
    rerank: int = 8

    def as_dict(self) -> dict[str, int]:
        return {"nlist": self.nlist, "m": self.m, "nbits": self.nbits, "nprobe": self.nprobe,
                "rerank": self.rerank}


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


def _selector(allowed: np.ndarray | None) -> tuple[object | None, object | None]:
    """A FAISS selector over a boolean mask, and the packed bits it points into (which must
    stay alive while FAISS searches)."""
    if allowed is None:
        return None, None
    bits = np.packbits(allowed.astype(bool), bitorder="little")
    return faiss.IDSelectorBitmap(len(allowed), faiss.swig_ptr(bits)), bits


class FlatStore:
    backend = FLAT

    def __init__(self, path: Path) -> None:
        # Memory-mapped: pages are read as searched, and the mapping outlives the file if a
        # writer removes this generation meanwhile.
        self.index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
        self.count = int(self.index.ntotal)
        self.dimension = int(self.index.d)
        self.path = path

    def search(self, query: np.ndarray, n: int, allowed: np.ndarray | None = None,
               exact: bool = False, nprobe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        n = _reachable(n, self.count, allowed)
        if n <= 0:
            return _NONE
        selector, _bits = _selector(allowed)
        params = faiss.SearchParameters(sel=selector) if selector is not None else None
        scores, ids = self.index.search(_row(query), n, params=params)
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self.index.reconstruct_batch(ids)

    def rows(self, start: int, stop: int) -> np.ndarray:
        # A flat index file is FAISS's header, then the float32 rows (indexes/flatfile.py).
        block = read_rows(self.path, FLAT_HEADER, np.float32, self.dimension, start, stop)
        if len(block) and not np.array_equal(block[0], self.vectors(np.array([start]))[0]):
            return self.vectors(np.arange(start, stop))  # a layout this module does not know
        return block


class ApproximateStore:
    backend = APPROXIMATE

    def __init__(self, index_path: Path, vectors_path: Path, params: ApproximateParams) -> None:
        self.index = faiss.read_index(str(index_path), faiss.IO_FLAG_MMAP)
        self.exact = np.load(vectors_path, mmap_mode="r")
        self.path = vectors_path
        self._fd: int | None = None
        self.count = int(self.index.ntotal)
        self.dimension = int(self.index.d)
        self.params = params
        if len(self.exact) != self.count:
            raise ValueError(f"{vectors_path.name} holds {len(self.exact)} vectors for "
                             f"{self.count} indexed")

    def search(self, query: np.ndarray, n: int, allowed: np.ndarray | None = None,
               exact: bool = False, nprobe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        total = self.count if allowed is None else int(allowed.sum())
        n = _reachable(n, self.count, allowed)
        if n <= 0:
            return _NONE
        q = _row(query)
        if exact:
            return _exact_top(self.exact, q[0], n, allowed)
        selector, _bits = _selector(allowed)
        params = faiss.SearchParametersIVF(nprobe=nprobe or self.params.nprobe)
        if selector is not None:
            params.sel = selector
        # Callers already ask for several units per wanted passage: a few candidates more
        # than asked suffice for re-scoring to restore the exact order.
        fetch = min(total, max(n * self.params.rerank // 4, n + 64))
        _, ids = self.index.search(q, fetch, params=params)
        candidates = ids[0][ids[0] >= 0].astype(np.int64)
        if not len(candidates):
            return candidates, np.zeros(0, dtype=np.float32)
        scores = self.vectors(candidates) @ q[0]
        order = np.argsort(-scores, kind="stable")[:n]
        return candidates[order], scores[order]

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        # One read per row, not the memory map: the kernel would read around every row it
        # faults in (128 KB for 768 bytes), and a query process re-scoring a few hundred
        # candidates per question would hold most of the file resident within hours.
        width = 2 * self.dimension
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
        data = b"".join(os.pread(self._fd, width, self.exact.offset + int(i) * width)
                        for i in ids)
        return np.frombuffer(data, dtype=np.float16).reshape(-1, self.dimension).astype(
            np.float32)

    def __del__(self) -> None:
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)

    def rows(self, start: int, stop: int) -> np.ndarray:
        return read_rows(self.path, self.exact.offset, np.float16, self.dimension,
                         start, stop).astype(np.float32)


_NONE = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
FLAT_HEADER = 45  # bytes before the rows of an IndexFlatIP file (see indexes/flatfile.py)


def read_rows(path: Path, offset: int, dtype: type, dimension: int, start: int,
              stop: int) -> np.ndarray:
    """Rows start..stop-1 of a file of fixed-size rows after `offset` header bytes, read
    with ordinary reads (the page cache keeps them; this process does not)."""
    width = np.dtype(dtype).itemsize * dimension
    with path.open("rb") as handle:
        handle.seek(offset + start * width)
        data = handle.read(max(0, stop - start) * width)
    return np.frombuffer(data, dtype=dtype).reshape(-1, dimension)


def write_npy_rows(path: Path, rows: int, dimension: int, blocks) -> None:  # noqa: ANN001
    """A float16 .npy of `rows` x `dimension` from float32 `blocks`, written in order."""
    with path.open("wb") as handle:
        np.lib.format.write_array_header_1_0(
            handle, {"descr": np.dtype(np.float16).str, "fortran_order": False,
                     "shape": (rows, dimension)})
        for block in blocks:
            handle.write(np.ascontiguousarray(block, dtype=np.float16).tobytes())


def _reachable(n: int, count: int, allowed: np.ndarray | None) -> int:
    """At most `n`, and no more than the units `allowed` leaves."""
    return min(n, count if allowed is None else int(allowed.sum()))


def _row(query: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)


def _exact_top(vectors: np.ndarray, query: np.ndarray, n: int,
               allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Brute force over float16 vectors in blocks (for measuring recall, and the truth)."""
    best_ids = np.zeros(0, dtype=np.int64)
    best_scores = np.zeros(0, dtype=np.float32)
    for start in range(0, len(vectors), _RERANK_BLOCK):
        block = np.asarray(vectors[start:start + _RERANK_BLOCK], dtype=np.float32)
        scores = block @ query
        ids = np.arange(start, start + len(block), dtype=np.int64)
        if allowed is not None:
            mask = allowed[start:start + len(block)]
            scores, ids = scores[mask], ids[mask]
        best_ids = np.concatenate([best_ids, ids])
        best_scores = np.concatenate([best_scores, scores])
        if len(best_ids) > n:
            top = np.argpartition(-best_scores, n)[:n]
            best_ids, best_scores = best_ids[top], best_scores[top]
    order = np.argsort(-best_scores, kind="stable")
    return best_ids[order], best_scores[order]


# Building -----------------------------------------------------------------------------------

def approximate_params(count: int, dimension: int) -> ApproximateParams:
    """IVF lists about sqrt(count) (k-means stays affordable on two cores; an HNSW graph
    over the centroids makes assigning units and probing lists cheap), and PQ
    sub-quantisers of 8 dimensions (48 bytes per unit at 384 dimensions)."""
    nlist = int(min(8192, count, max(16, math.sqrt(count))))
    m = max(d for d in range(1, dimension + 1) if dimension % d == 0 and d <= dimension // 8) \
        if dimension >= 8 else 1
    # PQ trains 2**nbits centroids per sub-quantiser: fewer bits for a (forced) tiny segment.
    nbits = int(min(8, max(1, math.floor(math.log2(max(2, count))))))
    # An eighth of the lists: recall@10 0.91 (ties counted) at 560k units of the scale
    # benchmark, against 0.89 with 48 lists and 0.93 with a third (docs/scale.md).
    nprobe = max(32, nlist // 8)
    return ApproximateParams(nlist=max(1, nlist), m=m, nbits=nbits, nprobe=nprobe)


_TRAIN_PER_LIST = 40
_KMEANS_ITERATIONS = 12  # FAISS's 25 doubles training time for no recall we can measure
_TRAIN_MAX = 200_000
_ADD_BLOCK = 65536


def build_approximate(vectors: np.ndarray, index_path: Path, params: ApproximateParams,
                      seed: int = 0) -> None:
    """Train an IVF-PQ index on an even sample of `vectors` (float16 or float32; a memory
    map is read block by block with ordinary reads, see `read_rows`), add them all in
    blocks and write it to `index_path`."""
    count, dimension = vectors.shape
    blocks = _blocks(vectors)
    # "np": no polysemous training, three quarters of the build time for codes we never
    # compare by Hamming distance.
    layout = f"IVF{params.nlist}_HNSW32,PQ{params.m}x{params.nbits}np"
    index = faiss.index_factory(dimension, layout, faiss.METRIC_INNER_PRODUCT)
    ivf = faiss.extract_index_ivf(index)
    ivf.cp.niter = _KMEANS_ITERATIONS
    ivf.cp.seed = seed
    faiss.downcast_index(ivf).pq.cp.niter = _KMEANS_ITERATIONS
    sample_size = min(count, max(params.nlist * _TRAIN_PER_LIST, 10_000), _TRAIN_MAX)
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(count, size=sample_size, replace=False))
    chosen = [block[sample[(sample >= start) & (sample < start + len(block))] - start]
              for start, block in blocks()]
    index.train(np.ascontiguousarray(np.concatenate(chosen), dtype=np.float32))
    del chosen
    for _, block in blocks():
        index.add(np.ascontiguousarray(block, dtype=np.float32))
    faiss.write_index(index, str(index_path))


def _blocks(vectors: np.ndarray):  # noqa: ANN202
    """(start, rows) blocks of `vectors`: from the file with ordinary reads for a memory
    map, so that its pages do not stay resident in this process."""
    count, dimension = vectors.shape
    filename = getattr(vectors, "filename", None)

    def blocks():  # noqa: ANN202
        for start in range(0, count, _ADD_BLOCK):
            stop = min(count, start + _ADD_BLOCK)
            if filename is not None:
                yield start, read_rows(Path(filename), vectors.offset, vectors.dtype.type,
                                       dimension, start, stop)
            else:
                yield start, vectors[start:stop]
    return blocks
