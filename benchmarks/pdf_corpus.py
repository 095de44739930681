"""PDFs whose true text is known, made here (never downloaded): the test corpus of issue 24.

Each document is drawn with reportlab from sentences of the sample corpus
(../shared/corpus/china-us), so its text reads like the statements users search, and the
generator records what a perfect extractor returns: the body words of every page, in reading
order, without running headers, footers or page numbers, with words hyphenated at a line end
whole again and ligatures as plain letters.

- `report`: one column, a running header and "Page N of M" footer, words hyphenated at line
  ends, "fi"/"fl" drawn as ligature glyphs (U+FB01, U+FB02), a table on page 3.
- `journal`: two columns whose lines are drawn row by row, left and right interleaved in
  the content stream (as some typesetters write them), so reading order must come from
  geometry; a full-width title on page 1; a bare page number as footer.
- `long`: many pages of one column (500 for the memory and cost benchmark).
- `scanned(...)`: any of them rasterised with `pdftoppm` and wrapped with `img2pdf`: pages
  with no text layer.
- broken, encrypted and empty PDFs.

Used by tests/corpus/test_pdf.py (and tests/parallax/test_pdf_pages.py) and by
benchmarks/bench_pdf_extraction.py.
"""

from __future__ import annotations

import random
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus" / "china-us"
FONT_FILES = ("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf",
              "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
PAGE_W, PAGE_H = 612.0, 792.0  # US Letter, points
MARGIN = 72.0
BODY_SIZE, LEADING, PARAGRAPH_GAP = 10.5, 14.0, 9.0
HEADER_Y, FOOTER_Y = PAGE_H - 44, 40.0
GUTTER = 20.0
LIGATURES = {"fi": "\ufb01", "fl": "\ufb02"}


@dataclass
class TruthPage:
    number: int  # 1-based
    words: list[str] = field(default_factory=list)  # body words in reading order


@dataclass
class TruthDocument:
    """What a perfect extractor reads from a generated PDF."""

    path: Path
    pages: list[TruthPage]
    header: str | None = None
    columns: int = 1

    @property
    def words(self) -> list[str]:
        return [w for page in self.pages for w in page.words]

    def tokens_with_pages(self) -> list[tuple[str, int]]:
        return [(norm, page.number) for page in self.pages for w in page.words
                if (norm := normalise_word(w))]

    def locate(self, text: str) -> set[tuple[int, int]]:
        """The true first and last page of each place where `text` is a run of consecutive
        words of the document in reading order (a short sentence may be in several places);
        empty if there is none (wrong order, a word missing, a header left in)."""
        stream = self.tokens_with_pages()
        full = " " + " ".join(t for t, _ in stream) + " "
        wanted = tokens(text)
        needle = " " + " ".join(wanted) + " "
        found: set[tuple[int, int]] = set()
        at = full.find(needle)
        while wanted and at >= 0:
            first = full[:at + 1].count(" ") - 1
            found.add((stream[first][1], stream[first + len(wanted) - 1][1]))
            at = full.find(needle, at + 1)
        return found


def normalise_word(word: str) -> str:
    """A word as compared: lower case, letters and digits only."""
    return re.sub(r"[^\w]", "", word.lower())


def tokens(text: str) -> list[str]:
    return [t for w in text.split() if (t := normalise_word(w))]


def word_f1(extracted: str, truth: list[str]) -> float:
    """Bag-of-words F1 of an extracted text against the true words (case and punctuation
    ignored): what is missing and what is extra (headers, page numbers, split words) both
    count."""
    from collections import Counter

    got, want = Counter(tokens(extracted)), Counter(t for w in truth if (t := normalise_word(w)))
    common = sum((got & want).values())
    if not common:
        return 0.0
    precision, recall = common / sum(got.values()), common / sum(want.values())
    return 2 * precision * recall / (precision + recall)


def sentences(seed: int = 0) -> list[str]:
    """Prose sentences of the sample corpus (40-260 characters), shuffled by `seed`."""
    found: list[str] = []
    for file in sorted(SAMPLE.glob("*.txt")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if len(line) < 200:
                continue
            for sentence in re.split(r"(?<=[.!?])\s+(?=[A-Z“\"])", line.strip()):
                if 40 <= len(sentence) <= 260 and sentence[-1] in ".!?":
                    found.append(sentence)
    random.Random(seed).shuffle(found)
    return found


class _Fonts:
    def __init__(self) -> None:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.ttfonts import TTFont

        self.body, self.ligatures = "Helvetica", False
        for file in FONT_FILES:
            if Path(file).exists():
                pdfmetrics.registerFont(TTFont("Body", file))
                self.body, self.ligatures = "Body", True
                break
        self.width = lambda text, size=BODY_SIZE: pdfmetrics.stringWidth(text, self.body, size)


def _wrap(words: list[str], width: float, fonts: _Fonts) -> list[tuple[str, list[str]]]:
    """Lines of at most `width` points: (drawn text, the true words it ends or holds).

    A word that does not fit is hyphenated when it is long and alphabetic: its head ends the
    line with "-", its tail starts the next; the true word is counted on the line it starts.
    """
    lines: list[tuple[str, list[str]]] = []
    drawn: list[str] = []
    truth: list[str] = []
    for word in words:
        if not drawn or fonts.width(" ".join([*drawn, word])) <= width:
            drawn.append(word)
            truth.append(word)
            continue
        head = _hyphen_head(word, drawn, width, fonts)
        if head:
            drawn.append(head + "-")
            truth.append(word)
            lines.append((" ".join(drawn), truth))
            drawn, truth = [word[len(head):]], []
        else:
            lines.append((" ".join(drawn), truth))
            drawn, truth = [word], [word]
    if drawn:
        lines.append((" ".join(drawn), truth))
    return lines


def _hyphen_head(word: str, drawn: list[str], width: float, fonts: _Fonts) -> str:
    if len(word) < 8 or not word.isalpha() or not word.islower():
        return ""
    for cut in range(len(word) - 3, 3, -1):
        if fonts.width(" ".join([*drawn, word[:cut] + "-"])) <= width:
            return word[:cut]
    return ""


def _draw_text(canvas, x: float, y: float, text: str, fonts: _Fonts, size: float = BODY_SIZE,
               ligatures: bool = False) -> None:
    if ligatures and fonts.ligatures:
        for plain, glyph in LIGATURES.items():
            text = text.replace(plain, glyph)
    canvas.setFont(fonts.body, size)
    canvas.drawString(x, y, text)


def _paragraphs(source: list[str], start: int, count: int, rng: random.Random) -> list[str]:
    out, i = [], start
    for _ in range(count):
        n = rng.randint(2, 5)
        out.append(" ".join(source[(i + k) % len(source)] for k in range(n)))
        i += n
    return out


def write_report(path: Path, pages: int = 12, seed: int = 1, table_page: int | None = 3,
                 footer: str = "Page {n} of {total}",
                 header: str = "Annual Review of China and United States Relations"
                 ) -> TruthDocument:
    """One column of prose with a running header and footer, hyphenation and ligatures."""
    from reportlab.pdfgen.canvas import Canvas

    fonts, rng, source = _Fonts(), random.Random(seed), sentences(seed)
    canvas = Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=1)
    truth = TruthDocument(path, [], header=header)
    width = PAGE_W - 2 * MARGIN
    queue = [_wrap(p.split(), width, fonts) for p in _paragraphs(source, 0, pages * 8, rng)]
    for number in range(1, pages + 1):
        page = TruthPage(number)
        _draw_text(canvas, MARGIN, HEADER_Y, header, fonts, 9)
        _draw_text(canvas, PAGE_W / 2 - 30, FOOTER_Y, footer.format(n=number, total=pages),
                   fonts, 9)
        y = PAGE_H - MARGIN - 10
        if number == table_page:
            y = _draw_table(canvas, y, fonts, page)
        for line_y, text in _fill(queue, y, page):
            _draw_text(canvas, MARGIN, line_y, text, fonts, ligatures=True)
        truth.pages.append(page)
        canvas.showPage()
    canvas.save()
    return truth


def _fill(queue: list[list[tuple[str, list[str]]]], y: float,
          page: TruthPage) -> list[tuple[float, str]]:
    """Lines of the queued paragraphs placed from `y` down to the bottom margin; a paragraph
    that does not fit goes on where the next call starts (a word hyphenated across the break
    counts on the page it starts)."""
    placed: list[tuple[float, str]] = []
    while queue and y > MARGIN + LEADING:
        lines = queue[0]
        room = int((y - MARGIN) // LEADING)
        for text, words in lines[:room]:
            placed.append((y, text))
            page.words += words
            y -= LEADING
        if room < len(lines):
            queue[0] = lines[room:]
            break
        queue.pop(0)
        y -= PARAGRAPH_GAP
    return placed


TABLE = [["Year", "Exports", "Imports", "Balance"],
         ["2019", "106.4", "452.2", "-345.8"],
         ["2020", "124.5", "435.4", "-310.9"],
         ["2021", "151.1", "504.9", "-353.8"],
         ["2022", "153.8", "536.3", "-382.5"]]


def _draw_table(canvas, y: float, fonts: _Fonts, page: TruthPage) -> float:
    for row in TABLE:
        for col, cell in enumerate(row):
            _draw_text(canvas, MARGIN + 110 * col, y, cell, fonts)
        page.words += row
        y -= LEADING
    return y - PARAGRAPH_GAP


def write_journal(path: Path, pages: int = 6, seed: int = 2,
                  header: str = "Journal of Official Statements, Volume 3") -> TruthDocument:
    """Two columns, their lines drawn left and right interleaved; a bare page number."""
    from reportlab.pdfgen.canvas import Canvas

    fonts, rng, source = _Fonts(), random.Random(seed), sentences(seed)
    canvas = Canvas(str(path), pagesize=(PAGE_W, PAGE_H), invariant=1)
    truth = TruthDocument(path, [], header=header, columns=2)
    col_w = (PAGE_W - 2 * MARGIN - GUTTER) / 2
    queue = [_wrap(p.split(), col_w, fonts) for p in _paragraphs(source, 0, pages * 10, rng)]
    title = "How Two Governments Describe the Same Events"
    for number in range(1, pages + 1):
        page = TruthPage(number)
        _draw_text(canvas, MARGIN, HEADER_Y, header, fonts, 9)
        _draw_text(canvas, PAGE_W / 2, FOOTER_Y, str(number), fonts, 9)
        top = PAGE_H - MARGIN - 10
        if number == 1:
            _draw_text(canvas, MARGIN, top, title, fonts, 16)
            page.words += title.split()
            top -= 36
        columns = [_fill(queue, top, page) for _ in range(2)]
        # Row by row: the content stream alternates columns, unlike the reading order.
        for row in range(max(len(c) for c in columns)):
            for col, placed in enumerate(columns):
                if row < len(placed):
                    y, text = placed[row]
                    _draw_text(canvas, MARGIN + col * (col_w + GUTTER), y, text, fonts)
        truth.pages.append(page)
        canvas.showPage()
    canvas.save()
    return truth


def scanned(source: TruthDocument, path: Path, dpi: int = 200,
            pages: int | None = None) -> TruthDocument:
    """`source`'s first `pages` pages as images only (pdftoppm, img2pdf): no text layer."""
    for tool in ("pdftoppm", "img2pdf"):
        if shutil.which(tool) is None:
            raise RuntimeError(f"{tool} is needed to make scanned PDFs "
                               "(apt-get install poppler-utils img2pdf)")
    last = pages or len(source.pages)
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", "-l", str(last),
                        str(source.path), f"{tmp}/page"], check=True)
        images = sorted(Path(tmp).glob("page-*.png"))
        subprocess.run(["img2pdf", "-o", str(path), *map(str, images)], check=True)
    return TruthDocument(path, source.pages[:last], source.header, source.columns)


def write_broken(path: Path) -> None:
    path.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\nthis file was cut off")


def write_encrypted(path: Path, source: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-128")
    with path.open("wb") as handle:
        writer.write(handle)


def write_empty(path: Path) -> None:
    """A valid PDF of one blank page: no text, no image."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=PAGE_W, height=PAGE_H)
    with path.open("wb") as handle:
        writer.write(handle)


def make_corpus(folder: Path, long_pages: int = 0, scans: bool = True) -> dict[str, TruthDocument]:
    """The generated corpus in `folder`; `long_pages` > 0 adds long.pdf of that many pages."""
    folder.mkdir(parents=True, exist_ok=True)
    docs = {"report": write_report(folder / "report.pdf"),
            "journal": write_journal(folder / "journal.pdf")}
    if long_pages:
        docs["long"] = write_report(folder / "long.pdf", pages=long_pages, seed=5,
                                    table_page=None, footer="{n}",
                                    header="Collected Statements, 2005-2025")
    if scans:
        docs["report-scan"] = scanned(docs["report"], folder / "report-scan.pdf", pages=3)
    return docs
