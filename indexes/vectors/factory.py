"""The one place that decides which vector backend a segment has.

When a segment is written, the backend is chosen from its number of vectors (flat up to the
store's `approximate_above`, IVF-PQ beyond, as txtai chooses its FAISS index from the data)
and recorded in the manifest with its parameters; when a segment is read, the store is
opened from that record. Segments, the writer and the checks therefore never name a backend
class or a backend's files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from indexes.vectors import flat, ivfpq
from indexes.vectors.base import DenseStore, VectorSpill
from indexes.vectors.quantised import DEFAULT_PRECISION

FLAT = flat.BACKEND
APPROXIMATE = ivfpq.BACKEND
_APPROXIMATE_BACKENDS = (ivfpq.BACKEND, ivfpq.SQ8_BACKEND)


def choose_backend(count: int, approximate_above: int) -> str:
    """The backend of a segment of `count` vectors: approximate only past the threshold."""
    return APPROXIMATE if count > approximate_above else FLAT


def write_store(spill: VectorSpill, folder: Path, approximate_above: int,
                precision: str = DEFAULT_PRECISION,
                table: np.ndarray | None = None) -> tuple[str, dict[str, int]]:
    """The spilled vectors as the store of the segment in `folder`, at `precision`
    (indexes/vectors/quantised.py; sq8 within `table` when given); its backend and the
    parameters to record for it (none for a flat store)."""
    if choose_backend(spill.rows, approximate_above) == APPROXIMATE:
        # The exact copy of an approximate store is at most float16.
        backend, params = ivfpq.write_ivfpq(spill, folder, "sq8" if precision == "sq8"
                                            else "f16", table)
        return backend, params.as_dict()
    return flat.write_flat_index(spill, folder / flat.FILE_NAME, precision, table), {}


def open_store(folder: Path, backend: str, params: dict[str, Any]) -> DenseStore:
    """The store of the segment in `folder`, as its manifest entry records it."""
    if backend in _APPROXIMATE_BACKENDS:
        table = folder / ivfpq.SQ8_TABLE_NAME if backend == ivfpq.SQ8_BACKEND else None
        return ivfpq.ApproximateStore(folder / ivfpq.INDEX_NAME,
                                      folder / ivfpq.exact_files(backend)[0],
                                      ivfpq.ApproximateParams(**params), table)
    return flat.FlatStore(folder / flat.FILE_NAME, backend)


def written_at(backend: str, precision: str) -> bool:
    """Whether a segment of `backend` holds its vectors as a store of `precision` writes
    them (an approximate store's copy is at most float16); `parallax index --compact`
    rewrites the segments that do not (an index from before sq8)."""
    if backend in _APPROXIMATE_BACKENDS:
        return backend == (ivfpq.SQ8_BACKEND if precision == "sq8" else ivfpq.BACKEND)
    return backend == flat.BACKENDS.get(precision)


def store_files(backend: str) -> tuple[str, ...]:
    """The files a segment's store of `backend` consists of, inside the segment's folder."""
    if backend in _APPROXIMATE_BACKENDS:
        return (ivfpq.INDEX_NAME, *ivfpq.exact_files(backend))
    return (flat.FILE_NAME,)
