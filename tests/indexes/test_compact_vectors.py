"""One copy of the vectors, at the store's precision: an index written before (float32)
is read as it is, `index --compact` rewrites it at sq8 with the same answers, a merge keeps
merged units' codes, and `check --sizes` tells what each part takes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

from indexes import IndexReader, Mode, search
from indexes.storage.check import check_index
from indexes.storage.sizes import index_sizes
from indexes.store_settings import StoreSettings
from parallax.indexing import build_index

ROOT = Path(__file__).resolve().parents[2]
F32 = StoreSettings(precision="f32")


def _docs(tmp_path: Path, count: int = 6) -> Path:
    folder = tmp_path / "docs"
    folder.mkdir()
    for i in range(count):
        (folder / f"d{i}.txt").write_text(
            f"Statement {i}\n\nTrade and climate talks, round {i}, went on for {i} days.\n\n"
            f"The envoys of year {2000 + i} spoke of pandas and students.\n", encoding="utf-8")
    return folder


def _dense(index: Path, encoder, question: str) -> list[tuple[str, float]]:  # noqa: ANN001
    with IndexReader(index) as reader:
        hits = search(reader, Mode.dense, 5, question, encoder.encode([question])[0])
        ids = reader.passages([h.passage_rowid for h in hits])
        return [(ids[h.passage_rowid].id, round(h.score, 3)) for h in hits]


def test_an_index_written_in_float32_is_read_then_compacted_to_sq8(tmp_path: Path,
                                                                   fake_encoder) -> None:  # noqa: ANN001
    docs, index = _docs(tmp_path), tmp_path / "index"
    build_index([docs], index, encoder_loader=lambda n: fake_encoder, store=F32)
    with IndexReader(index) as reader:
        assert [s.info.backend for s in reader.segments] == ["flat"]
    before = _dense(index, fake_encoder, "climate talks")
    report = build_index([docs], index, encoder_loader=lambda n: fake_encoder, compact=True)
    assert report.backends == ["flat-sq8"]
    after = _dense(index, fake_encoder, "climate talks")
    assert [p for p, _ in after] == [p for p, _ in before]
    assert np.allclose([s for _, s in after], [s for _, s in before], atol=5e-3)
    assert check_index(index).ok


def test_a_merge_on_the_same_grid_keeps_the_codes(tmp_path: Path,
                                                  fake_encoder) -> None:  # noqa: ANN001
    docs, index = _docs(tmp_path), tmp_path / "index"
    build_index([docs], index, encoder_loader=lambda n: fake_encoder)
    with IndexReader(index) as reader:
        first = reader.segments[0].dense.rows(0, reader.segments[0].dense.count)
    # A second run with a new document: the small index is merged into one segment again,
    # and the units carried over decode to the same values as before.
    (docs / "extra.txt").write_text("Statement extra\n\nTrade talks.\n", encoding="utf-8")
    build_index([docs], index, encoder_loader=lambda n: fake_encoder)
    with IndexReader(index) as reader:
        assert len(reader.segments) == 1
        again = reader.segments[0].dense.rows(0, len(first))
    assert np.abs(again - first).max() < 5e-3


def test_sizes_count_each_file_once_by_component(tmp_path: Path,
                                                 fake_encoder) -> None:  # noqa: ANN001
    docs, index = _docs(tmp_path), tmp_path / "index"
    build_index([docs], index, encoder_loader=lambda n: fake_encoder)
    (docs / "d0.txt").write_text("Statement 0\n\nAn edit.\n", encoding="utf-8")
    build_index([docs], index, encoder_loader=lambda n: fake_encoder)
    report = index_sizes(index)
    generation = index / report.generation
    on_disk = sum(p.stat().st_blocks * 512 for p in generation.rglob("*") if p.is_file())
    assert report.total == on_disk
    assert report.components["vectors"] > 0 and report.passages == 11
    assert any(name.startswith("lexical") for name in report.components)
    done = subprocess.run([sys.executable, "-m", "parallax", "check", "--sizes", "--json",
                           "--index", str(index)], capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout)
    assert shown["bytes"] == report.total and shown["passages"] == 11
    assert {c["component"] for c in shown["components"]} == set(report.components)
