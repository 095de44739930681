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
    or a metadata.csv is returned as a SkippedFile with the reason.
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
        return None, SkippedFile(absolute, "no such file or folder")
    if not path.is_file():
        return None, SkippedFile(absolute, "not a regular file")
    if path.name.lower() == METADATA_FILENAME:
        return None, SkippedFile(absolute, "metadata.csv holds metadata, it is not a document")
    if not is_supported(path):
        suffix = path.suffix.lower() or "(none)"
        supported = " ".join(sorted(SUPPORTED_SUFFIXES))
        reason = f"unsupported file type {suffix!r} (supported: {supported})"
        return None, SkippedFile(absolute, reason)
    return path.resolve(), None


def _walk(folder: Path) -> tuple[list[Path], list[SkippedFile]]:
    files: list[Path] = []
    skipped: list[SkippedFile] = []

    def on_error(error: OSError) -> None:
        where = Path(error.filename) if error.filename else folder
        skipped.append(SkippedFile(where, f"cannot list folder: {error.strerror or error}"))

    for root, dirs, names in os.walk(folder, onerror=on_error):
        dirs[:] = [d for d in dirs if not d.startswith(".")]  # prune hidden folders
        files.extend(
            Path(root) / name
            for name in names
            if not name.startswith(".") and is_supported(Path(name))
        )
    files.sort(key=lambda p: p.relative_to(folder).parts)
    return [p.resolve() for p in files if p.is_file()], skipped
