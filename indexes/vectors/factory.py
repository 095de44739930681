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

from indexes.vectors import flat, ivfpq
from indexes.vectors.base import DenseStore, VectorSpill

FLAT = flat.BACKEND
APPROXIMATE = ivfpq.BACKEND


def choose_backend(count: int, approximate_above: int) -> str:
    """The backend of a segment of `count` vectors: approximate only past the threshold."""
    return APPROXIMATE if count > approximate_above else FLAT


def write_store(spill: VectorSpill, folder: Path,
                approximate_above: int) -> tuple[str, dict[str, int]]:
    """The spilled vectors as the store of the segment in `folder`; its backend and the
    parameters to record for it (none for a flat store)."""
    backend = choose_backend(spill.rows, approximate_above)
    if backend == APPROXIMATE:
        return backend, ivfpq.write_ivfpq(spill, folder).as_dict()
    flat.write_flat_index(spill, folder / flat.FILE_NAME)
    return backend, {}


def open_store(folder: Path, backend: str, params: dict[str, Any]) -> DenseStore:
    """The store of the segment in `folder`, as its manifest entry records it."""
    if backend == APPROXIMATE:
        return ivfpq.ApproximateStore(folder / ivfpq.INDEX_NAME, folder / ivfpq.EXACT_NAME,
                                      ivfpq.ApproximateParams(**params))
    return flat.FlatStore(folder / flat.FILE_NAME)


def store_files(backend: str) -> tuple[str, ...]:
    """The files a segment's store of `backend` consists of, inside the segment's folder."""
    if backend == FLAT:
        return (flat.FILE_NAME,)
    return (ivfpq.INDEX_NAME, ivfpq.EXACT_NAME)
