"""The manifest: what an index was built with, so that a mismatched query is refused."""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

FORMAT_VERSION = 1
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
        data = json.loads(path.read_text(encoding="utf-8"))
        data.pop("fingerprint", None)
        return cls(**data)
