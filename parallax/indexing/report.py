"""What an index run tells its caller: progress hooks while it runs, a report when done."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from corpus.types import SkippedFile


class IndexProgress:
    """Hooks the CLI wires to stderr; library callers may leave them as no-ops."""

    def warning(self, message: str) -> None: ...
    def loading_model(self, name: str) -> None: ...
    def started(self, stage: str, total: int, unit: str) -> None: ...  # "Reading", "Embedding"
    def advanced(self, count: int) -> None: ...
    def finished(self) -> None: ...
    def ocr_page(self, path: Path, page: int, pages: int) -> None: ...  # before OCR of a page


class ForwardingProgress(IndexProgress):
    """Every hook passed on to `inner`: the base of a wrapper that changes one or two of
    them, so that a hook added to IndexProgress reaches the front end through it too."""

    def __init__(self, inner: IndexProgress) -> None:
        self.inner = inner

    def warning(self, message: str) -> None:
        self.inner.warning(message)

    def loading_model(self, name: str) -> None:
        self.inner.loading_model(name)

    def started(self, stage: str, total: int, unit: str) -> None:
        self.inner.started(stage, total, unit)

    def advanced(self, count: int) -> None:
        self.inner.advanced(count)

    def finished(self) -> None:
        self.inner.finished()

    def ocr_page(self, path: Path, page: int, pages: int) -> None:
        self.inner.ocr_page(path, page, pages)


@dataclass
class IndexReport:
    index_dir: Path
    model: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    metadata_updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    embedded_windows: int = 0
    precision: str | None = None  # the embedding path that ran (None: nothing embedded)
    segments: int = 0
    backends: list[str] = field(default_factory=list)
    deleted: int = 0  # tombstoned documents awaiting compaction
    compacted: int = 0  # segments merged by this run
    published_parts: int = 0  # generations this run published before compaction
    published_documents: int = 0  # documents embedded in them
    resumed_passages: int = 0  # written back from what an interrupted run saved (PARTIAL)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.metadata_updated)
