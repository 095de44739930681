""".docx and .epub files end to end: indexed, found by `ask` with offsets into their extracted
text, shown by `inspect`, and skipped with a named reason when damaged."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import parallax.indexing
from corpus.formats.docx import docx_to_text
from corpus.formats.epub import epub_to_text
from parallax.cli import app
from tests.corpus.test_docx_epub import make_docx, make_epub

runner = CliRunner()


@pytest.fixture
def books(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_encoder) -> dict:  # noqa: ANN001
    monkeypatch.setattr(parallax.indexing.engines.base, "load_encoder", lambda name: fake_encoder)
    folder = tmp_path / "books"
    folder.mkdir()
    make_docx(folder / "trade.docx")
    make_epub(folder / "diplomacy.epub")
    broken = make_docx(folder / "broken.docx")
    broken.write_bytes(broken.read_bytes()[:400])
    make_epub(folder / "incomplete.epub", drop="OEBPS/text/ch1.xhtml")
    index = tmp_path / "index"
    result = runner.invoke(app, ["index", str(folder), "--index", str(index), "--json"])
    assert result.exit_code == 0, result.output
    return {"folder": folder, "index": index, "report": json.loads(result.stdout)}


def _ask(index: Path, question: str) -> list[dict]:
    result = runner.invoke(app, ["ask", question, "--mode", "lexical", "-k", "3", "--json",
                                 "--index", str(index)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["results"]


def test_damaged_files_are_skipped_with_their_reason(books: dict) -> None:
    report = books["report"]
    assert sorted(Path(p).name for p in report["added"]) == ["diplomacy.epub", "trade.docx"]
    reasons = {Path(s["path"]).name: s["reason"] for s in report["skipped"]}
    assert reasons["broken.docx"].startswith("damaged or not a Word .docx file")
    assert reasons["incomplete.epub"] == "damaged EPUB: OEBPS/text/ch1.xhtml is missing"


@pytest.mark.parametrize(("question", "name", "extract", "heading"), [
    ("soybean tariffs farmers", "trade.docx", docx_to_text, "Statement on Soybean Trade"),
    ("steel quotas Geneva", "trade.docx", docx_to_text, "Steel quotas"),
    ("Pork tariff 2025", "trade.docx", docx_to_text, "Steel quotas"),  # a table row
    ("大豆贸易", "trade.docx", docx_to_text, "中文部分"),
    ("table tennis pandas", "diplomacy.epub", epub_to_text, "The Ping-Pong Years"),
    ("可再生能源", "diplomacy.epub", epub_to_text, "第二章 气候合作"),
])
def test_ask_finds_passages_with_offsets_into_the_extracted_text(
        books: dict, question: str, name: str, extract, heading: str) -> None:  # noqa: ANN001
    top = _ask(books["index"], question)[0]
    path = books["folder"] / name
    assert top["document"]["path"] == str(path.resolve())
    assert top["heading"] == heading
    text = extract(path.read_bytes(), path)
    start, end = top["chars"]
    assert " ".join(text[start:end].split()) == top["text"]
    assert text.count("\n", 0, start) + 1 == top["lines"][0]


def test_epub_metadata_becomes_the_documents_title_and_date(books: dict) -> None:
    document = _ask(books["index"], "table tennis")[0]["document"]
    assert (document["title"], document["date"]) == ("Forty Years of Diplomacy", "2019-07-01")


def test_inspect_shows_what_each_format_yields(books: dict) -> None:
    docx = runner.invoke(app, ["inspect", str(books["folder"] / "trade.docx")])
    assert docx.exit_code == 0, docx.output
    assert "(docx)" in docx.output and "4 passages, 3 headings" in docx.output
    assert "| Soybeans | 25% | 12% |" in docx.output
    epub = runner.invoke(app, ["inspect", str(books["folder"] / "diplomacy.epub")])
    assert epub.exit_code == 0, epub.output
    assert "(epub)" in epub.output and "第二章 气候合作" in epub.output
    assert "By Jane Doe, Li Wei" in epub.output
    broken = runner.invoke(app, ["inspect", str(books["folder"] / "broken.docx")])
    assert broken.exit_code != 0 and "damaged or not a Word .docx file" in broken.output
