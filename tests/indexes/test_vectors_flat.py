"""The streamed flat index file is the file FAISS itself would write."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from indexes.vectors.base import VectorSpill
from indexes.vectors.flat import write_flat_index


@pytest.mark.parametrize("rows", [0, 1, 7, 1000])
def test_a_streamed_index_is_byte_for_byte_what_faiss_writes(rows: int, tmp_path: Path) -> None:
    rng = np.random.default_rng(rows)
    vectors = rng.standard_normal((rows, 24)).astype(np.float32)
    spill = VectorSpill(tmp_path / "spill", 24)
    for block in np.array_split(vectors, 3) if rows else [vectors]:
        spill.append(block)
    write_flat_index(spill, tmp_path / "streamed.faiss")

    reference = faiss.IndexFlatIP(24)
    if rows:
        reference.add(vectors)
    faiss.write_index(reference, str(tmp_path / "reference.faiss"))
    assert (tmp_path / "streamed.faiss").read_bytes() == (tmp_path / "reference.faiss").read_bytes()
    read = faiss.read_index(str(tmp_path / "streamed.faiss"), faiss.IO_FLAG_MMAP)
    assert read.ntotal == rows and read.metric_type == faiss.METRIC_INNER_PRODUCT
    if rows:
        np.testing.assert_array_equal(read.reconstruct_n(0, rows), vectors)


def test_vectors_of_another_dimension_are_refused(tmp_path: Path) -> None:
    spill = VectorSpill(tmp_path / "spill", 8)
    with pytest.raises(ValueError, match="8-dimensional"):
        spill.append(np.zeros((2, 4), dtype=np.float32))
    spill.close()
