"""Killing `parallax index` at any moment leaves the previous index usable."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from parallax.cli import app

SAMPLE = (Path(__file__).resolve().parents[3] / "shared" / "corpus" / "china-us").resolve()
PARALLAX = [sys.executable, "-m", "parallax.cli"]


def _ask(index: Path, question: str) -> dict:
    result = CliRunner().invoke(app, ["ask", question, "--json", "--index", str(index)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _bigger_corpus(folder: Path, files: int) -> Path:
    folder.mkdir()
    for i in range(files):
        paragraphs = [f"Report {i}, section {j}: the committee discussed tariffs, climate "
                      f"finance and student exchanges in meeting {i * 100 + j}." for j in range(12)]
        (folder / f"report_{i:03d}.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
    return folder


def test_sigkill_during_embedding_keeps_the_old_index(sample_index: Path, tmp_path: Path) -> None:
    index = tmp_path / "index"
    shutil.copytree(sample_index, index)
    before = _ask(index, "What did China say about Taiwan?")
    corpus = _bigger_corpus(tmp_path / "reports", 150)

    process = subprocess.Popen([*PARALLAX, "index", str(corpus), "--index", str(index)],
                               stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True)
    assert process.stderr is not None
    for line in process.stderr:  # piped stderr: plain progress lines as embedding starts
        if line.startswith(("Embedding", "Part")):
            break  # past planning and loading the model, before anything is published
    assert process.poll() is None, "the run finished before it could be killed"
    process.send_signal(signal.SIGKILL)
    process.wait()

    after = _ask(index, "What did China say about Taiwan?")
    assert after == before
    assert not any("report_" in r["document"]["path"] for r in after["results"])


def _generations(index: Path) -> set[str]:
    return {p.name for p in index.iterdir() if p.name.startswith("parallax-gen-")}


KILL_BEFORE_SWITCH = """
import os, signal, sys
from pathlib import Path
import indexes.storage.layout as layout
real_replace = os.replace
def replace_then_die(src, dst):
    if Path(dst).name == "CURRENT":
        os.kill(os.getpid(), signal.SIGKILL)  # the new generation is complete on disk
    real_replace(src, dst)
layout.os.replace = replace_then_die
from parallax.cli import main
sys.argv = ["parallax", "index", sys.argv[1], "--index", sys.argv[2]]
main()
"""


def test_sigkill_at_the_worst_moment_keeps_the_old_index_and_the_next_run_cleans_up(
    sample_index: Path, tmp_path: Path
) -> None:
    index = tmp_path / "index"
    shutil.copytree(sample_index, index)
    before = _ask(index, "What did China say about Taiwan?")
    corpus = _bigger_corpus(tmp_path / "reports", 3)

    killed = subprocess.run([sys.executable, "-c", KILL_BEFORE_SWITCH, str(corpus), str(index)],
                            capture_output=True, text=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    old_generation = (index / "CURRENT").read_text().split()[0]
    assert len(_generations(index)) == 2  # the old one, current, and the complete new one
    assert _ask(index, "What did China say about Taiwan?") == before

    finished = subprocess.run([*PARALLAX, "index", str(corpus), "--index", str(index)],
                              capture_output=True, text=True, env={**os.environ})
    assert finished.returncode == 0, finished.stderr
    # The orphan is gone, and so is the generation it replaced: no reader holds it (one that
    # read CURRENT just before the switch reads it again), so one generation is left.
    current = (index / "CURRENT").read_text().split()[0]
    assert current != old_generation
    assert _generations(index) == {current}
    assert not [p for p in index.iterdir() if p.name.startswith(".parallax-tmp-")]
    reports = _ask(index, "committee tariffs climate finance meeting 105")
    assert any("report_001" in r["document"]["path"] for r in reports["results"])
