"""Finding the files to index under the folders given, with the size and mtime the walk saw."""

from __future__ import annotations

import gc
import os
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from corpus.discover import find_documents, index_root
from corpus.types import SkippedFile


class Source(NamedTuple):
    """A file to index. A path string and a tuple: a refresh makes one per file of the
    collection, and a Path or dataclass each would cost more than comparing the file."""

    path: str
    root: Path
    stat: tuple[int, int] | None  # size, mtime_ns as discover saw them; None: not stat'ed


def discover(paths: Sequence[Path]) -> tuple[list[Source], list[SkippedFile]]:
    """The files under `paths` (each found once) and those that cannot be indexed."""
    sources: list[Source] = []
    skipped: list[SkippedFile] = []
    with CollectorPause():  # a tuple or two per file, none of them garbage
        for given in paths:
            # A file named on its own is its own root, so that a refresh reads just that file.
            root = index_root(given)
            files, problems, stats = find_documents(given)
            sources += [Source(path, root, stats.get(path)) for path in files]
            skipped += problems
    if len(paths) == 1:  # a walk finds each file once
        return sources, skipped
    unique = {source.path: source for source in sources}  # overlapping arguments
    return list(unique.values()), skipped


def stat_file(path: str) -> tuple[int, int]:
    """Size and mtime of a file discover did not stat (one named on its own)."""
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns


def under_any(path: Path, folders: list[Path]) -> bool:
    return any(path == folder or folder in path.parents for folder in folders)


class CollectorPause:
    """Python's cycle collector held off while a plan compares files with the index.

    Comparing allocates objects per file (states, metadata rows, paths) and frees none until
    the plan is done, so each full collection would walk them all again: a tenth of a
    refresh of a million passages. Nothing compared makes reference cycles; parsing a
    document might, so the collector is back (`end`) at the first document parsed.
    """

    def __enter__(self) -> CollectorPause:
        self.paused = gc.isenabled()
        gc.disable()
        return self

    def end(self) -> None:
        if self.paused:
            self.paused = False
            gc.enable()

    def __exit__(self, *exc: object) -> None:
        self.end()
