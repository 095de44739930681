"""Per-document metadata from metadata.csv files (header: file,title,date,author,publisher).

`file` is relative to the folder holding the metadata.csv. Other columns are kept in
`Metadata.extra`. Empty cells are None. A file is governed by the nearest metadata.csv that
has a row for it, looking in its own folder, then each parent folder up to the indexed root.

Rows are keyed by the document's path inside the tree (the folder joined with `file`, never
resolved through a link), the identity corpus.discover gives documents.

A malformed file never merges rows. Records are read line by line: a quoted cell that runs
over several lines is one record only if none of the lines it swallowed looks like a row of
its own (the title of a row with a line break); otherwise the quote that opened it is
unbalanced, and each of those lines is read as its own row. Each such repair, and a column
named twice in the header, is reported with its line.
"""

from __future__ import annotations

import csv
import functools
import hashlib
import os
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .dates import is_iso_date_prefix
from .decoding import decode_text, normalise_newlines
from .discover import METADATA_FILENAME
from .errors import MetadataError, UnreadableDocument
from .reading import SUPPORTED_SUFFIXES, read_bytes
from .types import Metadata

KNOWN_COLUMNS = ("file", "title", "date", "author", "publisher")
# A regular file only (a FIFO named metadata.csv must not hang indexing), and not a runaway
# one: a million rows of metadata is well under this.
MAX_CSV_BYTES = 100_000_000


@dataclass(frozen=True)
class MetadataProblem:
    """Something wrong in a metadata.csv that did not stop indexing: a bad row, or (line None)
    a whole file that could not be used."""

    csv_path: Path
    line: int | None  # line of the CSV file where the row starts; None for the whole file
    message: str

    def __str__(self) -> str:
        where = self.csv_path if self.line is None else f"{self.csv_path}, line {self.line}"
        return f"{where}: {self.message}"


def load_metadata(
    folder: Path, problems: list[MetadataProblem] | None = None
) -> dict[Path, Metadata]:
    """Rows of `folder/metadata.csv`, keyed by the absolute path of each file in the tree.

    Returns {} when there is no metadata.csv. Row problems do not stop reading: an invalid
    date is left empty, a row naming a missing file is kept, a duplicate row or a path
    leaving the folder is ignored, a malformed row is repaired or ignored without touching
    the rows after it (see the module docstring); each is appended to `problems` when a
    list is given. Raises MetadataError if the file cannot be read (a dangling link, a
    FIFO: only regular files are read), cannot be decoded, or has no `file` column: a
    caller reading one file should hear about it (MetadataCatalog turns it into a problem
    instead).
    """
    rows = _load_rows(os.path.abspath(folder), problems if problems is not None else [])
    return {Path(path): entry for path, entry in rows.items()}


def _load_rows(folder: str, sink: list[MetadataProblem],
               known_files: Collection[str] = ()) -> dict[str, Metadata]:
    """`load_metadata` keyed by path strings: a catalog looks up a row per document, and a
    Path per row would cost more than reading the row. `known_files` are files known to
    exist (see MetadataCatalog)."""
    csv_path = os.path.join(folder, METADATA_FILENAME)
    if not os.path.lexists(csv_path):
        return {}
    table = _read_table(Path(csv_path), Path(folder), sink)
    entries: dict[str, Metadata] = {}
    report = _Reporter(sink, Path(csv_path), 0)  # one for the table, moved from row to row
    targets = _Targets(folder, known_files)
    extra_columns = _extra_columns(table.columns)
    for row in table.rows:
        report.line = row.line
        target = targets.of(row.cells, report)
        if target is None:
            continue
        if target in entries:
            report(f"second row for {row.cells['file'].strip()!r} ignored")
            continue
        entries[target] = _row_metadata(row, report, extra_columns)
    return entries


