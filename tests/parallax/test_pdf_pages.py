"""Pages everywhere (issue 24): every passage from a PDF carries its pages into the index and
out of every command, as `"pages": [first, last]` in the JSON (null for other formats) and as
"report.pdf:L-L p. N" in human output; the server serves the file for the web page's
`#page=N` link; a scanned PDF is skipped with the install command when Tesseract is missing,
and found by `ask` when it is there."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

import corpus
import parallax.indexing
from benchmarks import pdf_corpus as gen
from corpus.formats import pdf_ocr
from indexes import PassageRecord
from indexes.schema import passage_columns_from
from parallax.cli import app

pytest.importorskip("reportlab")
runner = CliRunner()


@pytest.fixture
def folder(tmp_path: Path) -> dict[str, gen.TruthDocument]:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "note.txt").write_text("A note on tariffs and soybeans, in plain text.\n",
                                   encoding="utf-8")
    return {"report": gen.write_report(docs / "report.pdf"),
            "journal": gen.write_journal(docs / "journal.pdf")}


@pytest.fixture
def index(tmp_path: Path, folder, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
          fake_encoder) -> Path:
    monkeypatch.setattr(parallax.indexing.engines.base, "load_encoder", lambda name: fake_encoder)
    result = runner.invoke(app, ["index", str(tmp_path / "docs"), "--index",
                                 str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    return tmp_path / "index"


def _ask(index: Path, question: str, *extra: str) -> list[dict]:
    result = runner.invoke(app, ["ask", question, "--mode", "lexical", "--json", "-k", "50",
                                 "--index", str(index), *extra])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["results"]


def test_every_result_from_a_pdf_has_its_true_pages_and_others_have_none(index: Path,
                                                                         folder) -> None:
    results = _ask(index, "China United States relations cooperation soybeans")
    truth = {Path(d.path).name: d for d in folder.values()}
    seen = set()
    for r in results:
        name = Path(r["document"]["path"]).name
        if name == "note.txt":
            assert r["pages"] is None
            continue
        seen.add(name)
        assert tuple(r["pages"]) in truth[name].locate(r["text"]), r["text"][:80]
        assert r["ocr"] is False
    assert seen == {"report.pdf", "journal.pdf"}


def test_human_output_prints_the_page_beside_the_line_span(index: Path) -> None:
    result = runner.invoke(app, ["ask", "China United States relations", "--mode", "lexical",
                                 "-k", "3", "--index", str(index)])
    assert result.exit_code == 0, result.output
    assert " p. " in result.output or " pp. " in result.output
    assert ".pdf:" in result.output


def test_show_and_related_carry_pages(index: Path) -> None:
    first = _ask(index, "China United States relations")[0]
    shown = runner.invoke(app, ["show", first["passage_id"], "--json", "--index", str(index)])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["passage"]["pages"] == first["pages"]
    human = runner.invoke(app, ["show", first["passage_id"], "--index", str(index)])
    assert f"p. {first['pages'][0]}" in human.output


def test_inspect_shows_the_page_of_each_passage_and_each_dropped_line(folder) -> None:
    path = folder["report"].path
    result = runner.invoke(app, ["inspect", str(path), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["pages"] == 12 and report["ocr_pages"] == []
    assert all(p["pages"] and not p["ocr"] for p in report["passages"])
    headers = [d for d in report["dropped"] if d["reason"].startswith("running header")]
    assert [d["page"] for d in headers] == list(range(1, 13))
    human = runner.invoke(app, ["inspect", str(path)])
    assert "DROPPED  p. 1 [running header" in human.output
    assert "12 pages" in human.output


def test_the_server_serves_the_file_a_pdf_passage_came_from(index: Path) -> None:
    from fastapi.testclient import TestClient

    from parallax.server.http import create_app
    from parallax.service import Service

    first = _ask(index, "China United States relations")[0]
    service = Service(index)
    try:
        client = TestClient(create_app(service), base_url="http://127.0.0.1")
        answer = client.get(f"/api/passages/{first['passage_id']}/file")
        assert answer.status_code == 200
        assert answer.content == Path(first["document"]["path"]).read_bytes()
        assert answer.headers["content-type"] == "application/pdf"
        Path(first["document"]["path"]).unlink()
        gone = client.get(f"/api/passages/{first['passage_id']}/file")
        assert gone.status_code == 404 and "no longer there" in gone.json()["error"]
        missing = client.get("/api/passages/nosuchpassage/file")
        assert missing.status_code == 404
    finally:
        service.close()


def test_segments_written_before_pages_read_as_without_pages() -> None:
    db = sqlite3.connect(":memory:")
    db.row_factory = sqlite3.Row
    db.execute("CREATE TABLE passages (rowid INTEGER PRIMARY KEY, id TEXT, doc_rowid INTEGER,"
               " ordinal INTEGER, heading TEXT, text TEXT, context TEXT, char_start INTEGER,"
               " char_end INTEGER, line_start INTEGER, line_end INTEGER)")
    db.execute("INSERT INTO passages VALUES (1, 'p', 1, 0, NULL, 'Text.', '', 0, 5, 1, 1)")
    record = PassageRecord.from_row(db.execute("SELECT * FROM passages").fetchone())
    assert record.pages is None and record.ocr is False
    existing = {r[1] for r in db.execute("PRAGMA table_info(passages)")}
    copied = db.execute(f"SELECT {passage_columns_from(existing, 'o')} FROM passages o")
    assert tuple(copied.fetchone())[-3:] == (None, None, 0)


@pytest.fixture
def scanned_folder(tmp_path: Path) -> Path:
    if not (shutil.which("pdftoppm") and shutil.which("img2pdf")):
        pytest.skip("pdftoppm and img2pdf make the scanned PDFs (scripts/setup installs them)")
    made = tmp_path / "made"
    made.mkdir()
    source = gen.write_report(made / "report.pdf", pages=1, table_page=None)
    docs = tmp_path / "scans"
    docs.mkdir()
    gen.scanned(source, docs / "letter.pdf", pages=1)
    (docs / "note.txt").write_text("A note on tariffs and soybeans, in plain text.\n",
                                   encoding="utf-8")
    return docs


def test_without_tesseract_a_scanned_pdf_is_skipped_with_the_install_command(
        scanned_folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        fake_encoder) -> None:  # noqa: ANN001
    monkeypatch.setattr(parallax.indexing.engines.base, "load_encoder", lambda name: fake_encoder)
    monkeypatch.setattr(pdf_ocr.shutil, "which", lambda name: None)
    result = runner.invoke(app, ["index", str(scanned_folder), "--index", str(tmp_path / "i")])
    assert result.exit_code == 0, result.output
    assert "letter.pdf" in result.stderr
    assert "apt-get install tesseract-ocr" in result.stderr


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="Tesseract is not installed")
def test_with_tesseract_a_scanned_pdf_is_found_by_ask(scanned_folder: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch,
                                                      fake_encoder) -> None:  # noqa: ANN001
    monkeypatch.setattr(parallax.indexing.engines.base, "load_encoder", lambda name: fake_encoder)
    result = runner.invoke(app, ["index", str(scanned_folder), "--index", str(tmp_path / "i")])
    assert result.exit_code == 0, result.output
    assert "OCR letter.pdf: page 1 of 1" in result.stderr
    scan = corpus.load_document(scanned_folder / "letter.pdf")
    question = scan.passages[0].text[:80]
    results = _ask(tmp_path / "i", question)
    assert results[0]["document"]["path"].endswith("letter.pdf")
    assert results[0]["pages"] == [1, 1] and results[0]["ocr"] is True
