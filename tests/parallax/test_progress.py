"""Long work reports progress on stderr also when stderr is not a terminal, and a large
document is embedded and written in bounded batches."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import parallax.cli.output
import parallax.indexing
from parallax.cli import app
from parallax.indexing.batching import batches as make_batches
from parallax.indexing.documents import DocumentToEmbed


def test_piped_stderr_gets_plain_progress_lines(tmp_path: Path, fake_encoder,  # noqa: ANN001
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallax.cli.output, "PROGRESS_EVERY", 0.0)  # a line at every step
    monkeypatch.setattr(parallax.indexing.batching, "BATCH_PASSAGES", 4)
    monkeypatch.setattr(parallax.indexing.engines.base, "load_encoder", lambda name: fake_encoder)
    docs = tmp_path / "docs"
    docs.mkdir()
    paragraphs = [f"Paragraph {i} says something about hives and bees." for i in range(10)]
    (docs / "long.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")

    result = CliRunner().invoke(app, ["index", str(docs), "--index", str(tmp_path / "i")])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("Embedding:")]
    assert lines[0] == "Embedding: 0/10 passages"
    steps = [int(m.group(1)) for line in lines
             if (m := re.match(r"Embedding: (\d+)/10 passages \(\d+%\)", line))]
    assert steps == [4, 8, 10]
    assert re.match(r"Embedding: 10/10 passages in \d+:\d\d:\d\d$", lines[-1])
    assert "━" not in result.stderr  # no bar drawing into a log


def test_batches_split_long_documents_and_join_short_ones() -> None:
    class Doc:
        def __init__(self, n: int) -> None:
            self.passages = list(range(n))

    docs = [DocumentToEmbed(Doc(n), None, "") for n in (3, 0, 10, 1)]  # type: ignore[arg-type]
    batches = list(make_batches(docs, 4))  # type: ignore[arg-type]
    assert [[(d, (r.start, r.stop)) for d, r in b] for b in batches] == [
        [(0, (0, 3)), (2, (0, 1))], [(2, (1, 5))], [(2, (5, 9))], [(2, (9, 10)), (3, (0, 1))]]


def test_a_batch_reports_its_passages_as_the_model_goes() -> None:
    from parallax.indexing import IndexProgress
    from parallax.indexing.encoding import ProgressShare

    seen: list[int] = []

    class Progress(IndexProgress):
        def advanced(self, count: int) -> None:
            seen.append(count)

    share = ProgressShare(Progress(), passages=10)
    share.texts = 40  # windows and sentences of those 10 passages
    for _ in range(4):
        share(8)  # the encoder finished a model batch of 8 texts
    share.complete()
    assert seen == [2, 2, 2, 2, 2] and sum(seen) == 10
