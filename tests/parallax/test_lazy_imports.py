"""Commands that do not embed never import sentence_transformers or torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE_FILE = (Path(__file__).resolve().parents[3] / "shared" / "corpus" / "china-us"
               / "000_66e27f2df0de6ee7.txt")

RUN_AND_REPORT = """
import sys
from parallax.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    heavy = sorted(m for m in ("sentence_transformers", "torch", "transformers")
                   if m in sys.modules)
    print("HEAVY:" + ",".join(heavy), file=sys.stderr)
"""


def _first_passage_id(index: Path) -> str:
    from indexes import IndexReader

    with IndexReader(index) as reader:
        return reader.passages_of(reader.documents()[0].rowid)[0].id


@pytest.mark.parametrize("command", ["sources", "show", "inspect", "ask-lexical"])
def test_commands_that_do_not_embed_stay_light(sample_index: Path, command: str) -> None:
    args = {
        "sources": ["sources", "--index", str(sample_index)],
        "show": ["show", _first_passage_id(sample_index), "--index", str(sample_index)],
        "inspect": ["inspect", str(SAMPLE_FILE)],
        "ask-lexical": ["ask", "Taiwan", "--mode", "lexical", "--index", str(sample_index)],
    }[command]
    done = subprocess.run([sys.executable, "-c", RUN_AND_REPORT, *args], capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip(), "the command printed nothing"
    assert "HEAVY:\n" in done.stderr or done.stderr.rstrip().endswith("HEAVY:"), done.stderr


def test_the_check_itself_sees_a_heavy_import(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Indexing embeds, so it loads the model.\n", encoding="utf-8")
    # fp32 runs sentence-transformers (the default path may be OpenVINO, which does not).
    done = subprocess.run([sys.executable, "-c", RUN_AND_REPORT, "index", str(tmp_path),
                           "--index", str(tmp_path / "index"), "--precision", "fp32"],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "sentence_transformers" in done.stderr.rsplit("HEAVY:", 1)[1]


def test_a_dense_question_needs_no_torch_for_the_default_model(sample_index: Path) -> None:
    done = subprocess.run([sys.executable, "-c", RUN_AND_REPORT, "ask", "Taiwan", "--mode",
                           "dense", "--index", str(sample_index)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.rsplit("HEAVY:", 1)[1].strip() == ""
