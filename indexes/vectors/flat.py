"""The exact backend: one segment's vectors in one FAISS file, searched exhaustively.

One copy of the vectors, which FAISS searches and the store reads back: float32 in an
IndexFlatIP (`flat`, every segment written before issue 27), or scalar-quantised in an
IndexScalarQuantizer (`flat-sq8`, the default, 8 bits a dimension; `flat-f16`), which scores
a question against the codes as they lie in the file, without decoding them to memory
first. Read memory-mapped: pages are read as searched.

A float32 file is written without holding the vectors in memory: `faiss.write_index` needs
the whole index in memory, but a flat index file is a fixed header followed by the raw
float32 vectors, so the file is written by copying the spilled vectors (indexes/vectors/
base.py) behind a header made by FAISS itself (an empty index's serialisation with its
counts patched); tests check it against `faiss.write_index`. A quantised file is built in
memory (its codes are a quarter or half of the vectors, and flat segments are small:
indexes/vectors/factory.py).
"""

from __future__ import annotations

import shutil
import struct
from pathlib import Path

import faiss
import numpy as np

from indexes.vectors.base import NO_HITS, VectorSpill, allowed_count, as_row, read_rows, selector

BACKEND = "flat"  # float32
BACKENDS = {"f32": BACKEND, "f16": "flat-f16", "sq8": "flat-sq8"}  # by precision
FILE_NAME = "dense.faiss"
_QUANTISERS = {"f16": faiss.ScalarQuantizer.QT_fp16, "sq8": faiss.ScalarQuantizer.QT_8bit}
_WRITE_BLOCK = 65536

_NTOTAL_AT = 8  # after the fourcc and the int32 dimension
HEADER_SIZE = 45  # ... header fields, then the size_t count of floats that follow


def write_flat_index(spill: VectorSpill, destination: Path, precision: str = "f32",
                     table: np.ndarray | None = None) -> str:
    """The spilled vectors as a FAISS file at `destination` at `precision` ("f32", "f16",
    "sq8": sq8 quantises within `table`, else within the spilled vectors' range); its
    backend name."""
    spill.close()
    if precision != "f32":
        _write_quantised(spill, destination, precision, table)
        return BACKENDS[precision]
    header = _empty_header(spill.dimension)
    if header is None:  # a FAISS whose format this module does not know: the slow way
        _write_in_memory(spill, destination)
        return BACKEND
    header[_NTOTAL_AT:_NTOTAL_AT + 8] = struct.pack("<q", spill.rows)
    header[HEADER_SIZE - 8:HEADER_SIZE] = struct.pack("<Q", spill.rows * spill.dimension)
    with destination.open("wb") as out, spill.path.open("rb") as vectors:
        out.write(bytes(header))
        shutil.copyfileobj(vectors, out, 8 << 20)
    return BACKEND


def _write_quantised(spill: VectorSpill, destination: Path, precision: str,
                     table: np.ndarray | None) -> None:
    index = faiss.IndexScalarQuantizer(spill.dimension, _QUANTISERS[precision],
                                       faiss.METRIC_INNER_PRODUCT)
    if precision == "sq8":
        table = spill.ranges.table() if table is None else table
        faiss.copy_array_to_vector(np.ascontiguousarray(table, dtype=np.float32).ravel(),
                                   index.sq.trained)
    index.is_trained = True
    for start in range(0, spill.rows, _WRITE_BLOCK):
        index.add(read_rows(spill.path, 0, np.float32, spill.dimension, start,
                            min(spill.rows, start + _WRITE_BLOCK)))
    faiss.write_index(index, str(destination))


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
    def __init__(self, path: Path, backend: str = BACKEND) -> None:
        # Memory-mapped: pages are read as searched, and the mapping outlives the file if a
        # writer removes this generation meanwhile.
        self.index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP)
        self.count = int(self.index.ntotal)
        self.dimension = int(self.index.d)
        self.path = path
        self.backend = backend
        self._codes = getattr(self.index, "code_size", 4 * self.dimension)
        self.quantised = isinstance(self.index, faiss.IndexScalarQuantizer)

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
        stop = min(stop, self.count)
        if self.quantised:
            # The codes end the file (FAISS writes them last); read with ordinary reads
            # and decoded by FAISS.
            offset = self.path.stat().st_size - self.count * self._codes
            codes = read_rows(self.path, offset, np.uint8, self._codes, start, stop)
            block = self.index.sa_decode(np.ascontiguousarray(codes)) if len(codes) else \
                np.zeros((0, self.dimension), dtype=np.float32)
        else:
            # A float32 flat file is FAISS's header, then the rows (see write_flat_index).
            block = read_rows(self.path, HEADER_SIZE, np.float32, self.dimension, start, stop)
        if len(block) and not np.array_equal(block[0], self.vectors(np.array([start]))[0]):
            return self.vectors(np.arange(start, stop))  # a layout this module does not know
        return block

    def sq8_table(self) -> np.ndarray | None:
        if not self.quantised or self.index.sq.qtype != faiss.ScalarQuantizer.QT_8bit:
            return None
        return faiss.vector_to_array(self.index.sq.trained).reshape(2, self.dimension)
