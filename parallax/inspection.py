"""`inspect`: what a file yields, so a user can see and trust the cleaning."""

from __future__ import annotations

import os
import shlex
from dataclasses import replace
from pathlib import Path

import corpus
from corpus.discover import named_file_path
from corpus.reading import read_bytes
from corpus.types import ParsedDocument
from parallax.errors import FileMissing

# `inspect` shows a file on screen: past this size the listing is unreadable anyway, and the
# cap bounds the memory a mistaken argument (a disk image, a log) can take. `index` has none.
INSPECT_MAX_BYTES = 64_000_000


def inspect_file(path: Path, max_bytes: int | None = None,
                 ocr: corpus.OcrOptions | None = None) -> ParsedDocument:
    """Parse one file as `index` would, with its row from the nearest metadata.csv in its
    folder or any folder above (index stops at the folder it was given).

    The document is known by the path `index` would store for the file named on its own (a
    link by its own name, see corpus.discover.named_file_path). Only a regular file of at most
    `max_bytes` (default INSPECT_MAX_BYTES) is read: a FIFO, a device, a dangling link or a
    link loop is an UnreadableDocument naming the file and the reason, never a hang or a
    traceback. A missing file is a FileMissing (not found), with a hint to find it.
    Problems of the metadata.csv files read for it are added to its `warnings`.
    A scanned PDF is read by OCR as `ocr` says, as `index` would.
    """
    if not os.path.lexists(path):  # a dangling link exists: read_bytes names it as such
        raise FileMissing(f"{path}: no such file", _where_to_look(path))
    try:
        path = named_file_path(path)
    except (OSError, RuntimeError) as error:  # a loop of links among the folders above it
        raise corpus.UnreadableDocument(path, "a folder in its path is a symbolic link "
                                              "loop") from error
    if path.is_dir():
        error = corpus.UnreadableDocument(path, "is a folder, not a file")
        error.hint = ("inspect reads one file; to index the folder, run: parallax index "
                      + shlex.quote(str(path)))
        raise error
    raw = read_bytes(path, max_bytes=max_bytes or INSPECT_MAX_BYTES)
    catalog = corpus.MetadataCatalog([Path(path.anchor)])
    doc = corpus.load_document(path, catalog.get(path), raw=raw, ocr=ocr)
    if not catalog.problems:
        return doc
    return replace(doc, warnings=(*doc.warnings, *(str(p) for p in catalog.problems)))


def _where_to_look(path: Path) -> str:
    folder = Path(os.path.abspath(path)).parent
    if folder.is_dir():
        return f"Check the file's name; to see what its folder holds: ls {shlex.quote(str(folder))}"
    relative = "" if path.is_absolute() else f" (a relative path starts at {Path.cwd()})"
    return f"Check the path: its folder {folder} does not exist either{relative}."
