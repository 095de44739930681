"""One very large document is not lost whole to a Ctrl-C: what was embedded of it is saved
in the index folder (`PARTIAL/`), the interruption says how much, and the next run over the
same unchanged file embeds only the rest, giving the index a run never interrupted gives.
A saved part that does not match (another version of the file, other settings) or is
damaged is ignored and removed: never a traceback, never a wrong vector."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from indexes import IndexReader
from parallax.errors import EXIT_INTERRUPTED
from parallax.indexing import batching, build_index, publishing
from parallax.indexing.build import sweep_superseded
from parallax.settings import IndexSettings
from tests.conftest import FakeEncoder
from tests.parallax.index_pairs import same_texts_unit_vectors

ROOT = Path(__file__).resolve().parents[2]
PASSAGES = 60


class Interrupted(FakeEncoder):
    """Ctrl-C at its `interrupt_at`-th call of `encode` (None: never)."""

    def __init__(self, interrupt_at: int | None = None) -> None:
        super().__init__()
        self.interrupt_at, self.calls = interrupt_at, 0

    def encode(self, texts: Sequence[str], progress=None) -> np.ndarray:  # noqa: ANN001
        self.calls += 1
        if self.calls == self.interrupt_at:
            raise KeyboardInterrupt
        return super().encode(texts, progress)


def _big_file(folder: Path, passages: int = PASSAGES, name: str = "big.txt") -> Path:
    folder.mkdir(exist_ok=True)
    (folder / name).write_text("\n\n".join(
        f"Paragraph {i}: the committee discussed tariffs, climate finance and student "
        f"exchanges in meeting {i}. Delegates agreed on item {i * 7}." for i in range(passages)),
        encoding="utf-8")
    return folder / name


def _fresh(docs: Path, tmp_path: Path, **options: object) -> Path:
    """An index of `docs` built without interruption (a new folder each time)."""
    index = tmp_path / f"fresh-{sum(1 for p in tmp_path.iterdir() if p.name.startswith('fresh'))}"
    build_index([docs], index, encoder_loader=lambda name: FakeEncoder(), **options)  # type: ignore[arg-type]
    return index


def _same_index(expected: Path, actual: Path) -> None:
    """Same documents, passages, contexts, unit spans and exactly the same vectors."""
    for va, vb in same_texts_unit_vectors(expected, actual):
        assert np.array_equal(va, vb)


def _interrupt(docs: Path, index: Path, monkeypatch: pytest.MonkeyPatch, at: int) -> str:
    """A run interrupted at the `at`-th batch of four passages; what it said."""
    with pytest.raises(KeyboardInterrupt) as interrupted:
        build_index([docs], index, encoder_loader=lambda name: Interrupted(at))
    return str(interrupted.value)


@pytest.fixture(autouse=True)
def _small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batching, "BATCH_PASSAGES", 4)


def _saved(message: str) -> int:
    match = re.search(r"([\d,]+) of ([\d,]+) passages of (.+) are saved", message)
    assert match, message
    return int(match.group(1).replace(",", ""))


# A terminal's Ctrl-C (SIGINT) to a real `parallax index` over one large file, embedding with
# a slow stand-in for the model, saving every half second.
DRIVER = """
import sys, time
from parallax.indexing import batching, publishing
from parallax.indexing.engines import base
from tests.conftest import FakeEncoder

class Slow(FakeEncoder):
    def encode(self, texts, progress=None):
        time.sleep(0.05)
        return super().encode(texts, progress)