class MetadataCatalog:
    """Metadata of files under the indexed roots; each metadata.csv is read once.

    `problems` collects the problems of every metadata.csv read so far, for the caller to
    show as warnings. A metadata.csv that cannot be used at all (undecodable, no `file`
    column) is one problem and counts as having no rows: one bad file among many folders
    must not stop an indexing run, and the documents are still indexed without its metadata.


    `known_files` (optional) are paths known to be regular files, such as those discover has
    just found: a row naming one of them is not checked with a stat of its own. Any other row
    is checked on disk as usual.
    """

    def __init__(self, roots: Sequence[Path], known_files: Collection[str] = ()) -> None:
        self.roots = [_as_folder(root.resolve()) for root in roots]
        self.problems: list[MetadataProblem] = []
        self._known = known_files
        self._tables: dict[str, dict[str, Metadata]] = {}
        self._above: dict[str, list[str]] = {}
        # Folder as given -> (that folder made absolute, with a slash; its _folders_above).
        self._places: dict[str, tuple[str, list[str]]] = {}
        self._signatures: dict[str, str] = {}  # folder -> its metadata.csv's, before reading
        self._states: dict[str, str] = {}  # a file's folder -> state of the files above it

    def get(self, path: Path | str) -> Metadata | None:
        """The metadata row for `path` (a document's path in its tree, as discover gives it)
        from the nearest metadata.csv that has one, else None."""
        path = os.fspath(path)
        folder, _, name = path.rpartition("/")
        place = self._places.get(folder)
        if place is not None and name not in _NOT_NAMES:
            key, folders = place[0] + name, place[1]
        else:
            key = os.path.abspath(path)
            folders = self._folders_above(key)
            self._remember(path, folder, name, key, folders)
        for above in folders:
            entry = self._table(above).get(key)
            if entry is not None:
                return entry
        return None

    def state(self, path: Path | str) -> str:
        """A short token that changes whenever any metadata.csv that `get(path)` consults
        changes, appears or disappears (judged by stat, not by reading): equal tokens at two
        times mean `get` gives the same answer for every file of `path`'s folder. The same
        for all files of a folder, worked out once per folder; taken before the folder's
        tables are read, so an edit made while they are read changes the next token."""
        path = os.fspath(path)
        folder = path.rpartition("/")[0]
        token = self._states.get(folder)
        if token is None:
            chain = self._folders_above(os.path.abspath(path))
            described = "\n".join(f"{above}\t{self._signature(above)}" for above in chain)
            token = hashlib.blake2b(described.encode(), digest_size=8).hexdigest()
            self._states[folder] = token
        return token

    def _signature(self, folder: str) -> str:
        """What stat says of `folder`'s metadata.csv: size, modification and change times
        and inode (the change time moves on every write, even one that restores the
        modification time), or that there is none, or none that can be read."""
        signature = self._signatures.get(folder)
        if signature is None:
            csv_path = os.path.join(folder, METADATA_FILENAME)
            try:
                info = os.stat(csv_path)
                signature = f"{info.st_size}:{info.st_mtime_ns}:{info.st_ctime_ns}:{info.st_ino}"
            except OSError:
                signature = "unreadable" if os.path.lexists(csv_path) else "none"
            self._signatures[folder] = signature
        return signature

    def _remember(self, path: str, folder: str, name: str, key: str,
                  folders: list[str]) -> None:
        """Keep how the files of `folder` are looked up: os.path.abspath of an absolute path
        whose last part is a plain name is that of its folder joined with the name, so the
        folder is made absolute once, not once per file."""
        if path.startswith("/") and name not in _NOT_NAMES:
            self._places[folder] = (key[:len(key) - len(name)], folders)

    def _folders_above(self, path: str) -> list[str]:
        """The file's folder and its parents, up to the deepest root that contains it
        (the same for every file of a folder: worked out once per folder)."""
        parent = os.path.dirname(path)
        if parent not in self._above:
            self._above[parent] = [str(folder) for folder in self._walk_up(Path(path))]
        return self._above[parent]

    def _walk_up(self, path: Path) -> list[Path]:
        parent = path.parent
        roots = [root for root in self.roots if path.is_relative_to(root)]
        stop = max(roots, key=lambda root: len(root.parts)) if roots else parent
        folders = [parent]
        while folders[-1] != stop and folders[-1] != folders[-1].parent:
            folders.append(folders[-1].parent)
        return folders

    def _table(self, folder: str) -> dict[str, Metadata]:
        if folder not in self._tables:
            self._signature(folder)  # stat before reading: see `state`
            self._tables[folder] = self._load(folder)
        return self._tables[folder]

    def _load(self, folder: str) -> dict[str, Metadata]:
        try:
            return _load_rows(folder, self.problems, self._known)
        except MetadataError as error:
            message = f"{error.reason}; its rows are ignored"
            self.problems.append(MetadataProblem(error.path, None, message))
            return {}


