"""PDF text extraction, measured on generated PDFs whose true text is known
(benchmarks/pdf_corpus.py): per-page time and word F1 of each library tried, OCR on the
scanned pages, and the cost of a 500-page PDF (peak memory of extraction at 100 and 500 pages;
extraction time against the time `index` spends embedding it).

    PYTHONPATH=. .venv/bin/python benchmarks/bench_pdf_extraction.py [--pages 500] [--no-embed]

Libraries: "parallax" is what `index` does (pypdfium2 runs with their positions, reading order
by geometry, headers/footers/page numbers dropped, hyphens and ligatures mended, pdf_text);
the others are each library's own plain text extraction, as a user of it would get (pdfplumber
is not a dependency: `pip install pdfplumber` to include it):
pypdf `extract_text`, pdfplumber `extract_text`, pypdfium2 `get_text_range`. F1 counts every
word they return, so a running header or a page number left in costs precision, a word broken
by a hyphen costs both, and words read out of order do not (F1 is a bag of words; reading
order is checked by tests/corpus/test_pdf.py and reported here as "passages in order").
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import pdf_corpus as gen  # noqa: E402


def _parallax(path: Path) -> list[str]:
    from corpus.reading import read_pdf

    pages, _ = read_pdf(path.read_bytes(), path)
    lines = pages.text.split("\n")
    body = [line for i, line in enumerate(lines, start=1) if i not in pages.dropped]
    return ["\n".join(body)]


def _pypdf(path: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(path).pages]


def _pdfplumber(path: Path) -> list[str]:
    import pdfplumber

    with pdfplumber.open(path) as pdf:
        return [page.extract_text() or "" for page in pdf.pages]


def _pdfium(path: Path) -> list[str]:
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(path)
    try:
        return [pdf[i].get_textpage().get_text_range() for i in range(len(pdf))]
    finally:
        pdf.close()


LIBRARIES = {"parallax (pypdfium2 + layout)": _parallax, "pypdf": _pypdf,
             "pdfplumber": _pdfplumber, "pypdfium2 get_text_range": _pdfium}


def extraction_table(docs: dict[str, gen.TruthDocument], repeat: int = 3) -> list[dict]:
    rows = []
    for library, extract in LIBRARIES.items():
        try:
            extract(docs["report"].path)
        except ImportError as error:  # pdfplumber is not a dependency: pip install it to compare
            rows.append({"library": library, "skipped": str(error)})
            continue
        for name in ("report", "journal"):
            truth = docs[name]
            times = []
            for _ in range(repeat):
                start = time.perf_counter()
                text = "\n".join(extract(truth.path))
                times.append(time.perf_counter() - start)
            rows.append({"library": library, "document": name, "pages": len(truth.pages),
                         "ms_per_page": round(1000 * min(times) / len(truth.pages), 2),
                         "word_f1": round(gen.word_f1(text, truth.words), 4)})
    return rows


def passages_in_order(docs: dict[str, gen.TruthDocument]) -> dict[str, str]:
    import corpus

    out = {}
    for name in ("report", "journal"):
        doc = corpus.load_document(docs[name].path)
        order = sum(1 for p in doc.passages if docs[name].locate(p.text))
        pages = sum(1 for p in doc.passages if p.pages in docs[name].locate(p.text))
        out[name] = (f"{order}/{len(doc.passages)} passages in reading order, "
                     f"{pages}/{len(doc.passages)} on their true pages")
    return out


def ocr_row(docs: dict[str, gen.TruthDocument]) -> dict | None:
    if "report-scan" not in docs or shutil.which("tesseract") is None:
        return None
    import corpus

    truth = docs["report-scan"]
    start = time.perf_counter()
    doc = corpus.load_document(truth.path)
    elapsed = time.perf_counter() - start
    text = " ".join(p.text for p in doc.passages)
    located = [p for p in doc.passages if truth.locate(p.text)]
    right = sum(p.pages in truth.locate(p.text) for p in located)
    return {"document": "report, pages 1-3 scanned at 200 dpi", "pages": len(truth.pages),
            "s_per_page": round(elapsed / len(truth.pages), 2),
            "word_f1": round(gen.word_f1(text, truth.words), 4),
            "passages_located_on_true_pages": f"{right}/{len(located)} (of {len(doc.passages)}"
                                              " found word for word)"}


# Peak resident memory of the extraction alone: the kernel's high-water mark (VmHWM) is
# reset just before it (clear_refs 5); ru_maxrss would carry the forking parent's peak.
_MEMORY_CHILD = """
import sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
from corpus.reading import read_pdf
import pypdfium2
def status(key):
    line = next(l for l in open("/proc/self/status") if l.startswith(key))
    return int(line.split()[1])