base.load_encoder = lambda name, **options: Slow()
batching.BATCH_PASSAGES = 4
publishing.CHECKPOINT_SECONDS = 0.5
from parallax.cli import main
sys.argv = ["parallax", "index", sys.argv[1], "--index", sys.argv[2]]
main()
"""


def test_ctrl_c_in_a_large_file_keeps_its_embedded_passages_and_the_next_run_embeds_the_rest(
        tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    big = _big_file(docs, passages=400)
    index = tmp_path / "index"
    process = subprocess.Popen([sys.executable, "-c", DRIVER, str(docs), str(index)],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                               env={**os.environ, "PYTHONPATH": str(ROOT)}, cwd=ROOT,
                               # SIGINT acts even when pytest was started ignoring it (in
                               # the background of a shell without job control)
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith("Embedding"):
            break
    deadline = time.monotonic() + 120
    while not (index / "PARTIAL" / "piece-000000.npz").exists():  # a first save, by time
        assert process.poll() is None and time.monotonic() < deadline, "no save before the end"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    said = process.communicate(timeout=120)[1]
    assert process.returncode == EXIT_INTERRUPTED, said
    assert "Traceback" not in said
    saved = _saved(said)
    assert 0 < saved < 400
    assert f"{saved:,} of 400 passages of {big} are saved: run the same command again to " \
        "resume from there" in said

    rest = FakeEncoder()
    report = build_index([docs], index, encoder_loader=lambda name: rest)
    assert report.resumed_passages == saved
    assert sorted(rest.encoded) == sorted(_units_of(docs, tmp_path, first=saved))
    assert not (index / "PARTIAL").exists()  # published: nothing left to resume
    _same_index(tmp_path / "fresh-0", index)


def _units_of(docs: Path, tmp_path: Path, first: int) -> list[str]:
    """The texts a run embeds for the passages of docs' one file from `first` on."""
    index = _fresh(docs, tmp_path)
    texts = []
    with IndexReader(index) as reader:
        doc = next(iter(reader.documents()))
        for passage in reader.passages_of(doc.rowid)[first:]:
            prefix = passage.context + "\n" if passage.context else ""
            texts += [prefix + passage.text[a:b] for a, b in reader.windows_of(passage.rowid)[1]]
    return texts


def test_an_interrupted_document_after_published_parts_is_saved_beside_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Small files first (published by time), then the large file: the publish of a part and
    # the sweep of superseded generations keep the saved part of the large one.
    monkeypatch.setattr(publishing, "CHECKPOINT_SECONDS", 0.0)
    docs = tmp_path / "docs"
    for i in range(3):
        (docs / f"a{i}.txt").parent.mkdir(exist_ok=True)
        (docs / f"a{i}.txt").write_text(f"Statement {i} on student exchanges.\n",
                                        encoding="utf-8")
    _big_file(docs, name="z-big.txt")
    index = tmp_path / "index"
    said = _interrupt(docs, index, monkeypatch, at=8)
    assert "kept 3 of 4 documents to embed, published in" in said
    saved = _saved(said)
    with IndexReader(index) as reader:
        assert reader.manifest.counts["documents"] == 3
    sweep_superseded(index)  # what a run does once it holds no generation
    assert (index / "PARTIAL").is_dir()

    rest = FakeEncoder()
    report = build_index([docs], index, encoder_loader=lambda name: rest)
    assert report.resumed_passages == saved and report.unchanged == 3
    _same_index(_fresh(docs, tmp_path), index)


