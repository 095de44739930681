"""A long run of `index` publishes what it has embedded about every minute (not only every
few thousand passages), so Ctrl-C loses at most about a minute of embedding, and says what
was kept."""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from indexes import IndexReader
from parallax.indexing import batching, build_index, publishing
from tests.conftest import FakeEncoder


class SlowEncoder(FakeEncoder):
    """Takes a while per call, and is interrupted (Ctrl-C) at its `interrupt_at`-th call."""

    def __init__(self, interrupt_at: int | None) -> None:
        super().__init__()
        self.interrupt_at = interrupt_at
        self.calls = 0

    def encode(self, texts: Sequence[str], progress=None) -> np.ndarray:  # noqa: ANN001
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        time.sleep(0.2)
        return super().encode(texts, progress)


def _statements(folder: Path, count: int) -> Path:
    folder.mkdir()
    for i in range(count):
        (folder / f"statement_{i:02d}.txt").write_text(
            f"Statement {i} on tariffs, climate finance and student exchanges.\n",
            encoding="utf-8")
    return folder


def test_an_interrupted_run_keeps_what_it_embedded_before_the_last_checkpoint_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Twelve one-passage documents, one call of the encoder each, far fewer passages than a
    # checkpoint by count: only the time condition (lowered from a minute) publishes parts.
    monkeypatch.setattr(batching, "BATCH_PASSAGES", 1)
    monkeypatch.setattr(publishing, "CHECKPOINT_SECONDS", 0.5, raising=False)
    docs, index = _statements(tmp_path / "docs", 12), tmp_path / "index"
    slow = SlowEncoder(interrupt_at=9)
    with pytest.raises(KeyboardInterrupt) as interrupted:
        build_index([docs], index, encoder_loader=lambda name: slow)
    with IndexReader(index) as reader:
        kept = reader.manifest.counts["documents"]
    assert 0 < kept < 12
    assert f"kept {kept} of 12 documents" in str(interrupted.value)
    assert "run the same command again" in str(interrupted.value)

    again = SlowEncoder(interrupt_at=None)
    report = build_index([docs], index, encoder_loader=lambda name: again)
    assert len(again.encoded) == 12 - kept and report.unchanged == kept
    assert report.counts["documents"] == 12


def test_an_interruption_before_anything_was_published_says_the_index_is_unchanged(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batching, "BATCH_PASSAGES", 1)
    docs, index = _statements(tmp_path / "docs", 3), tmp_path / "index"
    slow = SlowEncoder(interrupt_at=2)
    with pytest.raises(KeyboardInterrupt, match="before any part was published"):
        build_index([docs], index, encoder_loader=lambda name: slow)
    assert not index.exists() or not [p for p in index.iterdir()
                                      if p.name.startswith("parallax-gen")]


def test_a_part_cut_by_time_loses_none_of_the_vectors_already_computed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Batches of four documents: a part cut after a document in the middle of a batch goes
    # on with the same batches, so every passage is embedded once, as in a run not cut.
    monkeypatch.setattr(batching, "BATCH_PASSAGES", 4)
    monkeypatch.setattr(publishing, "CHECKPOINT_SECONDS", 0.3, raising=False)
    docs = _statements(tmp_path / "docs", 12)
    slow = SlowEncoder(interrupt_at=None)
    report = build_index([docs], tmp_path / "index", encoder_loader=lambda name: slow)
    assert report.published_parts > 1
    assert sorted(slow.encoded) == sorted(_texts_of_one_part(docs, tmp_path))
    assert report.counts["documents"] == 12


def _texts_of_one_part(docs: Path, tmp_path: Path) -> list[str]:
    plain = FakeEncoder()
    build_index([docs], tmp_path / "one-part", encoder_loader=lambda name: plain)
    return plain.encoded


class _Bars:
    """The progress bars a run shows: (stage, total, passages counted) per bar."""

    def __init__(self) -> None:
        self.bars: list[list] = []

    def started(self, stage: str, total: int, unit: str) -> None:
        self.bars.append([stage, total, 0])

    def advanced(self, count: int) -> None:
        self.bars[-1][2] += count

    def __getattr__(self, name: str):  # noqa: ANN204 - the other hooks do nothing here
        return lambda *args, **kwargs: None


def test_each_part_s_bar_counts_the_passages_it_publishes_even_those_embedded_before_the_cut(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Batches of four documents, parts cut by time in the middle of a batch: the engine has
    # embedded the rest of the batch before the cut, and those passages belong to the next
    # part's bar (it showed "0/3 passages" while publishing three).
    monkeypatch.setattr(batching, "BATCH_PASSAGES", 4)
    monkeypatch.setattr(publishing, "CHECKPOINT_SECONDS", 0.3, raising=False)
    docs = _statements(tmp_path / "docs", 12)
    bars = _Bars()
    report = build_index([docs], tmp_path / "index", progress=bars,
                         encoder_loader=lambda name: SlowEncoder(interrupt_at=None))
    parts = [bar for bar in bars.bars if bar[0].startswith(("Embedding", "Part"))]
    assert report.published_parts == len(parts) > 1
    # Each part goes on with the documents the one before it left: what it publishes is
    # its total less the next part's. A part cut by time also counts what the engine had
    # embedded of the next part's documents by then; the last part ends at its total.
    published = [total - after
                 for (_, total, _), (_, after, _) in zip(parts, parts[1:], strict=False)]
    published.append(parts[-1][1])
    assert sum(published) == 12
    assert all(shown >= count for (_, _, shown), count in zip(parts, published, strict=True))
    assert parts[-1][2] == parts[-1][1]
    # Each part's label says how many of the run's documents (one passage each here) the
    # parts before it published: how many parts there will be is not known ahead, since a
    # cut adds one ("Part 12/13" grew to 14). A run planned as one part starts as one.
    assert parts[0][0] == "Embedding"
    done = published[0]
    for number, ((stage, _, _), count) in enumerate(zip(parts[1:], published[1:], strict=True),
                                                    start=2):
        assert stage == f"Part {number} ({done} of 12 documents done)"
        done += count
