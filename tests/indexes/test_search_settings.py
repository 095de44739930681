"""Search settings and hybrid search's error handling, specified with a stand-in reader."""

from __future__ import annotations

import importlib
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from indexes import IndexCorrupt, Mode, search
from indexes.query.search import Hit, SearchSettings

# The package exports a function of the same name, which hides the module as an attribute.
search_module = importlib.import_module("indexes.query.search")


class _Reader:
    """The little of IndexReader that search() touches before its retrievers run."""

    def __init__(self, index_dir: Path) -> None:
        self.index_dir = index_dir

    def allowed_documents(self, filters: object) -> None:
        return None


def test_nprobe_is_read_from_the_environment_when_settings_are_built(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PARALLAX_NPROBE", "7")
    assert SearchSettings().nprobe == 7
    seen: list[int | None] = []

    def dense(reader, query, n, doc_rowids=None, exact=False, nprobe=None):  # noqa: ANN001, ANN202
        seen.append(nprobe)
        return []

    monkeypatch.setattr(search_module, "dense_search", dense)
    search(_Reader(tmp_path), Mode.dense, 3, "q", np.ones(4, dtype=np.float32))  # type: ignore[arg-type]
    assert seen == [7]
    monkeypatch.delenv("PARALLAX_NPROBE")
    assert SearchSettings().nprobe is None


def test_a_damaged_index_error_wins_over_the_lexical_half_failing(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    def impossible(*args: object, **kwargs: object) -> list[tuple[int, float]]:
        return [(0, 5.0)]  # a cosine no undamaged vector gives

    def broken(*args: object, **kwargs: object) -> list[tuple[int, float]]:
        raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(search_module, "dense_search", impossible)
    monkeypatch.setattr(search_module, "search_lexical", broken)
    with pytest.raises(IndexCorrupt, match="impossible scores"):
        search(_Reader(tmp_path), Mode.hybrid, 3, "q", np.ones(4, dtype=np.float32))  # type: ignore[arg-type]


def test_the_hit_score_docstring_names_the_default_fusion() -> None:
    assert "relative" in SearchSettings().fusion
    assert "relative" in (Hit.__doc__ or "") and "RRF (hybrid)" not in (Hit.__doc__ or "")
