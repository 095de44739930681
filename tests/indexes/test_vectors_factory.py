"""The vector factory: the backend follows the number of vectors, and a store written by it
opens from what the manifest records (backend and parameters) with the same answers."""

from __future__ import annotations

from pathlib import Path

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


def test_the_backend_is_approximate_only_past_the_threshold() -> None:
    assert choose_backend(1000, approximate_above=1000) == FLAT
    assert choose_backend(1001, approximate_above=1000) == APPROXIMATE


@pytest.mark.parametrize(("approximate_above", "backend"), [(10_000, FLAT), (0, APPROXIMATE)])
def test_a_written_store_opens_from_its_record(approximate_above: int, backend: str,
                                               tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((600, 16)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    spill = VectorSpill(tmp_path / "spill", 16)
    spill.append(vectors)
    written, params = write_store(spill, tmp_path, approximate_above)
    assert written == backend and (params != {}) == (backend == APPROXIMATE)
    assert all((tmp_path / name).is_file() for name in store_files(backend))

    store = open_store(tmp_path, written, params)
    assert store.backend == backend and store.count == 600
    ids, scores = store.search(vectors[42], 1)
    assert ids.tolist() == [42] and scores[0] == pytest.approx(1.0, abs=1e-3)
    np.testing.assert_allclose(store.rows(40, 45), vectors[40:45], atol=1e-3)
