"""Dense search, fusion and filters, specified against brute force and by example."""

from __future__ import annotations

import faiss
import numpy as np
import pytest

from indexes import DocumentRecord, Filters, date_bounds
from indexes.lexical.fts import fts_query, query_terms
from indexes.query.dense import dense_search
from indexes.query.fusion import reciprocal_rank_fusion


def _random_unit(rows: int, dim: int, seed: int) -> np.ndarray:
    vectors = np.random.default_rng(seed).normal(size=(rows, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class _Units:
    """The reader's vector seam (search_units, unit_passages, vectors) over one flat FAISS
    index in memory: dense_search's logic, specified without a store on disk."""

    def __init__(self, vectors: np.ndarray, window_passages: np.ndarray) -> None:
        self.index = faiss.IndexFlatIP(vectors.shape[1])
        self.index.add(vectors)
        self.window_passages = np.asarray(window_passages, dtype=np.int64)

    def search_units(self, query, n, doc_rowids=None, exact=False, nprobe=None):  # noqa: ANN001, ANN201
        params = None
        if doc_rowids is not None:  # here: allowed unit ids
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(doc_rowids)))
        n = min(n, self.index.ntotal if doc_rowids is None else len(doc_rowids))
        scores, ids = self.index.search(query.reshape(1, -1), n, params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]

    def unit_passages(self, ids):  # noqa: ANN001, ANN201
        return self.window_passages[np.asarray(ids, dtype=np.int64)]

    def vectors(self, ids):  # noqa: ANN001, ANN201
        return self.index.reconstruct_batch(np.asarray(ids, dtype=np.int64))


def _brute_force(vectors, window_passages, query, allowed=None):  # noqa: ANN001, ANN202
    scores = vectors @ query
    best: dict[int, float] = {}
    for window, score in enumerate(scores):
        if allowed is not None and window not in set(allowed):
            continue
        passage = int(window_passages[window])
        best[passage] = max(best.get(passage, -2.0), float(score))
    return sorted(best.items(), key=lambda kv: -kv[1])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_passage_scores_as_its_best_window_like_brute_force(seed: int) -> None:
    vectors = _random_unit(300, 16, seed)
    # Uneven passages: some have one window, some many, so windows crowd the top.
    window_passages = np.sort(np.random.default_rng(seed).integers(0, 60, size=300))
    query = _random_unit(1, 16, seed + 100)[0]
    got = dense_search(_Units(vectors, window_passages), query, 10)  # type: ignore[arg-type]
    expected = _brute_force(vectors, window_passages, query)[:10]
    assert [p for p, _ in got] == [p for p, _ in expected]
    assert np.allclose([s for _, s in got], [s for _, s in expected], atol=1e-5)


def test_dense_search_with_allowed_windows_still_returns_n_passages() -> None:
    vectors = _random_unit(200, 8, 5)
    window_passages = np.arange(200) // 2
    allowed = np.arange(150, 200, dtype=np.int64)  # passages 75..99 only
    got = dense_search(_Units(vectors, window_passages), _random_unit(1, 8, 9)[0],  # type: ignore[arg-type]
                       10, allowed)
    assert len(got) == 10
    assert all(75 <= p <= 99 for p, _ in got)
    expected = _brute_force(vectors, window_passages, _random_unit(1, 8, 9)[0], allowed)[:10]
    assert [p for p, _ in got] == [p for p, _ in expected]


def test_reciprocal_rank_fusion_rewards_agreement() -> None:
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "d"]])
    assert [item for item, _ in fused] == ["b", "c", "a", "d"]
    assert fused[0][1] == pytest.approx(1 / 62 + 1 / 61)


def test_query_terms_drop_stopwords_but_never_everything() -> None:
    assert query_terms("What did China say about Taiwan?") == ["china", "taiwan"]
    assert query_terms("what is it") == ["what", "is", "it"]


def test_fts_query_quotes_user_input() -> None:
    assert fts_query('NEAR("x" AND y*)') == '"near" OR "x" OR "y"'
    assert fts_query("???") is None


