"""Pages of a PDF, one at a time, with pypdfium2 (PDFium: Apache-2.0/BSD-3, like the project's
MIT compatible): each page's lines in reading order (pdf_layout), or, for a page with no text
layer, its lines read by Tesseract (pdf_ocr) when it is installed.

Pages are streamed: a page is loaded, read and closed before the next, so memory holds one
page's objects plus the text read so far, whatever the page count (benchmarks/
bench_pdf_extraction.py measured pypdfium2 against pypdf and pdfplumber; README "Formats").
corpus.pdf_text turns the pages into the document's text.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..errors import UnreadableDocument
from .pdf_layout import Run, reading_order
from .pdf_ocr import OcrFailed, OcrOptions, OcrReader

# A page with fewer characters than this in its text layer, and an image, is a scan (a few
# stray characters, such as a page number stamped on a scan, do not make it text).
MIN_TEXT_CHARS = 20
PDFIUM_PASSWORD_ERROR = 4  # FPDF_ERR_PASSWORD


@dataclass(frozen=True)
class PdfPage:
    number: int  # 1-based
    lines: list[str]  # reading order; "" between paragraphs
    ocr: bool = False  # the lines were read by OCR
    scanned_unread: bool = False  # no text layer, an image, and no OCR to read it


def pdf_pages(raw: bytes, path: Path, ocr: OcrOptions | None = None) -> Iterator[PdfPage]:
    """Every page of the PDF in `raw`, in order.

    Raises UnreadableDocument for a damaged or password-protected file. A page with no text
    layer but an image is read by OCR when Tesseract is installed; otherwise it is yielded
    empty with `scanned_unread` set, for the caller to report.
    """
    import pypdfium2 as pdfium  # lazy: importing corpus must stay light

    try:
        document = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as exc:
        if getattr(exc, "err_code", None) == PDFIUM_PASSWORD_ERROR:
            raise UnreadableDocument(path, "encrypted PDF; save an unlocked copy to index it"
                                     ) from None
        raise UnreadableDocument(path, f"corrupt or unreadable PDF ({exc})") from None
    try:
        total = len(document)
        reader = None
        for index in range(total):
            try:
                page = document[index]
            except pdfium.PdfiumError as exc:
                raise UnreadableDocument(path, f"corrupt or unreadable PDF (page {index + 1}:"
                                               f" {exc})") from None
            try:
                runs, chars = _runs(page)
                if chars >= MIN_TEXT_CHARS or not _has_image(page):
                    yield PdfPage(index + 1, reading_order(runs))
                    continue
                if reader is None:
                    reader = OcrReader.find(ocr or OcrOptions())
                if not reader.available:
                    yield PdfPage(index + 1, reading_order(runs), scanned_unread=True)
                    continue
                if reader.options.progress is not None:
                    reader.options.progress(path, index + 1, total)
                try:
                    lines = reader.read(page)
                except OcrFailed as exc:
                    raise UnreadableDocument(path, f"page {index + 1}: {exc}") from None
                yield PdfPage(index + 1, lines, ocr=True)
            finally:
                page.close()
    finally:
        document.close()


def _runs(page) -> tuple[list[Run], int]:  # noqa: ANN001 - a pypdfium2 PdfPage
    """The page's text runs (PDFium's rectangles: text on one line, drawn together) and its
    count of characters."""
    textpage = page.get_textpage()
    try:
        chars = textpage.count_chars()
        if chars <= 0:
            return [], 0
        boxes = [textpage.get_rect(i) for i in range(textpage.count_rects())]
        texts = _rect_texts(textpage, boxes, chars)
        return [Run(*box, text) for box, text in zip(boxes, texts, strict=True)], chars
    finally:
        textpage.close()


def _rect_texts(textpage, boxes: list[tuple[float, float, float, float]],  # noqa: ANN001
                chars: int) -> list[str]:
    """The text of each rectangle. PDFium makes rectangles of consecutive characters, so the
    page's text is cut where each one starts (the character at its left edge): one pass over
    the page instead of one per rectangle (measured 4 times faster). A page where that does
    not hold (starts out of order, a character not found) is read rectangle by rectangle."""
    text = textpage.get_text_range()
    starts = [textpage.get_index(left + 1, (bottom + top) / 2, 1, 1)
              for left, bottom, right, top in boxes]
    if len(text) == chars and starts and None not in starts and starts[0] >= 0 and all(
            a < b for a, b in zip(starts, starts[1:], strict=False)):
        ends = [*starts[1:], len(text)]
        return [text[a:b].replace("\r\n", " ") for a, b in zip(starts, ends, strict=True)]
    return [textpage.get_text_bounded(*box).replace("\r\n", " ") for box in boxes]


def _has_image(page) -> bool:  # noqa: ANN001
    import pypdfium2.raw as pdfium_c

    return next(iter(page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE], max_depth=2)),
                None) is not None