path = Path({path!r})
raw = path.read_bytes()
with open("/proc/self/clear_refs", "w") as handle:
    handle.write("5")
before = status("VmRSS")
start = time.perf_counter()
if {stream_only!r}:  # the pages read one by one and let go: what PDFium itself keeps
    from corpus.formats.pdf import pdf_pages
    count = chars = 0
    for page in pdf_pages(raw, path):
        count, chars = count + 1, chars + sum(map(len, page.lines))
else:
    pages, _ = read_pdf(raw, path)
    count, chars = len(pages.page_starts), len(pages.text)
elapsed = time.perf_counter() - start
after = status("VmHWM")
print(before, after, elapsed, chars, count)
"""


def memory_row(path: Path, stream_only: bool = False) -> dict:
    """Resident memory of a fresh process before extracting `path`, and its peak during;
    with `stream_only`, of reading its pages without keeping their text."""
    code = _MEMORY_CHILD.format(root=str(ROOT), path=str(path), stream_only=stream_only)
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True,
                         text=True).stdout.split()
    before, after, elapsed, chars, pages = int(out[0]), int(out[1]), float(out[2]), \
        int(out[3]), int(out[4])
    return {"pages": pages, "kept": "nothing" if stream_only else "the text",
            "file_MB": round(path.stat().st_size / 1e6, 2),
            "text_MB": round(chars / 1e6, 2), "rss_before_MB": round(before / 1024, 1),
            "peak_rss_during_MB": round(after / 1024, 1),
            "growth_MB": round((after - before) / 1024, 1),
            "extraction_s": round(elapsed, 2), "ms_per_page": round(1000 * elapsed / pages, 2)}


def embedding_row(path: Path, extraction_s: float) -> dict:
    """Index `path` alone with the default model (loaded before the clock starts): the time
    beyond extraction is embedding and writing."""
    from embed import load_encoder
    from parallax.indexing import build_index

    encoder = load_encoder()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "docs"
        folder.mkdir()
        os.link(path, folder / path.name) if _same_fs(path, folder) else shutil.copy(path, folder)
        start = time.perf_counter()
        report = build_index([folder], Path(tmp) / "index",
                             encoder_loader=lambda name: encoder)
        total = time.perf_counter() - start
    rest = total - extraction_s
    return {"passages": report.counts.get("passages"), "windows": report.embedded_windows,
            "index_s": round(total, 1), "extraction_s": round(extraction_s, 2),
            "embedding_and_writing_s": round(rest, 1),
            "extraction_share_of_embedding": f"{100 * extraction_s / rest:.1f} %"}


def _same_fs(a: Path, b: Path) -> bool:
    return a.stat().st_dev == b.stat().st_dev


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", type=int, default=500, help="pages of the long PDF")
    parser.add_argument("--no-embed", action="store_true", help="skip the embedding run")
    args = parser.parse_args()
    with open("/proc/loadavg") as handle:
        load = handle.read().split()[:3]
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        docs = gen.make_corpus(folder, long_pages=args.pages,
                               scans=bool(shutil.which("pdftoppm") and shutil.which("img2pdf")))
        short = gen.write_report(folder / "long100.pdf", pages=100, seed=5, table_page=None,
                                 footer="{n}", header="Collected Statements, 2005-2025")
        result = {"load_before": load, "cpu": _cpu(),
                  "extraction": extraction_table(docs),
                  "parallax_order_and_pages": passages_in_order(docs),
                  "ocr": ocr_row(docs),
                  "memory": [memory_row(short.path), memory_row(docs["long"].path),
                             memory_row(short.path, True), memory_row(docs["long"].path, True)]}
        if not args.no_embed:
            result["embedding"] = embedding_row(docs["long"].path,
                                                result["memory"][1]["extraction_s"])
    with open("/proc/loadavg") as handle:
        result["load_after"] = handle.read().split()[:3]
    print(json.dumps(result, indent=2, ensure_ascii=False))


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return f"{line.split(':', 1)[1].strip()}, {os.cpu_count()} cores"
    except OSError:
        pass
    return f"{os.cpu_count()} cores"


if __name__ == "__main__":
    main()
