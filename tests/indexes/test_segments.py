"""The segmented store: an index grows by segments, replaced documents are tombstones until
a compaction merges them away, and past a threshold a segment's vectors are searched
approximately. Whatever the layout, the answers are those of a fresh build."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import parallax.indexing
from indexes import Filters, IndexCorrupt, IndexReader, Mode, search
from indexes.query.dense import dense_search
from indexes.storage.check import check_index
from indexes.store_settings import StoreSettings
from indexes.vectors import ivfpq
from parallax.indexing import build_index

# Never merge on its own: each run's documents stay a segment of their own.
SEGMENTED = StoreSettings(compact_below=0, max_segments=100, max_deleted_share=1.0)
APPROXIMATE = StoreSettings(approximate_above=0)
TOPICS = ("trade tariff soybean climate treaty embassy summit envoy panda visa student "
          "semiconductor export sanction fentanyl carbon island strait navy pilot").split()
# Words as text has them: a few topic words among many rarer ones (Zipf-like), so that IDF
# tells terms apart as it does on real text.
WORDS = TOPICS + [f"w{i}" for i in range(400)]
WEIGHTS = [1.0 / (rank + 2) for rank in range(len(WORDS))]


def _write(folder: Path, name: str, seed: int, paragraphs: int = 3) -> None:
    rng = random.Random(seed)
    text = "\n\n".join(" ".join(rng.choices(WORDS, WEIGHTS, k=rng.randint(8, 20))).capitalize()
                       + "." for _ in range(paragraphs))
    (folder / name).write_text(f"Statement {seed}\n\n{text}\n", encoding="utf-8")


def _corpus(tmp_path: Path, count: int = 8) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(count):
        _write(folder, f"d{i}.txt", i)
    return folder


def _index(folder: Path, index: Path, encoder, store: StoreSettings = SEGMENTED,  # noqa: ANN001
           **kwargs):  # noqa: ANN003, ANN202
    return build_index([folder], index, encoder_loader=lambda name: encoder, store=store,
                       **kwargs)


def _answers(index: Path, encoder, mode: Mode, questions: list[str]) -> list[list]:  # noqa: ANN001
    with IndexReader(index) as reader:
        out = []
        for question in questions:
            vector = encoder.encode([question])[0] if mode.needs_vectors else None
            hits = search(reader, mode, 5, question, vector)
            ids = reader.passages([h.passage_rowid for h in hits])
            out.append([(ids[h.passage_rowid].id, round(h.score, 4)) for h in hits])
        return out


TOLERANCE = {Mode.dense: 1e-3, Mode.hybrid: 1e-3, Mode.lexical: 1e-6}
# Each segment quantises its vectors to 8 bits within its own range
# (indexes/vectors/quantised.py), so the same unit's cosine differs between two layouts by
# the quantisation: a few thousandths at most with the fake encoder's 64 dimensions.
QUANTISED = {Mode.dense: 5e-3, Mode.hybrid: 5e-3, Mode.lexical: 1e-6}


def _same(got: list[list], expected: list[list], mode: Mode) -> None:
    """The same answers up to ties: scores agree within the mode's tolerance (dense scores
    are cosines of the same vectors quantised within each layout's ranges, BM25 uses the
    live collection's statistics in any layout), and every passage clearly above the last
    score is in both."""
    for mine, theirs in zip(got, expected, strict=True):
        assert np.allclose([s for _, s in mine], [s for _, s in theirs],
                           rtol=TOLERANCE[mode], atol=QUANTISED[mode]), (mode, mine, theirs)
        if theirs:
            floor = theirs[-1][1] * (1 + 2 * TOLERANCE[mode]) + QUANTISED[mode]
            assert {p for p, s in theirs if s > floor} <= {p for p, _ in mine}, (mode, mine)


QUESTIONS = ["soybean tariff trade", "climate carbon treaty", "panda envoy embassy",
             "strait navy island pilot", "student visa"]


def _segment_files(index: Path) -> dict[str, int]:
    """Inode of each segment file of the current generation, by segment/name."""
    generation = index / (index / "CURRENT").read_text().split()[0]
    return {f"{p.parent.name}/{p.name}": p.stat().st_ino for p in generation.glob("seg-*/*")}


def test_an_edit_writes_one_small_segment_and_links_the_rest(tmp_path: Path,
                                                             fake_encoder) -> None:  # noqa: ANN001
    docs, index = _corpus(tmp_path), tmp_path / "index"
    _index(docs, index, fake_encoder)
    before = _segment_files(index)
    fake_encoder.encoded.clear()
    _write(docs, "d3.txt", 103)
    report = _index(docs, index, fake_encoder)
    assert report.updated == [str(docs / "d3.txt")] and report.segments == 2
    after = _segment_files(index)
    # The first segment's files are the same files (hard links), not copies.
    assert {k: v for k, v in after.items() if k in before} == before
    assert len(after) == 2 * len(before)
    assert all("Statement 103" in t for t in fake_encoder.encoded)  # only the edit embedded


def test_a_replaced_or_removed_document_is_never_served(tmp_path: Path,
                                                        fake_encoder) -> None:  # noqa: ANN001
    docs, index = _corpus(tmp_path), tmp_path / "index"
    (docs / "d1.txt").write_text("Statement one\n\nThe zeppelin landed in the harbour.\n")
    _index(docs, index, fake_encoder)
    (docs / "d1.txt").write_text("Statement one\n\nThe airship stayed in its hangar.\n")
    (docs / "d2.txt").unlink()
    report = _index(docs, index, fake_encoder)
    assert report.removed == [str(docs / "d2.txt")] and report.deleted == 2
    with IndexReader(index) as reader:
        assert len(reader.segments) == 2 and len(reader.deleted) == 2
        assert search(reader, Mode.lexical, 5, "zeppelin harbour") == []
        hits = search(reader, Mode.lexical, 5, "airship hangar")
        assert [reader.passages([h.passage_rowid])[h.passage_rowid].text for h in hits] == [
            "The airship stayed in its hangar."]
        paths = [d.path for d in reader.documents()]
        assert sorted(paths) == paths and str(docs / "d2.txt") not in paths
        assert len(paths) == len(set(paths)) == 7
        doc = reader.document_by_path(str(docs / "d1.txt"))
        new = reader.passages_of(doc.rowid)[-1]  # type: ignore[union-attr]
        assert new.text == "The airship stayed in its hangar."
        assert reader.passage_by_id(new.id) == new  # its id was the old version's too
        # Dense search never proposes a tombstoned passage either, however many are asked.
        vector = fake_encoder.encode(["zeppelin harbour"])[0]
        found = dense_search(reader, vector, 1000)
        texts = {p.text for p in reader.passages([p for p, _ in found]).values()}
        assert "The zeppelin landed in the harbour." not in texts
        assert len(found) == reader.manifest.counts["passages"]


def test_answers_across_segments_equal_a_fresh_builds(tmp_path: Path,
                                                      fake_encoder) -> None:  # noqa: ANN001
    docs, index, fresh = _corpus(tmp_path, 4), tmp_path / "index", tmp_path / "fresh"
    _index(docs, index, fake_encoder)
    for i in range(4, 12):  # three more runs: segments of new, edited and removed documents
        _write(docs, f"d{i}.txt", i)
        if i % 3 == 0:
            _write(docs, f"d{i - 4}.txt", 100 + i)
            _index(docs, index, fake_encoder)
    (docs / "d5.txt").unlink()
    _index(docs, index, fake_encoder)
    build_index([docs], fresh, encoder_loader=lambda name: fake_encoder)
    with IndexReader(index) as reader:
        assert len(reader.segments) >= 3 and len(reader.deleted) > 0
    # BM25 uses the collection's IDF (not each segment's), as a fresh build does.
    for mode in Mode:
        _same(_answers(index, fake_encoder, mode, QUESTIONS),
              _answers(fresh, fake_encoder, mode, QUESTIONS), mode)


def test_compaction_merges_into_one_segment_with_the_same_answers(tmp_path: Path,
                                                                  fake_encoder) -> None:  # noqa: ANN001
    docs, index = _corpus(tmp_path), tmp_path / "index"
    _index(docs, index, fake_encoder)
    _write(docs, "d0.txt", 50)
    (docs / "d7.txt").unlink()
    _index(docs, index, fake_encoder)
    before = {m: _answers(index, fake_encoder, m, QUESTIONS) for m in Mode}
    report = _index(docs, index, fake_encoder, compact=True)
    assert report.compacted == 2 and report.segments == 1 and report.deleted == 0
    with IndexReader(index) as reader:
        assert len(reader.segments) == 1 and not len(reader.deleted)
        assert reader.manifest.counts["documents"] == 7
    for mode in Mode:
        _same(_answers(index, fake_encoder, mode, QUESTIONS), before[mode], mode)
    assert check_index(index).ok


def test_a_small_index_is_kept_as_one_segment_by_default(tmp_path: Path,
                                                         fake_encoder) -> None:  # noqa: ANN001
    docs, index = _corpus(tmp_path), tmp_path / "index"
    build_index([docs], index, encoder_loader=lambda name: fake_encoder)
    _write(docs, "d2.txt", 77)
    report = build_index([docs], index, encoder_loader=lambda name: fake_encoder)
    assert report.segments == 1 and report.compacted == 2 and report.deleted == 0


def test_a_run_that_only_removes_counts_the_segments_it_really_merged(
        tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    docs, index = _corpus(tmp_path), tmp_path / "index"
    build_index([docs], index, encoder_loader=lambda name: fake_encoder)
    (docs / "d7.txt").unlink()
    report = build_index([docs], index, encoder_loader=lambda name: fake_encoder)
    # The one segment there was, tidied of its removed document; no segment was written.
    assert report.removed and report.embedded_windows == 0
    assert report.segments == 1 and report.compacted == 1 and report.deleted == 0


def test_unchanged_files_are_known_by_size_and_time_without_reading_them(
    tmp_path: Path, fake_encoder, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    docs, index = _corpus(tmp_path), tmp_path / "index"
    _index(docs, index, fake_encoder)
    read: list[Path] = []
    real = parallax.indexing.planning.read_bytes
    monkeypatch.setattr(parallax.indexing.planning, "read_bytes",
                        lambda p: read.append(p) or real(p))
    report = _index(docs, index, fake_encoder)
    assert not report.changed and read == []
    # Touched but not changed: read and hashed, not embedded.
    os.utime(docs / "d4.txt", ns=(1, 1))
    fake_encoder.encoded.clear()
    report = _index(docs, index, fake_encoder)
    assert read == [docs / "d4.txt"] and not report.changed and fake_encoder.encoded == []


def test_the_approximate_backend_forced_on_a_small_index(tmp_path: Path, fake_encoder,  # noqa: ANN001
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # Few candidates re-scored, so that searches go through the IVF lists (a segment this
    # small would otherwise be re-scored whole, which is exact).
    monkeypatch.setattr(ivfpq, "RERANK_FLOOR", 1)
    docs, index, flat = _corpus(tmp_path, 30), tmp_path / "index", tmp_path / "flat"
    report = _index(docs, index, fake_encoder, store=APPROXIMATE)
    assert report.backends == ["ivf-pq-sq8"]
    build_index([docs], flat, encoder_loader=lambda name: fake_encoder)
    rng = np.random.default_rng(0)
    with IndexReader(index) as approximate, IndexReader(flat) as exact:
        assert approximate.segments[0].info.params["nprobe"] > 0  # recorded, tunable
        recalls = []
        for _ in range(30):
            query = rng.normal(size=fake_encoder.dimension).astype(np.float32)
            query /= np.linalg.norm(query)
            got, scores = approximate.search_units(query, 10)
            truth, _ = exact.search_units(query, 10)
            recalls.append(len(set(got.tolist()) & set(truth.tolist())) / 10)
            # Scores are exact cosines of the stored (sq8) vectors, not PQ estimates.
            assert np.allclose(scores, approximate.vectors(got) @ query, atol=1e-5)
            assert np.allclose(approximate.vectors(got), exact.vectors(got), atol=2e-3)
        assert np.mean(recalls) >= 0.9
        # More lists probed, at least as many exact neighbours found (nprobe is tunable).
        wide = [len(set(approximate.search_units(q, 10, nprobe=10_000)[0].tolist())
                    & set(exact.search_units(q, 10)[0].tolist())) / 10
                for q in (rng.normal(size=fake_encoder.dimension).astype(np.float32)
                          for _ in range(10))]
        assert np.mean(wide) == 1.0
    for mode in (Mode.dense, Mode.hybrid):
        _same(_answers(index, fake_encoder, mode, QUESTIONS),
              _answers(flat, fake_encoder, mode, QUESTIONS), mode)
    assert check_index(index).ok


@pytest.mark.parametrize("name", ["dense.ivfpq", "vectors.sq8.npy", "vectors.sq8-range.npy"])
def test_damage_to_approximate_files_is_reported_not_served(tmp_path: Path, fake_encoder,  # noqa: ANN001
                                                            name: str) -> None:
    docs, index = _corpus(tmp_path, 10), tmp_path / "index"
    _index(docs, index, fake_encoder, store=APPROXIMATE)
    import indexes.reader

    indexes.reader._VERIFIED.clear()
    target = next(index.glob(f"parallax-gen-*/seg-*/{name}"))
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0xFF
    target.write_bytes(bytes(data))
    with pytest.raises(IndexCorrupt, match=name):
        IndexReader(index)
    assert not check_index(index).ok


def test_filters_are_id_ranges_that_skip_tombstones(tmp_path: Path,
                                                    fake_encoder) -> None:  # noqa: ANN001
    docs, index = _corpus(tmp_path), tmp_path / "index"
    _index(docs, index, fake_encoder)
    _write(docs, "d3.txt", 33)
    _index(docs, index, fake_encoder)
    only = Filters(source="d3.txt")
    with IndexReader(index) as reader:
        doc = reader.document_by_path(str(docs / "d3.txt"))
        assert reader.allowed_documents(only) == [doc.rowid]  # type: ignore[union-attr]
        vector = fake_encoder.encode(["trade"])[0]
        for mode in Mode:
            hits = search(reader, mode, 10, "trade climate panda", vector, filters=only)
            positions = reader.passage_positions([h.passage_rowid for h in hits])
            assert hits and {d for d, _ in positions.values()} == {doc.rowid}  # type: ignore[union-attr]


KILL_DURING_MERGE = """
import os, signal, sys
from pathlib import Path
sys.path.insert(0, sys.argv[3])
from conftest import FakeEncoder
import indexes.compaction as compaction
from parallax.indexing import build_index