def _doc(**fields: object) -> DocumentRecord:
    base: dict[str, object] = {"rowid": 1, "id": "d", "path": "/c/speeches/2020/a.txt",
                               "root": "/c", "title": "t", "date": None, "author": None,
                               "publisher": None}
    return DocumentRecord(**{**base, **fields})  # type: ignore[arg-type]


@pytest.mark.parametrize(("value", "bounds"), [
    ("2020", ("2020-01-01", "2020-12-31")),
    ("2020-02", ("2020-02-01", "2020-02-29")),
    ("2017-04-06", ("2017-04-06", "2017-04-06")),
])
def test_date_bounds_cover_the_whole_prefix(value: str, bounds: tuple[str, str]) -> None:
    assert date_bounds(value) == bounds


def test_date_filters_compare_by_overlap_and_exclude_undated() -> None:
    assert Filters(since="2020-06").accepts(_doc(date="2020"))
    assert not Filters(since="2021").accepts(_doc(date="2020-12-31"))
    assert Filters(until="2020-08").accepts(_doc(date="2020-08-07"))
    assert not Filters(until="2019").accepts(_doc(date="2020"))
    assert not Filters(since="1900").accepts(_doc(date=None))


def test_source_glob_matches_name_relative_or_full_path() -> None:
    doc = _doc()
    assert Filters(source="a.txt").accepts(doc)
    assert Filters(source="speeches/*").accepts(doc)
    assert Filters(source="/c/*/2020/*").accepts(doc)
    assert not Filters(source="b*").accepts(doc)


def test_author_filter_is_a_case_insensitive_substring() -> None:
    assert Filters(author="wang").accepts(_doc(author="Wang Yi"))
    assert not Filters(author="wang").accepts(_doc(author=None))


def test_invalid_dates_are_refused_with_the_expected_format() -> None:
    with pytest.raises(ValueError, match="YYYY-MM"):
        Filters(since="last year")


def test_feedback_moves_the_query_towards_its_nearest_units_and_keeps_unit_length() -> None:
    from indexes.query.dense import with_feedback

    vectors = _random_unit(50, 8, 3)
    index = _Units(vectors, np.arange(50))
    query = _random_unit(1, 8, 4)[0]
    moved = with_feedback(index, query, units=3, weight=0.5)  # type: ignore[arg-type]
    nearest = vectors[np.argsort(-(vectors @ query))[:3]].mean(axis=0)
    assert np.linalg.norm(moved) == pytest.approx(1.0, abs=1e-5)
    assert moved @ nearest > query @ nearest
    assert np.array_equal(with_feedback(index, query, units=3, weight=0.0), query)  # type: ignore[arg-type]


def test_relative_fusion_keeps_a_confident_retrievers_lead() -> None:
    from indexes.query.fusion import relative_score_fusion

    dense = [("a", 0.9), ("b", 0.2), ("c", 0.1)]
    lexical = [("b", 10.0), ("a", 9.5), ("c", 1.0)]
    fused = dict(relative_score_fusion(dense, lexical, dense_weight=0.5))
    assert fused["a"] > fused["b"] > fused["c"]
    assert fused["c"] == 0.0


def test_a_passage_next_to_a_match_rises_above_an_isolated_one() -> None:
    from indexes.query.search import smooth

    # Passage 2 continues passage 1 (same document); passage 3 stands alone elsewhere.
    positions = {1: (10, 0), 2: (10, 1), 3: (20, 5)}
    fused = [(1, 1.0), (3, 0.45), (2, 0.4)]
    smoothed = dict(smooth(fused, positions, previous=0.2, following=0.1))
    assert smoothed[2] == pytest.approx(0.4 + 0.2 * 1.0)
    assert smoothed[1] == pytest.approx(1.0 + 0.1 * 0.4)
    assert smoothed[3] == pytest.approx(0.45)
    assert smoothed[2] > smoothed[3]
