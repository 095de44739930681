"""BM25 from stored postings: the same scores as FTS5's bm25() in one segment, to the bit,
and across segments those of a fresh build of the live documents."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pytest

from indexes import Filters, IndexReader, Mode, search
from indexes.lexical.across_segments import search_lexical
from indexes.lexical.fts import lexical_search
from indexes.lexical.postings import index_tokens
from indexes.store_settings import StoreSettings
from parallax.indexing import build_index
from tests.conftest import SAMPLE

SEGMENTED = StoreSettings(compact_below=0, max_segments=100, max_deleted_share=1.0)
EVERYTHING = 100_000  # more passages than any of these indexes holds: every match ranked


def _questions(folder: Path, count: int, seed: int = 0) -> list[str]:
    """Questions of words drawn from the corpus itself (common and rare ones, inflected
    forms, words given twice), as users' questions mix them."""
    words = sorted({w for f in folder.rglob("*.txt")
                    for w in re.findall(r"[A-Za-z]+", f.read_text(encoding="utf-8"))})
    rng = random.Random(seed)
    questions = [" ".join(rng.sample(words, rng.randint(1, 6))) for _ in range(count)]
    return questions + ["trade trades trading", "China China relations", "Beijing 2019",
                        "What did they say about the summit?"]


def _by_fts5(reader: IndexReader, question: str, weight: float = 0.5) -> dict[int, float]:
    (segment,) = reader.segments
    return dict(lexical_search(segment.db, question, EVERYTHING, context_weight=weight))


@pytest.fixture(scope="module")
def sample_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("bm25") / "corpus"
    shutil.copytree(SAMPLE, folder)
    return folder


def test_one_segment_scores_every_passage_as_fts5_does_to_the_bit(
        tmp_path: Path, sample_copy: Path, fake_encoder) -> None:  # noqa: ANN001
    build_index([sample_copy], tmp_path / "index", encoder_loader=lambda name: fake_encoder)
    with IndexReader(tmp_path / "index") as reader:
        assert len(reader.segments) == 1 and reader.segments[0].lexicon is not None
        for question in _questions(sample_copy, 60):
            for weight in (0.5, 1.0, 0.0):
                mine = dict(search_lexical(reader, question, EVERYTHING, None, weight))
                assert mine == _by_fts5(reader, question, weight), question


def test_the_top_n_are_the_best_n_with_ties_broken_by_position(
        tmp_path: Path, sample_copy: Path, fake_encoder) -> None:  # noqa: ANN001
    build_index([sample_copy], tmp_path / "index", encoder_loader=lambda name: fake_encoder)
    with IndexReader(tmp_path / "index") as reader:
        for question in _questions(sample_copy, 20, seed=1):
            every = search_lexical(reader, question, EVERYTHING, None)
            assert search_lexical(reader, question, 7, None) == sorted(
                every, key=lambda row: (-row[1], row[0]))[:7]


def test_across_segments_and_tombstones_scores_are_a_fresh_builds(
        tmp_path: Path, sample_copy: Path, fake_encoder) -> None:  # noqa: ANN001
    docs = tmp_path / "docs"
    shutil.copytree(sample_copy, docs)
    files = sorted(docs.rglob("*.txt"))
    for extra in files[: len(files) // 2]:  # held back, then added by a later run
        extra.rename(extra.with_suffix(".later"))
    index, fresh = tmp_path / "index", tmp_path / "fresh"
    build_index([docs], index, encoder_loader=lambda name: fake_encoder, store=SEGMENTED)
    for later in sorted(docs.rglob("*.later")):
        later.rename(later.with_suffix(".txt"))
    edited = files[-1]
    edited.write_text(edited.read_text(encoding="utf-8") + "\n\nA trade summit was held.\n",
                      encoding="utf-8")
    build_index([docs], index, encoder_loader=lambda name: fake_encoder, store=SEGMENTED)
    files[-2].unlink()
    build_index([docs], index, encoder_loader=lambda name: fake_encoder, store=SEGMENTED)
    build_index([docs], fresh, encoder_loader=lambda name: fake_encoder)
    with IndexReader(index) as reader, IndexReader(fresh) as clean:
        assert len(reader.segments) == 2 and len(reader.deleted) == 2
        for question in _questions(sample_copy, 40, seed=2):
            mine = _by_passage_id(reader, search_lexical(reader, question, EVERYTHING))
            theirs = _by_passage_id(clean, search_lexical(clean, question, EVERYTHING))
            assert mine.keys() == theirs.keys(), question
            for passage, score in mine.items():  # the average length is summed otherwise
                assert score == pytest.approx(theirs[passage], rel=1e-12), question


def test_a_filter_keeps_the_scores_and_drops_the_rest(
        tmp_path: Path, sample_copy: Path, fake_encoder) -> None:  # noqa: ANN001
    build_index([sample_copy], tmp_path / "index", encoder_loader=lambda name: fake_encoder)
    with IndexReader(tmp_path / "index") as reader:
        source = reader.documents()[0].path
        allowed = reader.allowed_documents(Filters(source=source))
        assert allowed
        for question in _questions(sample_copy, 20, seed=3):
            every = dict(search_lexical(reader, question, EVERYTHING, None))
            kept = dict(search_lexical(reader, question, EVERYTHING, allowed))
            positions = reader.passage_positions(list(every))
            assert kept == {p: s for p, s in every.items() if positions[p][0] in allowed}


def test_segments_without_postings_are_ranked_by_fts5_with_the_same_results(
        tmp_path: Path, sample_copy: Path, fake_encoder) -> None:  # noqa: ANN001
    build_index([sample_copy], tmp_path / "index", encoder_loader=lambda name: fake_encoder)
    with IndexReader(tmp_path / "index") as reader:
        questions = _questions(sample_copy, 20, seed=4)
        stored = [search(reader, Mode.lexical, 10, q) for q in questions]
        reader.segments[0]._lexicon = None  # as a segment written before postings were
        assert [search(reader, Mode.lexical, 10, q) for q in questions] == stored


def test_a_question_term_of_several_tokens_goes_through_fts5(
        tmp_path: Path, sample_copy: Path, fake_encoder) -> None:  # noqa: ANN001
    (sample_copy.parent / "zh").mkdir(exist_ok=True)
    zh = sample_copy.parent / "zh"
    (zh / "a.txt").write_text("声明\n\n台湾问题是中美关系中最重要的问题。\n\n贸易谈判继续。\n",
                              encoding="utf-8")
    build_index([zh], tmp_path / "index", encoder_loader=lambda name: fake_encoder)
    with IndexReader(tmp_path / "index") as reader:
        hits = search(reader, Mode.lexical, 5, "台湾问题")
        assert hits and "台湾" in reader.passages([hits[0].passage_rowid])[
            hits[0].passage_rowid].text


def test_question_words_are_tokenized_as_the_index_tokenizes_them() -> None:
    assert index_tokens("Increases") == ("increas",)
    assert index_tokens("café") == ("cafe",)
    assert index_tokens("e-mail") == ("e", "mail")
    assert index_tokens("_") == ()


def _by_passage_id(reader: IndexReader, rows: list[tuple[int, float]]) -> dict[str, float]:
    records = reader.passages([p for p, _ in rows])
    return {records[p].id: s for p, s in rows}
