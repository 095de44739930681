"""`ask --json` points into the original file for every text format, HTML included."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

import parallax.indexing
from parallax.cli import app

runner = CliRunner()

PAGE = """<!doctype html>
<html><head><title>Trade statement</title><style>p { color: red }</style></head>
<body><nav><a href="/">Home</a> | <a href="/news">News</a></nav>
<article><h1>Statement on trade &amp; tariffs</h1>
<p>The ministry said tariffs on <b>soybeans</b> would fall
by half next year, a move welcomed by farmers&#8217; groups.</p>
<p>Talks on steel quotas continue in Geneva.</p></article>
<footer>Copyright © 2024 Example News. All Rights Reserved.</footer></body></html>
"""

NOTE = "# Field notes\n\nSoybean farmers expect\nlower tariffs next year.\n\nSteel is next.\n"


@pytest.fixture
def index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_encoder) -> Path:  # noqa: ANN001
    monkeypatch.setattr(parallax.indexing.engines.base, "load_encoder", lambda name: fake_encoder)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "statement.html").write_text(PAGE, encoding="utf-8")
    (docs / "notes.md").write_text(NOTE, encoding="utf-8")
    result = runner.invoke(app, ["index", str(docs), "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    return tmp_path / "index"


def _visible(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_results_point_at_their_text_in_html_and_markdown_files(index: Path) -> None:
    result = runner.invoke(app, ["ask", "soybean tariffs", "--mode", "lexical", "--json",
                                 "-k", "10", "--index", str(index)])
    assert result.exit_code == 0, result.output
    results = json.loads(result.stdout)["results"]
    assert {Path(r["document"]["path"]).suffix for r in results} == {".html", ".md"}
    for r in results:
        source = Path(r["document"]["path"]).read_text(encoding="utf-8")
        start, end = r["chars"]
        assert _visible(source[start:end]) == r["text"]
        assert source.count("\n", 0, start) + 1 == r["lines"][0]
        assert source.count("\n", 0, end) + 1 == r["lines"][1]
    page = next(r for r in results if r["document"]["path"].endswith(".html"))
    assert page["document"]["title"] == "Statement on trade & tariffs"
    assert "Home" not in page["text"] and "Copyright" not in page["text"]