def test_a_changed_file_or_other_settings_embed_it_anew(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "docs"
    big = _big_file(docs)
    index = tmp_path / "index"
    assert _saved(_interrupt(docs, index, monkeypatch, at=5)) == 16

    other = IndexSettings(sentence_units=())
    every = FakeEncoder()
    report = build_index([docs], index, settings=other, encoder_loader=lambda name: every)
    assert report.resumed_passages == 0
    _same_index(_fresh(docs, tmp_path, settings=other), index)

    index = tmp_path / "index-2"
    _interrupt(docs, index, monkeypatch, at=5)
    big.write_text(big.read_text(encoding="utf-8").replace("meeting 3.", "meeting three."),
                   encoding="utf-8")
    report = build_index([docs], index, encoder_loader=lambda name: FakeEncoder())
    assert report.resumed_passages == 0
    assert not (index / "PARTIAL").exists()
    _same_index(_fresh(docs, tmp_path), index)


def _damage_vectors(piece: Path) -> None:
    """One byte of the first vector changed (np.savez stores members uncompressed)."""
    data = bytearray(piece.read_bytes())
    npy = data.find(b"\x93NUMPY", data.find(b"vectors.npy"))
    header = int.from_bytes(data[npy + 8:npy + 10], "little")
    data[npy + 10 + header + 2] ^= 0x01
    piece.write_bytes(bytes(data))


def _foreign_piece(piece: Path) -> None:
    """A piece of another document, with that document's key, copied in."""
    with np.load(piece) as data:
        arrays = {name: data[name] for name in data.files}
    arrays["key"] = np.array("0" * 64)
    np.savez(piece, **arrays)


DAMAGE = {
    "a truncated piece": lambda p: p.write_bytes(p.read_bytes()[:200]),
    "a vector changed on disk": _damage_vectors,
    "a piece of another document": _foreign_piece,
    "garbage instead of a piece": lambda p: p.write_bytes(b"\x00" * 64),
    "a folder instead of a piece": lambda p: (p.unlink(), p.mkdir()),
    "a header that is not ours": lambda p: (p.parent / "document.json").write_text(
        '{"format": 1, "path": 7}'),
    "no header": lambda p: (p.parent / "document.json").unlink(),
    "a file instead of the folder": lambda p: (
        shutil.rmtree(p.parent), p.parent.write_text("not a folder")),
    "a link to a folder elsewhere": lambda p: (
        p.parent.rename(p.parents[2] / "elsewhere"),
        p.parent.symlink_to(p.parents[2] / "elsewhere")),
}


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_or_foreign_saved_part_is_ignored(
        damage: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Saved at every batch: pieces 0..3 of four passages each, then the interruption.
    monkeypatch.setattr(publishing, "CHECKPOINT_SECONDS", 0.0)
    docs = tmp_path / "docs"
    _big_file(docs)
    index = tmp_path / "index"
    assert _saved(_interrupt(docs, index, monkeypatch, at=5)) == 16
    DAMAGE[damage](index / "PARTIAL" / "piece-000000.npz")

    every = FakeEncoder()
    report = build_index([docs], index, encoder_loader=lambda name: every)
    assert report.resumed_passages == 0
    assert not (index / "PARTIAL").exists()
    _same_index(_fresh(docs, tmp_path), index)


def test_a_damaged_later_piece_resumes_from_the_sound_ones_before_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publishing, "CHECKPOINT_SECONDS", 0.0)
    docs = tmp_path / "docs"
    _big_file(docs)
    index = tmp_path / "index"
    _interrupt(docs, index, monkeypatch, at=5)
    _damage_vectors(index / "PARTIAL" / "piece-000002.npz")

    report = build_index([docs], index, encoder_loader=lambda name: FakeEncoder())
    assert report.resumed_passages == 8  # pieces 0 and 1
    _same_index(_fresh(docs, tmp_path), index)


def test_a_run_interrupted_again_goes_on_saving_after_what_it_resumed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(publishing, "CHECKPOINT_SECONDS", 0.0)
    docs = tmp_path / "docs"
    _big_file(docs)
    index = tmp_path / "index"
    assert _saved(_interrupt(docs, index, monkeypatch, at=3)) == 8
    assert _saved(_interrupt(docs, index, monkeypatch, at=4)) == 20
    report = build_index([docs], index, encoder_loader=lambda name: FakeEncoder())
    assert report.resumed_passages == 20
    _same_index(_fresh(docs, tmp_path), index)


def test_a_saved_part_no_document_needs_goes_at_the_next_run(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    docs = tmp_path / "docs"
    (docs / "small.txt").parent.mkdir()
    (docs / "small.txt").write_text("One statement on tariffs.\n", encoding="utf-8")
    index = tmp_path / "index"
    build_index([docs], index, encoder_loader=lambda name: FakeEncoder())
    big = _big_file(docs)
    _interrupt(docs, index, monkeypatch, at=5)
    assert (index / "PARTIAL").is_dir()
    big.unlink()  # the user gave up on it: the next run has nothing to embed
    report = build_index([docs], index, encoder_loader=lambda name: FakeEncoder())
    assert not report.changed and not (index / "PARTIAL").exists()
