"""The vector factory: the backend follows the number of vectors, and a store written by it
opens from what the manifest records (backend and parameters) with the same answers."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from indexes.vectors.base import VectorSpill
from indexes.vectors.factory import (
    APPROXIMATE,
    FLAT,
    choose_backend,
    open_store,
    store_files,
    write_store,
)
from indexes.vectors.quantised import Ranges, decode_sq8, encode_sq8


def test_the_backend_is_approximate_only_past_the_threshold() -> None:
    assert choose_backend(1000, approximate_above=1000) == FLAT
    assert choose_backend(1001, approximate_above=1000) == APPROXIMATE


@pytest.mark.parametrize(("approximate_above", "precision", "backend", "tolerance"), [
    (10_000, "sq8", "flat-sq8", 5e-3), (10_000, "f16", "flat-f16", 1e-3),
    (10_000, "f32", FLAT, 1e-6), (0, "sq8", "ivf-pq-sq8", 5e-3), (0, "f16", APPROXIMATE, 1e-3)])
def test_a_written_store_opens_from_its_record(approximate_above: int, precision: str,
                                               backend: str, tolerance: float,
                                               tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((600, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    spill = VectorSpill(tmp_path / "spill", 16)
    spill.append(vectors)
    written, params = write_store(spill, tmp_path, approximate_above, precision)
    assert written == backend and (params != {}) == (approximate_above == 0)
    assert all((tmp_path / name).is_file() for name in store_files(backend))

    store = open_store(tmp_path, written, params)
    assert store.backend == backend and store.count == 600
    ids, scores = store.search(vectors[42], 1)
    assert ids.tolist() == [42] and scores[0] == pytest.approx(1.0, abs=tolerance)
    np.testing.assert_allclose(store.rows(40, 45), vectors[40:45], atol=tolerance)
    np.testing.assert_array_equal(store.rows(40, 45), store.vectors(np.arange(40, 45)))


def test_sq8_codes_are_faiss_own_and_a_merge_on_the_same_grid_keeps_them(
        tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    vectors = rng.standard_normal((300, 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ranges = Ranges(32)
    ranges.add(vectors)
    table = ranges.table()
    faiss_sq = faiss.ScalarQuantizer(32, faiss.ScalarQuantizer.QT_8bit)
    faiss.copy_array_to_vector(table.ravel(), faiss_sq.trained)
    codes = faiss_sq.compute_codes(vectors)
    np.testing.assert_array_equal(encode_sq8(vectors, table), codes)
    np.testing.assert_allclose(decode_sq8(codes, table), faiss_sq.decode(codes), atol=1e-6)
    # Decoded and encoded again on a grid widened by the same range: the same codes.
    again = Ranges(32)
    again.add(decode_sq8(codes, table))
    again.widen(table)
    np.testing.assert_array_equal(encode_sq8(decode_sq8(codes, table), again.table()), codes)
