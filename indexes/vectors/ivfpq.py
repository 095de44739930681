"""The approximate backend: FAISS IVF-PQ proposes candidates, re-scored exactly.

The inverted lists are memory-mapped; candidates are re-scored against the one copy of the
vectors kept beside the index (read with ordinary reads): scalar-quantised to 8 bits a
dimension (`ivf-pq-sq8`, the default, indexes/vectors/quantised.py) or float16 (`ivf-pq`,
segments written before issue 27), so the scores a caller sees are the cosines of the stored
vectors and only the candidate set is approximate. Past a few hundred thousand units a flat
index costs more memory than a query process should hold (1.5 KB per unit) and scans every
unit per question; IVF-PQ holds 48 bytes per unit and scans `nprobe` of its lists. Which
segments get this backend is indexes/vectors/factory.py's choice.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from indexes.vectors.base import (
    NO_HITS,
    VectorSpill,
    allowed_count,
    as_row,
    read_rows,
    selector,
    top,
)
from indexes.vectors.quantised import decode_sq8, encode_sq8

BACKEND = "ivf-pq"  # exact vectors in float16
SQ8_BACKEND = "ivf-pq-sq8"  # exact vectors scalar-quantised to 8 bits
INDEX_NAME = "dense.ivfpq"
EXACT_NAME = "vectors.f16.npy"  # beside the index: the vectors, float16
SQ8_NAME = "vectors.sq8.npy"  # or: their sq8 codes (uint8 rows)
SQ8_TABLE_NAME = "vectors.sq8-range.npy"  # and the range they quantise within


def exact_files(backend: str) -> tuple[str, ...]:
    """The files beside the IVF index that hold a segment's vectors."""
    return (SQ8_NAME, SQ8_TABLE_NAME) if backend == SQ8_BACKEND else (EXACT_NAME,)
_RERANK_BLOCK = 65536


@dataclass(frozen=True)
class ApproximateParams:
    """How an approximate segment searches; recorded in the manifest, tunable per query
    (`nprobe`; `rerank`: candidates re-scored exactly per wanted unit, at least
    RERANK_FLOOR). `fastscan`: 4-bit PQ codes scanned with SIMD registers (FAISS's
    "fast scan"); 0 for segments written before it, which hold 8-bit codes."""

    nlist: int
    m: int
    nbits: int = 8
    nprobe: int = 48
    rerank: int = 4
    fastscan: int = 0

    @property
    def layout(self) -> str:
        codes = f"PQ{self.m}x{self.nbits}fs" if self.fastscan else f"PQ{self.m}x{self.nbits}np"
        return f"IVF{self.nlist}_HNSW32,{codes}"

    def as_dict(self) -> dict[str, int]:
        return {"nlist": self.nlist, "m": self.m, "nbits": self.nbits, "nprobe": self.nprobe,
                "rerank": self.rerank, "fastscan": self.fastscan}


