"""Two indexes side by side, for tests that compare a run with another way to the same index."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from indexes import IndexReader


def same_texts_unit_vectors(a_dir: Path, b_dir: Path) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Assert that two indexes hold the same documents, passages, contexts and unit spans,
    and yield each passage's unit vectors from both, for the caller to compare."""
    with IndexReader(a_dir) as a, IndexReader(b_dir) as b:
        assert a.manifest.counts == b.manifest.counts
        docs_a = {d.path: d for d in a.documents()}
        docs_b = {d.path: d for d in b.documents()}
        assert docs_a.keys() == docs_b.keys()
        for path, doc in docs_a.items():
            passages_a = a.passages_of(doc.rowid)
            passages_b = b.passages_of(docs_b[path].rowid)
            assert [(p.id, p.text, p.context) for p in passages_a] == \
                [(p.id, p.text, p.context) for p in passages_b]
            for pa, pb in zip(passages_a, passages_b, strict=True):
                units_a, spans_a = a.windows_of(pa.rowid)
                units_b, spans_b = b.windows_of(pb.rowid)
                assert spans_a == spans_b
                yield a.vectors(units_a), b.vectors(units_b)
