"""Pages without a text layer read by Tesseract: the page rendered by PDFium, given to the
`tesseract` program on its standard input, its words read back as TSV with their block,
paragraph and line numbers.

The program is called directly rather than through pytesseract, which does the same with
temporary files and would add a dependency (and Pillow) for no gain. Tesseract runs with one
OpenMP thread: on a shared two-core machine its default threads made a page take 25 s
instead of 7 s (measured under load 5).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

DPI = 300
INSTALL_HINT = "apt-get install tesseract-ocr"  # Debian and Ubuntu; languages: tesseract-ocr-LANG
# The exact command that makes a scanned PDF readable, named wherever one is skipped.
MISSING = f"scanned PDF (no text layer) and Tesseract is not installed: {INSTALL_HINT}"
TIMEOUT_SECONDS = 300  # a page: far above the 7 s measured, below "hung"


@dataclass(frozen=True)
class OcrOptions:
    """How pages without a text layer are read: Tesseract's languages ("eng", "eng+fra"), and
    what to tell about each page read (it takes seconds): progress(path, page, pages)."""

    languages: str = "eng"
    progress: Callable[[Path, int, int], None] | None = field(default=None, compare=False)


@dataclass
class OcrReader:
    options: OcrOptions
    program: str | None

    @classmethod
    def find(cls, options: OcrOptions) -> OcrReader:
        return cls(options, shutil.which("tesseract"))

    @property
    def available(self) -> bool:
        return self.program is not None

    def read(self, page) -> list[str]:  # noqa: ANN001 - a pypdfium2 PdfPage
        """The page's lines as Tesseract reads them; "" between its paragraphs."""
        bitmap = page.render(scale=DPI / 72, grayscale=True)
        try:
            image = _pgm(bitmap)
        finally:
            bitmap.close()
        command = [self.program, "stdin", "stdout", "-l", self.options.languages,
                   "--dpi", str(DPI), "tsv"]
        try:
            done = subprocess.run(command, input=image, capture_output=True, check=False,
                                  timeout=TIMEOUT_SECONDS,
                                  env={**os.environ, "OMP_THREAD_LIMIT": "1"})
        except (OSError, subprocess.TimeoutExpired) as error:
            raise OcrFailed(f"Tesseract failed ({error})") from None
        if done.returncode != 0:
            message = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise OcrFailed(f"Tesseract failed: {message[-1] if message else done.returncode}"
                            + _language_hint(self.options.languages, done.stderr))
        return tsv_lines(done.stdout.decode("utf-8", "replace"))


class OcrFailed(Exception):
    """Tesseract could not read a page (a language pack missing, a crash)."""


def _language_hint(languages: str, stderr: bytes) -> str:
    if b"Failed loading language" in stderr or b"Error opening data file" in stderr:
        packs = " ".join(f"tesseract-ocr-{lang}" for lang in languages.split("+"))
        return f" (install the language data: apt-get install {packs})"
    return ""


def _pgm(bitmap) -> bytes:  # noqa: ANN001 - a grayscale pypdfium2 PdfBitmap
    """The bitmap as a binary PGM image, which Tesseract reads from standard input."""
    buffer = bytes(bitmap.buffer)
    width, stride = bitmap.width, bitmap.stride
    rows = b"".join(buffer[i * stride:i * stride + width] for i in range(bitmap.height))
    return b"P5\n%d %d\n255\n" % (width, bitmap.height) + rows


def tsv_lines(tsv: str) -> list[str]:
    """Lines of words from Tesseract's TSV, "" where a new block or paragraph starts."""
    lines: list[str] = []
    current: tuple[str, str, str] | None = None
    paragraph: tuple[str, str] | None = None
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) < 12 or cells[0] != "5" or not cells[11].strip():
            continue
        key = (cells[2], cells[3], cells[4])  # block, paragraph, line
        if key != current:
            if paragraph is not None and key[:2] != paragraph:
                lines.append("")
            lines.append(cells[11].strip())
            current, paragraph = key, key[:2]
        else:
            lines[-1] += " " + cells[11].strip()
    return lines
