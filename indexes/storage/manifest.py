"""The manifest: what an index was built with, so that a mismatched query is refused."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from indexes.storage.checksums import digest
from indexes.storage.small_files import CURRENT, read_small

# 2: checksums of every file, recorded in the manifest, whose own checksum is in CURRENT.
# 3: segments (hard-linked between generations) and tombstones; approximate vector stores.
FORMAT_VERSION = 3
MANIFEST_NAME = "manifest.json"


def fingerprint(settings: dict[str, Any]) -> str:
    """A short stable hash of everything that changes vectors or passages."""
    canonical = json.dumps(settings, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Manifest:
    model: str
    dimension: int
    settings: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    created: str = ""
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> size, xxh3
    segments: list[dict[str, Any]] = field(default_factory=list)  # see indexes.segments
    next_ids: dict[str, int] = field(default_factory=dict)  # first unused id of each kind
    deleted: int = 0  # tombstoned documents (listed in TOMBSTONES_NAME)
    store: dict[str, Any] = field(default_factory=dict)  # store settings it was written with
    # Folder of documents -> corpus.MetadataCatalog.state of its metadata.csv files when the
    # metadata of all its documents was last read: a refresh that finds the same state and a
    # file of unchanged size and mtime keeps that file without reading any metadata.csv.
    metadata_states: dict[str, str] = field(default_factory=dict)

    def data_files(self) -> list[str]:
        """Every file of the generation besides the manifest: tombstones and segments'."""
        from indexes.segments import SegmentInfo
        from indexes.storage.layout import TOMBSTONES_NAME

        names = [TOMBSTONES_NAME]
        for entry in self.segments:
            names += SegmentInfo.from_dict(entry).files
        return names

    @property
    def fingerprint(self) -> str:
        return fingerprint({"model": self.model, **self.settings})

    def expected(self, settings: dict[str, Any], model: str | None = None) -> str:
        """The fingerprint an index built with `settings` and `model` (default: this
        index's own model) would have; differs from `fingerprint` when this one was not."""
        return fingerprint({"model": model or self.model, **settings})

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "fingerprint": self.fingerprint}, indent=2)

    @classmethod
    def read(cls, path: Path) -> Manifest:
        return cls.parse(read_small(path))

    @classmethod
    def read_verified(cls, generation: Path, pointer_hash: str) -> Manifest:
        """A generation's manifest, checked against the checksum `CURRENT` holds for it.
        ValueError naming what is wrong when it is unreadable, altered or no manifest;
        PermissionError passes through (not damage: the reader may not read it)."""
        where = f"{generation.name}/{MANIFEST_NAME}"
        try:
            raw = read_small(generation / MANIFEST_NAME)
        except PermissionError:
            raise
        except OSError as error:
            raise ValueError(f"{where} cannot be read ({error.strerror})") from None
        if digest(raw) != pointer_hash:
            raise ValueError(f"{where} does not match its checksum in {CURRENT}")
        try:
            return cls.parse(raw)
        except (ValueError, UnicodeDecodeError) as error:
            raise ValueError(f"unreadable {MANIFEST_NAME} ({error})") from None

    @classmethod
    def parse(cls, raw: bytes) -> Manifest:
        """A manifest from its bytes; ValueError when they are not one."""
        data = json.loads(raw.decode("utf-8"))
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        data.pop("fingerprint", None)
        known = {f for f in cls.__dataclass_fields__}
        try:
            return cls(**{k: v for k, v in data.items() if k in known})
        except TypeError as error:
            raise ValueError(str(error)) from None
