"""What an index costs on disk, by component: `parallax check --sizes`.

The current generation's files, each counted once (a generation hard-links the segments it
keeps, so a folder walk that adds up sizes counts them twice), split by what they hold:
the vectors, the approximate index, the unit map, and inside each SQLite database (its
`dbstat` table, where SQLite has it) the passages' text, the lexical index (FTS5 and the
stored postings), the units' spans and the documents. Whatever else the folder holds
(earlier generations kept for readers that still hold them) is reported apart.
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from indexes.segments import read_only_uri
from indexes.storage import layout
from indexes.storage.manifest import MANIFEST_NAME, Manifest

# SQLite objects by component; indexes count with their table.
_SQL_COMPONENTS = {
    "passages": "passages (text, context, positions)",
    "sqlite_autoindex_passages_1": "passages (text, context, positions)",
    "passages_by_document": "passages (text, context, positions)",
    "windows": "units (spans in their passage)",
    "windows_by_passage": "units (spans in their passage)",
    "lexical_postings": "lexical: stored postings",
    "sqlite_autoindex_lexical_postings_1": "lexical: stored postings",
    "lexical_lengths": "lexical: stored postings",
}
_FILE_COMPONENTS = {
    "dense.faiss": "vectors",
    "vectors.sq8.npy": "vectors",
    "vectors.sq8-range.npy": "vectors",
    "vectors.f16.npy": "vectors",
    "dense.ivfpq": "approximate index (IVF-PQ codes, lists)",
    "window_passages.npy": "unit -> passage map",
}


@dataclass
class SizeReport:
    generation: str
    passages: int
    units: int
    components: dict[str, int] = field(default_factory=dict)  # bytes, current generation
    other: int = 0  # bytes under the index folder outside the current generation

    @property
    def total(self) -> int:
        return sum(self.components.values())


def index_sizes(index_dir: Path) -> SizeReport:
    """Bytes of the current generation of the index at `index_dir`, by component."""
    name, _ = layout.read_pointer(index_dir)
    generation = index_dir / name
    manifest = Manifest.read(generation / MANIFEST_NAME)
    report = SizeReport(name, manifest.counts.get("passages", 0),
                        manifest.counts.get("windows", 0))
    seen: set[tuple[int, int]] = set()
    for path in sorted(generation.rglob("*")):
        if not path.is_file():
            continue
        stat = path.stat()
        seen.add((stat.st_dev, stat.st_ino))
        size = stat.st_blocks * 512 if hasattr(stat, "st_blocks") else stat.st_size
        if path.suffix == ".sqlite":
            for component, used in _sqlite_components(path, size).items():
                _add(report, component, used)
        else:
            _add(report, _FILE_COMPONENTS.get(path.name, "manifest, tombstones"), size)
    for dirpath, _, files in os.walk(index_dir):
        for file in files:
            stat = os.lstat(os.path.join(dirpath, file))
            if (stat.st_dev, stat.st_ino) not in seen:
                seen.add((stat.st_dev, stat.st_ino))
                report.other += stat.st_blocks * 512
    return report


def _add(report: SizeReport, component: str, size: int) -> None:
    report.components[component] = report.components.get(component, 0) + size


def _sqlite_components(path: Path, size: int) -> dict[str, int]:
    """The database's bytes by component; its free pages and anything dbstat cannot
    attribute go to "SQLite: other"."""
    out: dict[str, int] = {}
    db = sqlite3.connect(read_only_uri(path), uri=True)
    try:
        rows = db.execute("SELECT name, sum(pgsize) FROM dbstat GROUP BY name").fetchall()
    except sqlite3.Error:  # SQLite built without dbstat: the file as a whole
        return {"SQLite database": size}
    finally:
        db.close()
    for table, used in rows:
        if table.startswith("passages_fts"):
            component = "lexical: FTS5 index"
        elif table.startswith("documents") or table.startswith("sqlite_autoindex_documents"):
            component = "documents (paths, metadata)"
        else:
            component = _SQL_COMPONENTS.get(table, "SQLite: other")
        out[component] = out.get(component, 0) + int(used)
    rest = size - sum(out.values())
    if rest > 0:
        out["SQLite: other"] = out.get("SQLite: other", 0) + rest
    return out