def metadata_for(path: Path, roots: Sequence[Path]) -> Metadata | None:
    """One-off lookup of a file's metadata row; use MetadataCatalog for many files.

    An unusable metadata.csv counts as having no rows (see MetadataCatalog).
    """
    return MetadataCatalog(roots).get(path)


_NOT_NAMES = ("", ".", "..")  # last parts of a path that are not a file's own name


@dataclass
class _Reporter:
    sink: list[MetadataProblem]
    csv_path: Path
    line: int

    def __call__(self, message: str) -> None:
        self.sink.append(MetadataProblem(self.csv_path, self.line, message))


@dataclass
class _Row:
    line: int  # where the row starts
    cells: dict[str, str]  # column -> cell; the first of two columns with one name
    surplus: bool = False  # more cells than columns


@dataclass
class _Table:
    columns: list[str]
    rows: list[_Row] = field(default_factory=list)


def _as_folder(root: Path) -> Path:
    return root if root.is_dir() else root.parent


def _read_table(csv_path: Path, folder: Path, sink: list[MetadataProblem]) -> _Table:
    try:
        decoded = decode_text(read_bytes(csv_path, max_bytes=MAX_CSV_BYTES), csv_path)
    except UnreadableDocument as exc:  # its reason, not its message: that names the path again
        raise MetadataError(csv_path, f"cannot be read ({exc.reason})") from exc
    if decoded.warning:
        sink.append(MetadataProblem(csv_path, decoded.first_replaced_line, decoded.warning))
    lines = normalise_newlines(decoded.text).split("\n")
    records = _records(lines, folder, _Reporter(sink, csv_path, 0))
    header = next(records, None)
    if header is None:
        raise MetadataError(csv_path, "empty; expected a header like " + ",".join(KNOWN_COLUMNS))
    columns = _columns(header[1], _Reporter(sink, csv_path, header[0]))
    if "file" not in columns:
        expected = ",".join(KNOWN_COLUMNS)
        raise MetadataError(csv_path, f"no 'file' column; expected a header like {expected}")
    table = _Table(columns)
    named_once = len(set(columns)) == len(columns)
    for line, cells in records:
        if len(cells) <= 1 and not any(cell.strip() for cell in cells):
            continue  # a blank line
        named = (dict(zip(columns, cells, strict=False)) if named_once
                 else _first_cells(columns, cells))
        table.rows.append(_Row(line, named, surplus=len(cells) > len(columns)))
    return table


def _first_cells(columns: list[str], cells: list[str]) -> dict[str, str]:
    """Column -> cell, the first cell of a column named twice winning."""
    named: dict[str, str] = {}
    for name, cell in zip(columns, cells, strict=False):
        named.setdefault(name, cell)
    return named