class ApproximateStore:
    def __init__(self, index_path: Path, vectors_path: Path, params: ApproximateParams,
                 table_path: Path | None = None) -> None:
        self.index = faiss.read_index(str(index_path), faiss.IO_FLAG_MMAP)
        self.exact = np.load(vectors_path, mmap_mode="r")
        self.path = vectors_path
        # sq8 codes decode with their range; float16 rows by a cast.
        self.table = (np.load(table_path).astype(np.float32) if table_path is not None
                      else None)
        self.backend = BACKEND if self.table is None else SQ8_BACKEND
        self._fd: int | None = None
        self.count = int(self.index.ntotal)
        self.dimension = int(self.index.d)
        self.params = params
        if len(self.exact) != self.count:
            raise ValueError(f"{vectors_path.name} holds {len(self.exact)} vectors for "
                             f"{self.count} indexed")

    def search(self, query: np.ndarray, n: int, allowed: np.ndarray | None = None,
               exact: bool = False, nprobe: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        total = allowed_count(self.count, allowed)
        n = min(n, total)
        if n <= 0:
            return NO_HITS
        q = as_row(query)
        if exact:
            return _exact_top(self.exact, self._decode, q[0], n, allowed)
        fetch = min(total, max(n * self.params.rerank, RERANK_FLOOR))
        if fetch == total or (allowed is not None and total <= EXACT_BELOW):
            # Every unit would be re-scored anyway, or a filter leaves few (one folder, a
            # few years): reading and scoring them all is exact, and cheaper than probing
            # lists that hold few of them.
            ids = np.arange(self.count) if allowed is None else np.flatnonzero(allowed)
            return top(ids, self.vectors(ids) @ q[0], n)
        chosen, _bits = selector(allowed)
        params = faiss.SearchParametersIVF(nprobe=min(nprobe or self.params.nprobe,
                                                      self.params.nlist))
        if chosen is not None:
            params.sel = chosen
        _, ids = self.index.search(q, fetch, params=params)
        candidates = ids[0][ids[0] >= 0].astype(np.int64)
        if not len(candidates):
            return candidates, np.zeros(0, dtype=np.float32)
        return top(candidates, self.vectors(candidates) @ q[0], n)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        ids = np.asarray(ids, dtype=np.int64)
        if not len(ids):
            return np.zeros((0, self.dimension), dtype=np.float32)
        # Ordinary reads, not the memory map: the kernel would read around every row it
        # faults in (128 KB for 768 bytes), and a query process re-scoring candidates at
        # every question would hold most of the file resident within hours. One read per
        # run of consecutive ids (a document's units are consecutive, and often found
        # together), straight into the array.
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDONLY)
        ascending = len(ids) < 2 or bool(np.all(ids[1:] > ids[:-1]))
        order = None if ascending else np.argsort(ids, kind="stable")
        ordered = ids if order is None else ids[order]
        breaks = np.flatnonzero(np.diff(ordered) != 1) + 1
        starts = np.concatenate(([0], breaks)).tolist()
        stops = np.concatenate((breaks, [len(ordered)])).tolist()
        width = self.exact.dtype.itemsize * self.dimension
        rows = np.empty((len(ids), self.dimension), dtype=self.exact.dtype)
        view = memoryview(rows).cast("B")
        first = ordered.tolist()
        # Every read announced first, so that rows the page cache lacks are fetched from
        # disk together rather than one after another: at a million passages, with the
        # cache emptied, dense search took 122 ms a question without this and 31 ms with
        # it (2 ms more when every row is cached already).
        if hasattr(os, "posix_fadvise"):  # not on macOS
            for a, b in zip(starts, stops, strict=True):
                os.posix_fadvise(self._fd, self.exact.offset + first[a] * width,
                                 (b - a) * width, os.POSIX_FADV_WILLNEED)
        for a, b in zip(starts, stops, strict=True):
            wanted = (b - a) * width
            if os.preadv(self._fd, [view[a * width:b * width]],
                         self.exact.offset + first[a] * width) != wanted:
                raise ValueError(f"{self.path.name} ends before unit {first[b - 1]}")
        if order is None:
            return self._decode(rows)
        out = np.empty((len(ids), self.dimension), dtype=np.float32)
        out[order] = self._decode(rows)
        return out

    def __del__(self) -> None:
        if getattr(self, "_fd", None) is not None:
            os.close(self._fd)

    def rows(self, start: int, stop: int) -> np.ndarray:
        return self._decode(read_rows(self.path, self.exact.offset, self.exact.dtype.type,
                                      self.dimension, start, stop))

    def sq8_table(self) -> np.ndarray | None:
        return self.table

    def _decode(self, rows: np.ndarray) -> np.ndarray:
        if self.table is None:
            return rows.astype(np.float32)
        return decode_sq8(rows, self.table)


# Filters leaving at most this many units of a segment are searched exactly: reading
# 10,000 float16 rows (7.7 MB, consecutive per document) and scoring them takes a few ms
# (50,000 took 100 ms: converting float16 costs more than reading). Past it, the IVF
# lists are probed with the filter as a selector; the nearest lists hold the filtered
# neighbours as they hold the unfiltered ones.
EXACT_BELOW = 10_000
# Candidates re-scored exactly at least: fast-scan codes rank coarsely, and re-scoring a
# thousand float16 rows costs about a millisecond.
RERANK_FLOOR = 1000


