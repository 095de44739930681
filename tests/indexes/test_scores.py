"""Vectors that give impossible cosines are reported as damage, never ranked."""

from __future__ import annotations

from pathlib import Path

import faiss
import numpy as np
import pytest

from indexes import IndexCorrupt, IndexReader, Mode, search
from indexes.vectors.flat import FlatStore
from parallax.indexing import build_index


def test_vectors_out_of_the_unit_sphere_are_reported_not_ranked(tmp_path: Path,
                                                                fake_encoder) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Pandas are envoys of friendship.\n", encoding="utf-8")
    index = tmp_path / "index"
    build_index([docs], index, encoder_loader=lambda name: fake_encoder)
    query = fake_encoder.encode(["pandas envoys"])[0]
    with IndexReader(index) as reader:
        assert search(reader, Mode.dense, 1, "pandas envoys", query)[0].score <= 1.0
        # Damage that checksums cannot see (it happened in memory, or before the checksum
        # was taken): vectors scaled far beyond unit length.
        segment = reader.segments[0]
        vectors = segment.dense.vectors(np.arange(segment.dense.count)) * 1e30
        damaged = faiss.IndexFlatIP(vectors.shape[1])
        damaged.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(damaged, str(tmp_path / "damaged.faiss"))
        segment._dense = FlatStore(tmp_path / "damaged.faiss")
        with pytest.raises(IndexCorrupt, match="impossible scores") as raised:
            search(reader, Mode.dense, 1, "pandas envoys", query)
        assert f"--index {index}" in (raised.value.hint or "")
