"""PDFs as people have them (issue 24), on PDFs generated with their true text
(benchmarks/pdf_corpus.py): every passage on the pages it says, the text without running
headers, footers and page numbers, words broken at line ends whole, two columns read one
after the other, scanned pages read by Tesseract or named as skipped with the command that
installs it, and broken, encrypted and empty files refused with a reason."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

import corpus
from benchmarks import pdf_corpus as gen
from corpus import UnreadableDocument, load_document
from corpus.formats import pdf_ocr
from corpus.pdf_text import PAGE_NUMBER, RUNNING_FOOTER, RUNNING_HEADER, Page, page_text

pytest.importorskip("reportlab")
needs_scanning = pytest.mark.skipif(
    not (shutil.which("pdftoppm") and shutil.which("img2pdf")),
    reason="pdftoppm and img2pdf make the scanned PDFs (scripts/setup installs them)")
needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="Tesseract is not installed (scripts/setup)")


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, gen.TruthDocument]:
    folder = tmp_path_factory.mktemp("pdfs")
    return {"report": gen.write_report(folder / "report.pdf"),
            "journal": gen.write_journal(folder / "journal.pdf")}


@pytest.mark.parametrize("name", ["report", "journal"])
def test_every_passage_is_on_the_pages_it_says(made, name: str) -> None:
    truth = made[name]
    doc = load_document(truth.path)
    assert doc.passages
    for passage in doc.passages:
        assert passage.pages in truth.locate(passage.text), passage.text[:80]
    assert any(p.pages[0] < p.pages[1] for p in doc.passages)  # one goes over a page break
    assert len(doc.page_starts) == len(truth.pages)


@pytest.mark.parametrize("name", ["report", "journal"])
def test_the_text_is_the_true_text_without_headers_footers_or_page_numbers(made,
                                                                           name: str) -> None:
    truth = made[name]
    doc = load_document(truth.path)
    passages = " ".join(p.text for p in doc.passages)
    headings = " ".join(h.text for h in doc.headings)
    assert gen.word_f1(passages + " " + headings, truth.words) >= 0.98
    assert truth.header not in passages
    reasons = {(d.page, d.reason) for d in doc.dropped}
    for page in truth.pages:  # each page's header and number dropped, with its page
        assert (page.number, RUNNING_HEADER) in reasons
        assert (page.number, PAGE_NUMBER) in reasons


def test_two_columns_are_read_one_after_the_other(made) -> None:
    # The journal's lines are drawn left, right, left, right...: geometry alone gives the
    # order. Every passage's words are a run of the true text, so its sentences come from
    # one column, in order.
    truth = made["journal"]
    doc = load_document(truth.path)
    assert len(doc.passages) > 20
    for passage in doc.passages:
        assert truth.locate(passage.text), passage.text[:120]


def test_words_hyphenated_at_a_line_end_are_whole_and_ligatures_are_letters(made) -> None:
    truth = made["report"]
    doc = load_document(truth.path)
    assert "\ufb01" not in doc.text and "\ufb02" not in doc.text
    text = " ".join(p.text for p in doc.passages)
    broken = [w for w in text.split() if w.endswith("-")]
    assert broken == []
    assert "financial" in text or "conflicts" in text  # drawn with the "ﬁ"/"ﬂ" glyphs


def test_chars_point_into_the_extracted_text(made) -> None:
    doc = load_document(made["report"].path)
    for passage in doc.passages:
        span = doc.text[passage.char_start:passage.char_end]
        assert passage.text.split()[0] in span and passage.text.split()[-1] in span


def test_bare_page_numbers_and_repeated_edge_lines_are_furniture() -> None:
    pages = [Page(n, [f"Ministry Report — {n}", "", f"Body text of page {n} goes on.",
                      f"- {n} -" if n % 2 else f"Page {n} of 4"]) for n in range(1, 5)]
    pages.append(Page(5, ["Only once at the top", "Body ends here.", "v"]))
    result = page_text(pages)
    lines = result.text.split("\n")
    dropped = {lines[i - 1]: why for i, why in result.dropped.items()}
    assert dropped["Ministry Report — 3"] == RUNNING_HEADER
    assert dropped["- 3 -"] == PAGE_NUMBER and dropped["Page 4 of 4"] == PAGE_NUMBER
    assert dropped["v"] == PAGE_NUMBER
    assert "Only once at the top" not in dropped  # one page is not a running header
    assert result.page_at(result.text.index("page 3 goes")) == 3


def test_a_footer_that_repeats_is_dropped_as_a_footer() -> None:
    pages = [Page(n, [text, "Confidential draft"])
             for n, text in enumerate(["We met.", "They spoke.", "All agreed."], start=1)]
    result = page_text(pages)
    assert set(result.dropped.values()) == {RUNNING_FOOTER}


def test_a_compound_the_document_writes_keeps_its_hyphen() -> None:
    pages = [Page(1, ["We want a long-term partnership and a new inter-",
                      "national order, with a long-",
                      "term view."])]
    text = page_text(pages).text
    assert "international\norder" in text and "long-term\nview." in text
    assert "inter-" not in text


def test_a_word_broken_over_a_page_break_is_joined_on_its_first_page() -> None:
    pages = [Page(1, ["Header", "The talks were held in a construc-", "1"]),
             Page(2, ["Header", "tive atmosphere on both sides.", "2"])]
    result = page_text(pages)
    assert "constructive" in result.text
    assert result.page_at(result.text.index("constructive")) == 1


def test_broken_encrypted_and_empty_pdfs_are_refused_with_a_reason(tmp_path: Path,
                                                                     made) -> None:
    gen.write_broken(tmp_path / "broken.pdf")
    gen.write_encrypted(tmp_path / "locked.pdf", made["report"].path)
    gen.write_empty(tmp_path / "empty.pdf")
    for name, reason in [("broken.pdf", "corrupt or unreadable PDF"),
                         ("locked.pdf", "encrypted PDF; save an unlocked copy"),
                         ("empty.pdf", "no extractable text")]:
        with pytest.raises(UnreadableDocument, match=reason):
            load_document(tmp_path / name)


def test_other_formats_have_no_pages(tmp_path: Path) -> None:
    (tmp_path / "note.txt").write_text("A plain paragraph of text.\n", encoding="utf-8")
    doc = load_document(tmp_path / "note.txt")
    assert doc.passages[0].pages is None and doc.page_starts == ()
    assert all(d.page is None for d in doc.dropped)


@pytest.fixture(scope="module")
def scan(made, tmp_path_factory: pytest.TempPathFactory) -> gen.TruthDocument:
    if not (shutil.which("pdftoppm") and shutil.which("img2pdf")):
        pytest.skip("pdftoppm and img2pdf make the scanned PDFs (scripts/setup installs them)")
    return gen.scanned(made["report"], tmp_path_factory.mktemp("scan") / "scan.pdf", pages=1)


def test_a_scanned_pdf_without_tesseract_is_refused_with_the_install_command(
        scan, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_ocr.shutil, "which", lambda name: None)
    with pytest.raises(UnreadableDocument) as caught:
        load_document(scan.path)
    assert "scanned PDF" in caught.value.reason
    assert "apt-get install tesseract-ocr" in caught.value.reason


@needs_tesseract
def test_a_scanned_page_is_read_by_ocr_and_marked_so(scan) -> None:
    seen: list[tuple[int, int]] = []
    options = corpus.OcrOptions(progress=lambda path, page, pages: seen.append((page, pages)))
    doc = load_document(scan.path, ocr=options)
    assert seen == [(1, 1)]
    assert doc.ocr_pages == frozenset({1}) and all(p.ocr for p in doc.passages)
    assert all(p.pages == (1, 1) for p in doc.passages)
    assert gen.word_f1(" ".join(p.text for p in doc.passages), scan.words) >= 0.90
    assert (1, PAGE_NUMBER) in {(d.page, d.reason) for d in doc.dropped}


@needs_tesseract
def test_a_missing_language_pack_is_named(scan) -> None:
    with pytest.raises(UnreadableDocument, match="tesseract-ocr-xyz"):
        load_document(scan.path, ocr=corpus.OcrOptions(languages="xyz"))


@needs_tesseract
@needs_scanning
@pytest.mark.slow
def test_scanned_pages_read_as_the_truth(made, tmp_path: Path) -> None:
    """Three scanned pages of the report: each passage on its page, word F1 >= 0.90."""
    truth = gen.scanned(made["report"], tmp_path / "scan3.pdf", pages=3)
    doc = load_document(truth.path)
    text = " ".join(p.text for p in doc.passages)
    assert gen.word_f1(text, truth.words) >= 0.90
    located = [p for p in doc.passages if truth.locate(p.text)]
    assert all(p.pages in truth.locate(p.text) for p in located)