def _columns(header: list[str], report: _Reporter) -> list[str]:
    """Column names; known columns match case-insensitively, extra ones keep their spelling.
    A name used twice is reported: the first column of that name is the one read."""
    names = [(name or "").strip() for name in header]
    columns = [n.lower() if n.lower() in KNOWN_COLUMNS else n for n in names]
    seen: dict[str, int] = {}
    for position, name in enumerate(columns, start=1):
        if not name:
            continue
        if name in seen:
            report(f"column {name!r} appears twice in the header (columns {seen[name]} and "
                   f"{position}); the first is read, the second ignored")
        else:
            seen[name] = position
    return columns


def _records(lines: list[str], folder: Path, report: _Reporter) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of each record, never letting an unbalanced quote merge rows."""
    header: list[str] | None = None
    index = 0
    if lines and lines[-1] == "":
        lines = lines[:-1]  # the file's final newline
    while index < len(lines):
        if '"' not in lines[index]:  # no quoted cell, as most rows: the line is the record
            cells = _cells(lines[index], index + 1, report)
            if cells is not None:
                header = cells if header is None else header
                yield index + 1, cells
            index += 1
            continue
        end = index
        open_quote = _quote_open_after(lines[index], inside=False)
        while open_quote and end + 1 < len(lines):
            end += 1
            open_quote = _quote_open_after(lines[end], inside=True)
        span = lines[index: end + 1]
        if len(span) == 1 and not open_quote:
            record = [(index + 1, _cells(span[0], index + 1, report))]
        elif not open_quote and not any(_looks_like_row(text, folder) for text in span[1:]):
            record = [(index + 1, _one_record(span, index + 1, header, report))]
        else:
            record = list(_line_by_line(span, index + 1, header, report))
        for number, cells in record:
            if cells is not None:
                header = cells if header is None else header
                yield number, cells
        index = end + 1


def _one_record(lines: list[str], first: int, header: list[str] | None,
                report: _Reporter) -> list[str] | None:
    """A record whose quoted cell holds line breaks: read as one line, reported."""
    cells = _cells("\n".join(lines), first, report)
    if cells is None:
        return None
    names = header or []
    broken = [names[i].strip() if i < len(names) else f"cell {i + 1}"
              for i, cell in enumerate(cells) if "\n" in cell]
    report.line = first
    report(f"the {', '.join(repr(name) for name in broken)} cell spans lines "
           f"{first}-{first + len(lines) - 1}; its line breaks are read as spaces")
    return [" ".join(cell.split()) if "\n" in cell else cell for cell in cells]


def _line_by_line(lines: list[str], first: int, header: list[str] | None,
                  report: _Reporter) -> Iterator[tuple[int, list[str] | None]]:
    """Lines after a quote that is never closed, or that swallowed rows: each its own row.

    A line whose quotes do not balance is read without quoting when that gives as many cells
    as the header has, and ignored otherwise; either way it is reported."""
    for number, text in enumerate(lines, start=first):
        after = ""
        if number == first and len(lines) == 2:
            after = "; the line after it is read as a row of its own"
        elif number == first and len(lines) > 2:
            after = f"; the {len(lines) - 1} lines after it are read as rows of their own"
        if not _quote_open_after(text, inside=False):
            yield number, _cells(text, number, report)
            continue
        report.line = number
        try:
            cells = [cell.strip().strip('"')
                     for cell in next(csv.reader([text], quoting=csv.QUOTE_NONE))]
        except csv.Error:  # a cell past the csv module's size limit
            cells = []
        if cells and (header is None or len(cells) == len(header)):
            report(f"unbalanced quote: row read without its quotes, check it{after}")
            yield number, cells
        else:
            report(f"unbalanced quote: row ignored, fix its quotes{after}")
            yield number, None


def _cells(text: str, line: int, report: _Reporter) -> list[str] | None:
    if not text:
        return []
    if '"' not in text and "\r" not in text and "\n" not in text \
            and len(text) <= csv.field_size_limit():
        # What the csv module reads from a line without quotes or line breaks, no cell past
        # its size limit: the text between commas. Several times faster, at every row.
        return text.split(",")
    try:
        return next(csv.reader([text]), [])
    except csv.Error as error:  # a cell past the csv module's size limit
        report.line = line
        report(f"row ignored: {error}")
        return None


def _looks_like_row(text: str, folder: Path) -> bool:
    """Whether a line swallowed by a quoted cell is rather a row of its own: its first cell
    names a document (a supported suffix, or a file that exists in the folder)."""
    if _quote_open_after(text, inside=False):
        return False  # the line that closes a quoted cell
    try:
        cells = next(csv.reader([text]), [])
    except csv.Error:
        return False
    if len(cells) < 2:
        return False
    name = cells[0].strip().replace("\\", "/")
    if not name or '"' in name:
        return False
    return Path(name).suffix.lower() in SUPPORTED_SUFFIXES or (folder / name).is_file()


def _quote_open_after(line: str, *, inside: bool) -> bool:
    """Whether a quoted cell is still open at the end of `line`, given whether one was open
    at its start. As the csv module reads: a quote opens a cell only as the cell's first
    character, and inside a quoted cell two quotes stand for one."""
    if '"' not in line:
        return inside
    at_cell_start = not inside
    position = 0
    while position < len(line):
        char = line[position]
        if inside:
            if char == '"':
                if line.startswith('"', position + 1):
                    position += 1  # an escaped quote
                else:
                    inside = False
        elif char == '"' and at_cell_start:
            inside = True
        at_cell_start = not inside and char == ","
        position += 1
    return inside


class _Targets:
    """The paths the rows of one metadata.csv describe."""

    def __init__(self, folder: str, known_files: Collection[str]) -> None:
        self.folder = folder
        self.prefix = folder if folder.endswith("/") else folder + "/"
        self.known = known_files

    def of(self, row: dict[str, str], report: _Reporter) -> str | None:
        """The absolute path a row describes, or None (reported) if it names no usable
        file."""
        name = (row.get("file") or "").strip().replace("\\", "/")
        if not name:
            report("empty 'file' cell; row ignored")
            return None
        target = self._inside(name)
        if target is None:
            report(f"{name!r} is outside the folder of metadata.csv; row ignored")
            return None
        if target not in self.known and not Path(target).is_file():
            report(f"{name!r} does not exist (row kept)")
        return target

    def _inside(self, name: str) -> str | None:
        """The folder joined with `name`, `.` and `..` removed (links left as they are), or
        None if that leaves the folder. A plain file name, the usual row, is joined as text;
        anything else as Path would."""
        if "/" not in name and name not in (".", ".."):
            return self.prefix + name
        target = Path(os.path.abspath(Path(self.folder) / name))
        return str(target) if target.is_relative_to(self.folder) else None


@functools.lru_cache(maxsize=65536)
def _is_date(text: str) -> bool:
    """is_iso_date_prefix, remembered: a collection's rows share far fewer dates than rows."""
    return is_iso_date_prefix(text)


def _extra_columns(columns: list[str]) -> list[str]:
    """The named columns kept in Metadata.extra, in the order of the header."""
    return [name for name in dict.fromkeys(columns) if name and name not in KNOWN_COLUMNS]


def _cell(value: str | None) -> str | None:
    return (value or "").strip() or None  # empty cells are None


def _row_metadata(row: _Row, report: _Reporter, extra_columns: list[str]) -> Metadata:
    """A row's Metadata; the table's extra columns are worked out once (see _extra_columns),
    not found again at every row."""
    cells = row.cells
    if row.surplus:
        report("more cells than columns; the surplus cells are ignored")
    date = _cell(cells.get("date"))
    if date is not None and not _is_date(date):
        report(f"date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD; left empty")
        date = None
    extra = {}
    for name in extra_columns:
        value = _cell(cells.get(name))
        if value is not None:
            extra[name] = value
    return Metadata(
        title=_cell(cells.get("title")),
        date=date,
        author=_cell(cells.get("author")),
        publisher=_cell(cells.get("publisher")),
        extra=extra,
    )