real = compaction.copy_live
def copy_then_die(*args, **kwargs):
    real(*args, **kwargs)
    os.kill(os.getpid(), signal.SIGKILL)
compaction.copy_live = copy_then_die
encoder = FakeEncoder()
build_index([Path(sys.argv[1])], Path(sys.argv[2]), encoder_loader=lambda n: encoder,
            compact=True)
"""


def test_a_killed_compaction_leaves_the_index_as_it_was(tmp_path: Path,
                                                        fake_encoder) -> None:  # noqa: ANN001
    docs, index = _corpus(tmp_path), tmp_path / "index"
    _index(docs, index, fake_encoder)
    _write(docs, "d6.txt", 66)
    _index(docs, index, fake_encoder)
    pointer = (index / "CURRENT").read_text()
    before = {m: _answers(index, fake_encoder, m, QUESTIONS) for m in Mode}
    tests = str(Path(__file__).resolve().parent.parent)
    killed = subprocess.run([sys.executable, "-c", KILL_DURING_MERGE, str(docs), str(index),
                             tests], capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert (index / "CURRENT").read_text() == pointer
    assert {m: _answers(index, fake_encoder, m, QUESTIONS) for m in Mode} == before
    assert check_index(index).ok
    report = _index(docs, index, fake_encoder, compact=True)
    assert report.segments == 1
    for mode in Mode:
        _same(_answers(index, fake_encoder, mode, QUESTIONS), before[mode], mode)
    assert not list(index.glob(".parallax-tmp-*"))


def test_an_approximate_segment_reads_vectors_in_any_order(tmp_path: Path,
                                                           fake_encoder) -> None:  # noqa: ANN001
    docs, index, flat = _corpus(tmp_path, 12), tmp_path / "index", tmp_path / "flat"
    _index(docs, index, fake_encoder, store=APPROXIMATE)
    build_index([docs], flat, encoder_loader=lambda name: fake_encoder)
    with IndexReader(index) as approximate, IndexReader(flat) as exact:
        count = approximate.segments[0].info.counts["windows"]
        ids = np.random.default_rng(1).permutation(count)[:40]
        ids = np.concatenate([ids, ids[:5], np.arange(3, 9)])  # repeated ids, and a run
        assert np.allclose(approximate.vectors(ids), exact.vectors(ids), atol=2e-3)


def test_a_filter_leaving_few_units_is_searched_exactly(tmp_path: Path, fake_encoder,  # noqa: ANN001
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ivfpq, "RERANK_FLOOR", 1)  # the unfiltered path probes lists
    docs, index, flat = _corpus(tmp_path, 30), tmp_path / "index", tmp_path / "flat"
    _index(docs, index, fake_encoder, store=APPROXIMATE)
    build_index([docs], flat, encoder_loader=lambda name: fake_encoder)
    rng = np.random.default_rng(2)
    with IndexReader(index) as approximate, IndexReader(flat) as exact:
        some = approximate.allowed_documents(Filters(source="d1*"))
        assert some and len(some) < 30
        for _ in range(10):
            query = rng.normal(size=fake_encoder.dimension).astype(np.float32)
            query /= np.linalg.norm(query)
            got, scores = approximate.search_units(query, 10, some)
            truth, expected = exact.search_units(query, 10, exact.allowed_documents(
                Filters(source="d1*")))
            assert got.tolist() == truth.tolist()
            assert np.allclose(scores, expected, atol=2e-3)


def test_mentions_read_by_group_are_those_of_the_live_documents(tmp_path: Path,
                                                                fake_encoder) -> None:  # noqa: ANN001
    from indexes.query.mentions import MentionIndex

    docs, index = _corpus(tmp_path, 6), tmp_path / "index"
    authors = ["Wang Yi", "Antony Blinken", "", "Wang Yi", "Zhao Lijian", "Qin Gang"]
    dates = ["2019-03-01", "2020", "2021-07", "", "2019", "2023-01-05"]
    rows = [f"d{i}.txt,,{dates[i]},{authors[i]}," for i in range(6)]
    (docs / "metadata.csv").write_text("file,title,date,author,publisher\n" + "\n".join(rows),
                                       encoding="utf-8")
    _index(docs, index, fake_encoder)
    (docs / "metadata.csv").write_text("file,title,date,author,publisher\n"
                                       + "\n".join(rows).replace("Zhao Lijian", "Hua Chunying"),
                                       encoding="utf-8")
    (docs / "d0.txt").unlink()
    _index(docs, index, fake_encoder)  # a tombstone for d0 and the old d4, a segment for d4
    with IndexReader(index) as reader:
        assert len(reader.segments) > 1 and len(reader.deleted) == 2
        expected = MentionIndex.of_documents(reader.documents())
        found = reader.mentions
        assert found.words() == expected.words() and found.years() == expected.years()
        assert "zhao" not in found.words() and "hua" in found.words()
        assert found.find("What did Hua say in 2019?").documents  # the new d4


def test_a_refresh_sees_each_documents_newest_version_whichever_way_it_is_read(
        tmp_path: Path, fake_encoder, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    """DocumentStates answers from stamps for all documents, then full states one by one
    for the first few, then all at once: every way gives the live version, never a
    tombstoned one."""
    from indexes.reader import DocumentStates, stamp

    docs = _corpus(tmp_path, count=6)
    index = tmp_path / "index"
    _index(docs, index, fake_encoder)
    for name in ("d1.txt", "d4.txt"):  # replaced: the old rows stay, tombstoned
        (docs / name).write_text("A new version.\n", encoding="utf-8")
    _index(docs, index, fake_encoder)
    with IndexReader(index) as reader:
        assert len(reader.deleted) == 2
        expected = {d.path: d for d in reader.documents()}
        monkeypatch.setattr(DocumentStates, "ONE_BY_ONE", 3)
        states = reader.document_states()
        assert sorted(states) == sorted(expected) and states.get(str(docs / "nope.txt")) is None
        for path in sorted(expected):  # the first three one by one, the rest all at once
            state, file = states.get(path), os.stat(path)
            assert state.rowid == expected[path].rowid
            assert states.stamp(path) == stamp(state.size, state.mtime_ns) \
                == stamp(file.st_size, file.st_mtime_ns)


def test_a_mask_of_document_ranges_sets_exactly_those_ranges() -> None:
    from indexes.segments import ranges_mask

    rng = np.random.default_rng(0)
    for _ in range(200):
        size = int(rng.integers(0, 60))
        cuts = np.sort(rng.choice(size + 1, size=2 * int(rng.integers(0, size // 2 + 1)),
                                  replace=False)) if size else np.zeros(0, dtype=np.int64)
        starts, stops = cuts[0::2], cuts[1::2]  # disjoint ranges, some empty-free, in order
        order = rng.permutation(len(starts))  # the function must not rely on their order
        expected = np.zeros(size, dtype=bool)
        for a, b in zip(starts, stops, strict=True):
            expected[a:b] = True
        got = ranges_mask(size, starts[order], (stops - starts)[order])
        assert got.dtype == bool and np.array_equal(got, expected)
    assert not ranges_mask(5, np.array([2]), np.array([0])).any()  # an empty range