def write_npy_rows(path: Path, rows: int, dimension: int, blocks,  # noqa: ANN001
                   dtype: type = np.float16) -> None:
    """A .npy of `rows` x `dimension` of `dtype` from `blocks` (float16 from float32, or
    sq8 codes already encoded), written in order."""
    with path.open("wb") as handle:
        np.lib.format.write_array_header_1_0(
            handle, {"descr": np.dtype(dtype).str, "fortran_order": False,
                     "shape": (rows, dimension)})
        for block in blocks:
            handle.write(np.ascontiguousarray(block, dtype=dtype).tobytes())


def _exact_top(vectors: np.ndarray, decode, query: np.ndarray, n: int,  # noqa: ANN001
               allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Brute force over the stored vectors in blocks (for measuring recall, and the truth)."""
    best_ids = np.zeros(0, dtype=np.int64)
    best_scores = np.zeros(0, dtype=np.float32)
    for start in range(0, len(vectors), _RERANK_BLOCK):
        block = decode(np.asarray(vectors[start:start + _RERANK_BLOCK]))
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
    over the centroids makes assigning units and probing lists cheap), and 4-bit PQ codes
    of 4 dimensions per sub-quantiser scanned with SIMD ("fast scan": 48 bytes per unit at
    384 dimensions, and several times faster to scan than 8-bit codes of the same size,
    so that many more lists can be probed and candidates re-scored; docs/scale.md)."""
    nlist = int(min(8192, count, max(16, math.sqrt(count))))
    m = max(d for d in range(1, dimension + 1)
            if dimension % d == 0 and d <= max(1, dimension // 4))
    # Half the lists: on SciFact's real embeddings (benchmarks/bench_recall.py) dense
    # recall@10 is 0.995, against 0.983 with a quarter and 0.997 with all; fast-scan codes
    # make the wider probe cost about as much as the narrower (docs/scale.md).
    nprobe = max(32, nlist // 2)
    return ApproximateParams(nlist=max(1, nlist), m=m, nbits=4, nprobe=nprobe, fastscan=1)


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
    # 8-bit codes (segments written before fast scan) say "np": no polysemous training,
    # three quarters of the build time for codes never compared by Hamming distance.
    index = faiss.index_factory(dimension, params.layout, faiss.METRIC_INNER_PRODUCT)
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


_COPY_BLOCK = 65536  # spilled vectors converted to float16 at a time


def write_ivfpq(spill: VectorSpill, folder: Path, precision: str = "sq8",
                table: np.ndarray | None = None) -> tuple[str, ApproximateParams]:
    """The spilled vectors as an approximate store in `folder`: the vectors at `precision`
    ("sq8", within `table` or else the spilled vectors' range; "f16"), then an IVF-PQ index
    trained and filled from the spilled float32 vectors; its backend name and the
    parameters it was built with."""
    spill.close()
    rows, dimension = spill.rows, spill.dimension
    blocks = (read_rows(spill.path, 0, np.float32, dimension, start,
                        min(rows, start + _COPY_BLOCK))
              for start in range(0, rows, _COPY_BLOCK))
    if precision == "sq8":
        table = spill.ranges.table() if table is None else table
        np.save(folder / SQ8_TABLE_NAME, table.astype(np.float32))
        write_npy_rows(folder / SQ8_NAME, rows, dimension,
                       (encode_sq8(block, table) for block in blocks), np.uint8)
        backend = SQ8_BACKEND
    else:
        write_npy_rows(folder / EXACT_NAME, rows, dimension, blocks)
        backend = BACKEND
    params = approximate_params(rows, dimension)
    # Trained and filled from the spill, read by blocks (see _blocks).
    spilled = np.memmap(spill.path, dtype=np.float32, mode="r", shape=(rows, dimension))
    build_approximate(spilled, folder / INDEX_NAME, params)
    del spilled
    return backend, params
