"""Which files to index, from the files and folders a user names.

A document's identity is its path inside the indexed tree, not where a link leads: the folder
a user names is resolved once, and each file found in it is that folder joined with the file's
path relative to it, never resolved itself. A symbolic link to a file is read through but stored
under the link's own path, so deleting the link removes the document.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from .reading import SUPPORTED_SUFFIXES, not_regular_reason, unreadable_reason
from .types import SkippedFile

METADATA_FILENAME = "metadata.csv"


class Discovery(NamedTuple):
    """What `find_documents` found: paths as strings (a million Path objects would cost more
    than the walk), and the size and modification time the walk saw of each file it stat'ed,
    so that a refresh need not stat every file a second time."""

    files: list[str]
    skipped: list[SkippedFile]
    stats: dict[str, tuple[int, int]]  # path -> (st_size, st_mtime_ns), read through links


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[SkippedFile]]:
    """Supported documents under `paths`, as absolute paths without duplicates.

    A folder is resolved once (see `tree_root`) and walked recursively in sorted order; each
    file found is that folder joined with its path relative to it (see the module docstring).
    Hidden files and folders, metadata.csv and unsupported files are ignored silently. A
    supported name that cannot be read is returned as a SkippedFile with the reason: a
    dangling link, a link loop, a FIFO, device or socket (never opened), a name that is not
    valid UTF-8 (with its bytes escaped so it can be printed), or a folder that cannot be
    listed.

    Symbolic links to folders: a link to a folder outside the tree is followed, and its files
    are stored under the link's path. A link is not followed, and is named as skipped with the
    reason, when it leads to a folder inside the tree (its files are indexed there already),
    to a folder that contains it (a loop), or to a folder already walked through another link
    (which would index the same files twice).

    A file named on its own is returned under `named_file_path`: its folder resolved, its own
    name kept. A named file that is missing, unsupported, not a regular file or a metadata.csv
    is returned as a SkippedFile with the reason.
    """
    found: list[str] = []
    skipped: list[SkippedFile] = []
    for path in paths:
        files, problems, _ = find_documents(path)
        found.extend(files)
        skipped.extend(problems)
    return [Path(file) for file in dict.fromkeys(found)], skipped


def find_documents(path: Path) -> Discovery:
    """`discover` of one folder or file, with paths as strings and the stats of the walk."""
    if path.is_dir():
        return _walk(str(tree_root(path)))
    file, problem = _named_file(path)
    return Discovery([str(file)] if file else [], [problem] if problem else [], {})


def index_root(path: Path) -> Path:
    """The path under which a folder or file a user names is indexed: a folder by `tree_root`,
    anything else by `named_file_path`. Never raises: a path that cannot be resolved (a link
    loop among its folders) stays as given, made absolute; discover names it as skipped."""
    try:
        return tree_root(path) if path.is_dir() else named_file_path(path)
    except (OSError, RuntimeError):  # RuntimeError: a link loop, before Python 3.13
        return Path(os.path.abspath(path.expanduser()))


def tree_root(folder: Path) -> Path:
    """The absolute path a named folder is indexed under: the folder resolved, once."""
    return folder.expanduser().resolve()


def named_file_path(path: Path) -> Path:
    """The identity of a file named on its own: its absolute path with the folder holding it
    resolved but the file itself not, so that a link is known by its own name.

    Resolving the folder makes `docs/a.txt` and `/real/docs/a.txt` one document, as they are
    when `docs` is indexed as a folder.
    """
    absolute = Path(os.path.abspath(path.expanduser()))
    return absolute.parent.resolve() / absolute.name


def is_supported(path: Path) -> bool:
    return is_supported_name(path.name)


def is_supported_name(name: str) -> bool:
    """`is_supported` of a file name, without making a Path of it (the walk asks it of every
    name). The suffix is Path.suffix's: from the last dot, unless the name starts or ends
    with it."""
    dot = name.rfind(".")
    suffix = name[dot:].lower() if 0 < dot < len(name) - 1 else ""
    return suffix in SUPPORTED_SUFFIXES and name.lower() != METADATA_FILENAME


def _named_file(path: Path) -> tuple[Path | None, SkippedFile | None]:
    try:
        identity = named_file_path(path)
    except (OSError, RuntimeError):  # a loop of links among the folders above it
        return None, _skip(path.absolute(), "a folder in its path is a symbolic link loop")
    if path.name.lower() == METADATA_FILENAME:
        return None, _skip(identity, "metadata.csv holds metadata, it is not a document")
    problem = _kind_problem(identity)
    if problem == "file not found (moved or deleted?)":
        problem = "no such file or folder"
    if problem:
        return None, _skip(identity, problem)
    if not is_supported(path):
        suffix = path.suffix.lower() or "(none)"
        supported = " ".join(sorted(SUPPORTED_SUFFIXES))
        reason = f"unsupported file type {suffix!r} (supported: {supported})"
        return None, _skip(identity, reason)
    problem = _name_problem(identity)
    return (None, _skip(identity, problem)) if problem else (identity, None)


def _kind_problem(path: Path) -> str | None:
    """Why `path` (read through a link) is not a regular file that can be read, or None."""
    try:
        info = os.stat(path)
    except OSError as error:
        return unreadable_reason(path, error)
    return not_regular_reason(info.st_mode)


def _name_problem(path: Path | str) -> str | None:
    """Why `path` cannot be indexed under its name, or None if it can.

    Paths are stored and shown as UTF-8 text. A name whose bytes are not UTF-8 (Python turns
    them into lone surrogates) would make indexing fail later, when the path is encoded, so
    such a file is reported now, with the fix.
    """
    path = os.fspath(path)
    if not _is_utf8(os.path.basename(path)):
        return "file name is not valid UTF-8; rename it"
    if not _is_utf8(os.path.dirname(path)):
        return "a folder in its path has a name that is not valid UTF-8; rename the folder"
    return None


def _skip(path: Path | str, reason: str) -> SkippedFile:
    """A SkippedFile whose path can be printed: bytes of a name that are not UTF-8 are written
    as escapes ("caf\\xe9.txt"), since printing the raw name would fail like indexing it."""
    printable = os.fsencode(path).decode("utf-8", errors="backslashreplace")
    return SkippedFile(Path(printable), reason)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _walk(root: str) -> Discovery:
    """Files under `root` (resolved), each as root joined with its path below it."""
    walker = _Walker(root)
    try:
        top = os.stat(root)
    except OSError as error:
        return Discovery([], [_skip(root, f"cannot list folder: {error.strerror or error}")], {})
    walker.walk((top.st_dev, top.st_ino))
    if not walker.in_order:
        # Sorted by the parts of the path below the root, as Path.parts would sort them.
        below = len(root) if root.endswith("/") else len(root) + 1
        walker.files.sort(key=lambda path: path[below:].split("/"))
    if _is_utf8("\0".join(walker.files)):  # all names valid, as usual: one encode
        return Discovery(walker.files, walker.skipped, walker.stats)
    found: list[str] = []
    for path in walker.files:
        problem = _name_problem(path)
        if problem:
            walker.skipped.append(_skip(path, problem))
            del walker.stats[path]
        else:
            found.append(path)
    return Discovery(found, walker.skipped, walker.stats)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:
        return False


def _entry_name(entry: os.DirEntry[str]) -> str:
    return entry.name


class _Walker:
    """A walk that reads links through and names every supported file it skips. Iterative, so
    that a tree nested deeper than Python's recursion limit is walked all the same. Paths are
    strings: each is its folder's path joined with its name by os.scandir, the same text as
    the Path of that join would print."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.files: list[str] = []
        self.stats: dict[str, tuple[int, int]] = {}  # each file found: size, mtime_ns
        self.skipped: list[SkippedFile] = []
        self.walked: dict[tuple[int, int], str] = {}  # each folder walked, by device+inode
        self.pending: list[tuple[str, tuple[tuple[int, int], ...]]] = []
        # Whether `files` is in sorted order already: it is unless a folder has a file whose
        # name sorts after one of its subfolders (its files are listed before its subfolders').
        self.in_order = True

    def walk(self, key: tuple[int, int]) -> None:
        self.pending.append((self.root, (key,)))
        while self.pending:
            self.visit(*self.pending.pop())

    def visit(self, folder: str, ancestors: tuple[tuple[int, int], ...]) -> None:
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=_entry_name)
        except OSError as error:
            self.skipped.append(_skip(folder, f"cannot list folder: {error.strerror or error}"))
            return
        subfolders: list[tuple[str, tuple[tuple[int, int], ...]]] = []
        for entry in entries:
            if entry.name.startswith("."):
                continue  # hidden files and folders
            supported = is_supported_name(entry.name)
            if not supported and not _is_folder(entry):
                continue  # ignored without a stat, whatever it is
            path = entry.path
            try:
                info = entry.stat()  # through links
            except OSError as error:
                if supported:
                    self.skipped.append(_skip(path, unreadable_reason(Path(path), error)))
                continue
            if stat.S_ISDIR(info.st_mode):
                key = (info.st_dev, info.st_ino)
                if self._follow(path, entry.is_symlink(), key, ancestors):
                    subfolders.append((path, (*ancestors, key)))
            elif supported:
                reason = not_regular_reason(info.st_mode)
                if reason:
                    self.skipped.append(_skip(path, reason))
                else:
                    self.files.append(path)
                    self.stats[path] = (info.st_size, info.st_mtime_ns)
                    self.in_order = self.in_order and not subfolders
        self.pending.extend(reversed(subfolders))  # walked next, in name order

    def _follow(self, path: str, is_link: bool, key: tuple[int, int],
                ancestors: tuple[tuple[int, int], ...]) -> bool:
        """Whether to walk the folder at `path`; if not, it is named as skipped."""
        if key in ancestors:
            self.skipped.append(_skip(path, "symbolic link to a folder that contains it (a "
                                            "loop); not followed"))
            return False
        if is_link:
            target = Path(path).resolve()
            if target.is_relative_to(self.root):
                self.skipped.append(_skip(path, f"symbolic link to {target}, a folder inside "
                                                "the indexed folder: its files are indexed "
                                                "there; not followed"))
                return False
            if key in self.walked:
                self.skipped.append(_skip(path, f"symbolic link to {target}, a folder already "
                                                f"indexed as {self.walked[key]}; not followed"))
                return False
        self.walked[key] = path
        return True
