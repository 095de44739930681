"""What /api/status tells: the generation answers come from, when it was published, and
whether a watcher keeps the index current (this process's, or another process's read from
its record) and is in a run."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from indexes.storage.layout import current_name
from indexes.storage.small_files import CURRENT
from parallax.watching.presence import read_watcher
from parallax.watching.watcher import Watcher


@dataclass(frozen=True)
class IndexStatus:
    index: str
    generation: str | None  # None: no index yet, or its pointer is damaged
    published: str | None  # ISO 8601 UTC: when that generation became the current one
    watcher: dict[str, Any] | None  # None: nothing watches the index

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "generation": self.generation,
                "published": self.published, "watching": self.watcher is not None,
                "running": bool(self.watcher and self.watcher.get("running")),
                "watcher": self.watcher}


def index_status(index_dir: Path, watcher: Watcher | None = None) -> IndexStatus:
    generation = current_name(index_dir) or None
    published = None
    if generation:
        try:  # CURRENT is replaced (never rewritten) at each publish: its time is the switch
            stamp = (index_dir / CURRENT).stat().st_mtime
            published = datetime.fromtimestamp(stamp, timezone.utc).isoformat(timespec="seconds")
        except OSError:
            pass
    if watcher is not None and not watcher.stopped.is_set():
        record = in_process(watcher)
    else:
        record = read_watcher(index_dir)
    return IndexStatus(str(index_dir), generation, published, record)


def in_process(watcher: Watcher) -> dict[str, Any]:
    """The watcher running in this process (serve --watch), as its record says it."""
    current = watcher.current
    return {"in_this_process": True, "folders": [str(f) for f in watcher.folders],
            "mode": watcher.mode.describe(), "running": watcher.running,
            "run_started": current.started if current else None,
            "pending_changes": watcher.pending(), "runs": watcher.runs,
            "last_run": watcher.last_run.as_dict() if watcher.last_run else None}
