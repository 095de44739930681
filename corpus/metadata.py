"""Per-document metadata from metadata.csv files (header: file,title,date,author,publisher).

`file` is relative to the folder holding the metadata.csv. Other columns are kept in
`Metadata.extra`. Empty cells are None. A file is governed by the nearest metadata.csv that
has a row for it, looking in its own folder, then each parent folder up to the indexed root.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .dates import is_iso_date_prefix
from .decoding import decode_bytes
from .discover import METADATA_FILENAME
from .errors import MetadataError, UnreadableDocument
from .types import Metadata

KNOWN_COLUMNS = ("file", "title", "date", "author", "publisher")


@dataclass(frozen=True)
class MetadataProblem:
    """Something wrong in a metadata.csv that did not stop indexing: a bad row, or (line None)
    a whole file that could not be used."""

    csv_path: Path
    line: int | None  # line of the CSV file where the row ends; None for the whole file
    message: str

    def __str__(self) -> str:
        where = self.csv_path if self.line is None else f"{self.csv_path}, line {self.line}"
        return f"{where}: {self.message}"


def load_metadata(
    folder: Path, problems: list[MetadataProblem] | None = None
) -> dict[Path, Metadata]:
    """Rows of `folder/metadata.csv`, keyed by the absolute resolved path of each file.

    Returns {} when there is no metadata.csv. Row problems do not stop reading: an invalid
    date is left empty, a row naming a missing file is kept, a duplicate row or a path
    leaving the folder is ignored; each is appended to `problems` when a list is given.
    Raises MetadataError if the file cannot be decoded or has no `file` column: a caller
    reading one file should hear about it (MetadataCatalog turns it into a problem instead).
    """
    csv_path = folder / METADATA_FILENAME
    if not csv_path.is_file():
        return {}
    reader = _open_csv(csv_path)
    sink = problems if problems is not None else []
    entries: dict[Path, Metadata] = {}
    for row in reader:
        report = _Reporter(sink, csv_path, reader.line_num)
        target = _row_target(row, folder, report)
        if target is None:
            continue
        if target in entries:
            report(f"second row for {row['file'].strip()!r} ignored")
            continue
        entries[target] = _row_metadata(row, report)
    return entries


class MetadataCatalog:
    """Metadata of files under the indexed roots; each metadata.csv is read once.

    `problems` collects the problems of every metadata.csv read so far, for the caller to
    show as warnings. A metadata.csv that cannot be used at all (undecodable, no `file`
    column) is one problem and counts as having no rows: one bad file among many folders
    must not stop an indexing run, and the documents are still indexed without its metadata.
    """

    def __init__(self, roots: Sequence[Path]) -> None:
        self.roots = [_as_folder(root.resolve()) for root in roots]
        self.problems: list[MetadataProblem] = []
        self._tables: dict[Path, dict[Path, Metadata]] = {}

    def get(self, path: Path) -> Metadata | None:
        """The metadata row for `path` from the nearest metadata.csv that has one, else None."""
        path = path.resolve()
        for folder in self._folders_above(path):
            entry = self._table(folder).get(path)
            if entry is not None:
                return entry
        return None

    def _folders_above(self, path: Path) -> list[Path]:
        """The file's folder and its parents, up to the deepest root that contains it."""
        roots = [root for root in self.roots if path.is_relative_to(root)]
        stop = max(roots, key=lambda root: len(root.parts)) if roots else path.parent
        folders = [path.parent]
        while folders[-1] != stop and folders[-1] != folders[-1].parent:
            folders.append(folders[-1].parent)
        return folders

    def _table(self, folder: Path) -> dict[Path, Metadata]:
        if folder not in self._tables:
            self._tables[folder] = self._load(folder)
        return self._tables[folder]

    def _load(self, folder: Path) -> dict[Path, Metadata]:
        try:
            return load_metadata(folder, self.problems)
        except MetadataError as error:
            message = f"{error.reason}; its rows are ignored"
            self.problems.append(MetadataProblem(error.path, None, message))
            return {}


def metadata_for(path: Path, roots: Sequence[Path]) -> Metadata | None:
    """One-off lookup of a file's metadata row; use MetadataCatalog for many files.

    An unusable metadata.csv counts as having no rows (see MetadataCatalog).
    """
    return MetadataCatalog(roots).get(path)


@dataclass
class _Reporter:
    sink: list[MetadataProblem]
    csv_path: Path
    line: int

    def __call__(self, message: str) -> None:
        self.sink.append(MetadataProblem(self.csv_path, self.line, message))


def _as_folder(root: Path) -> Path:
    return root if root.is_dir() else root.parent


def _open_csv(csv_path: Path) -> csv.DictReader[str]:
    try:
        text, _ = decode_bytes(csv_path.read_bytes(), csv_path)
    except UnreadableDocument as exc:  # its reason, not its message: that names the path again
        raise MetadataError(csv_path, f"cannot be read ({exc.reason})") from exc
    except OSError as exc:
        raise MetadataError(csv_path, f"cannot be read ({exc.strerror or exc})") from exc
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(name or "").strip() for name in reader.fieldnames or []]
    # Known columns match case-insensitively; extra columns keep their own spelling.
    reader.fieldnames = [n.lower() if n.lower() in KNOWN_COLUMNS else n for n in header]
    if "file" not in reader.fieldnames:
        expected = ",".join(KNOWN_COLUMNS)
        raise MetadataError(csv_path, f"no 'file' column; expected a header like {expected}")
    return reader


def _row_target(row: dict[str, str], folder: Path, report: _Reporter) -> Path | None:
    """The absolute path a row describes, or None (reported) if it names no usable file."""
    name = (row.get("file") or "").strip().replace("\\", "/")
    if not name:
        report("empty 'file' cell; row ignored")
        return None
    target = (folder / name).resolve()
    if not target.is_relative_to(folder.resolve()):
        report(f"{name!r} is outside the folder of metadata.csv; row ignored")
        return None
    if not target.is_file():
        report(f"{name!r} does not exist (row kept)")
    return target


def _row_metadata(row: dict[str, str], report: _Reporter) -> Metadata:
    values = {key: (value or "").strip() or None for key, value in row.items() if key}
    if row.get(None):  # type: ignore[call-overload]  # DictReader's key for surplus cells
        report("more cells than columns; the surplus cells are ignored")
    date = values.get("date")
    if date is not None and not is_iso_date_prefix(date):
        report(f"date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD; left empty")
        date = None
    extra = {k: v for k, v in values.items() if k not in KNOWN_COLUMNS and v is not None}
    return Metadata(
        title=values.get("title"),
        date=date,
        author=values.get("author"),
        publisher=values.get("publisher"),
        extra=extra,
    )
