"""Which files to index, from the files and folders a user names."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from .reading import SUPPORTED_SUFFIXES
from .types import SkippedFile

METADATA_FILENAME = "metadata.csv"


def discover(paths: Sequence[Path]) -> tuple[list[Path], list[SkippedFile]]:
    """Supported documents under `paths`, as absolute resolved paths without duplicates.

    Folders are walked recursively in sorted order, skipping hidden files and folders,
    metadata.csv and unsupported files silently. A named file that is missing, unsupported
    or a metadata.csv is returned as a SkippedFile with the reason. A supported file whose
    path is not valid UTF-8, found in a folder or named, is returned as a SkippedFile too,
    with the offending bytes escaped in its path so that it can be printed.
    """
    found: list[Path] = []
    skipped: list[SkippedFile] = []
    for path in paths:
        if path.is_dir():
            files, problems = _walk(path.resolve())
            found.extend(files)
            skipped.extend(problems)
        else:
            file, problem = _named_file(path)
            found.extend([file] if file else [])
            skipped.extend([problem] if problem else [])
    return list(dict.fromkeys(found)), skipped


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in SUPPORTED_SUFFIXES and path.name.lower() != METADATA_FILENAME


def _named_file(path: Path) -> tuple[Path | None, SkippedFile | None]:
    absolute = path.absolute()
    if not path.exists():
        return None, _skip(absolute, "no such file or folder")
    if not path.is_file():
        return None, _skip(absolute, "not a regular file")
    if path.name.lower() == METADATA_FILENAME:
        return None, _skip(absolute, "metadata.csv holds metadata, it is not a document")
    if not is_supported(path):
        suffix = path.suffix.lower() or "(none)"
        supported = " ".join(sorted(SUPPORTED_SUFFIXES))
        reason = f"unsupported file type {suffix!r} (supported: {supported})"
        return None, _skip(absolute, reason)
    resolved = path.resolve()
    problem = _name_problem(resolved)
    return (None, _skip(resolved, problem)) if problem else (resolved, None)


def _name_problem(path: Path) -> str | None:
    """Why `path` cannot be indexed under its name, or None if it can.

    Paths are stored and shown as UTF-8 text. A name whose bytes are not UTF-8 (Python turns
    them into lone surrogates) would make indexing fail later, when the path is encoded, so
    such a file is reported now, with the fix.
    """
    if not _is_utf8(path.name):
        return "file name is not valid UTF-8; rename it"
    if not _is_utf8(str(path.parent)):
        return "a folder in its path has a name that is not valid UTF-8; rename the folder"
    return None


def _skip(path: Path, reason: str) -> SkippedFile:
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


def _walk(folder: Path) -> tuple[list[Path], list[SkippedFile]]:
    files: list[Path] = []
    skipped: list[SkippedFile] = []

    def on_error(error: OSError) -> None:
        where = Path(error.filename) if error.filename else folder
        skipped.append(_skip(where, f"cannot list folder: {error.strerror or error}"))

    for root, dirs, names in os.walk(folder, onerror=on_error):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # prune hidden folders
        files.extend(
            Path(root) / name
            for name in names
            if not name.startswith(".") and is_supported(Path(name))
        )
    files.sort(key=lambda p: p.relative_to(folder).parts)
    found: list[Path] = []
    for path in (p.resolve() for p in files if p.is_file()):
        problem = _name_problem(path)
        if problem:
            skipped.append(_skip(path, problem))
        else:
            found.append(path)
    return found, skipped
