"""What it takes to rebuild an index, kept where damage to a generation cannot reach it.

`SOURCES.json` beside `CURRENT` records the folders an index was built from and the model
option it was built with. Every hint that suggests a command builds it here, so that it acts
on the same index (`--index`), with the same model (`--model` when it is not the default),
quoted for a shell: a hint that dropped `--index` would rebuild the default index instead.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from pathlib import Path

from indexes.storage.small_files import SOURCES, read_small


@dataclass(frozen=True)
class Sources:
    roots: list[str] = field(default_factory=list)
    model: str | None = None  # the --model to give again, None for the default model

    def to_json(self) -> str:
        return json.dumps({"roots": self.roots, "model": self.model}, indent=2) + "\n"


def read_sources(index_dir: Path) -> Sources | None:
    """The recovery record, or None when it is missing or unreadable."""
    try:
        data = json.loads(read_small(index_dir / SOURCES).decode("utf-8"))
        roots = [str(root) for root in data["roots"]]
        model = data.get("model")
        return Sources(roots, str(model) if model else None)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return None


def parallax_command(*words: str | Path) -> str:
    """A `parallax …` command line with every word quoted for a POSIX shell, so that a hint
    naming a folder such as `odd corpus ;$(id)` can be pasted and runs on that folder."""
    return " ".join(["parallax", *(shlex.quote(str(word)) for word in words)])


def index_command(index_dir: Path, *words: str | Path, model: str | None = None) -> str:
    """`parallax WORDS… --index DIR [--model M]`, quoted."""
    tail: list[str | Path] = ["--index", index_dir]
    if model:
        tail += ["--model", model]
    return parallax_command(*words, *tail)


def rebuild_command(index_dir: Path, roots: list[str] | None = None,
                    model: str | None = None) -> str:
    """The command that rebuilds `index_dir` from its folders (from the recovery record
    when not given; FOLDER as a placeholder when nothing records them)."""
    sources = read_sources(index_dir)
    if roots is None:
        roots = sources.roots if sources else []
    if model is None and sources is not None:
        model = sources.model
    if not roots:
        # Keep the placeholder unquoted so it reads as one.
        return (index_command(index_dir, "index", "--rebuild", model=model)
                .replace("--rebuild", "--rebuild FOLDER…", 1))
    return index_command(index_dir, "index", "--rebuild", *roots, model=model)


def rebuild_hint(index_dir: Path, roots: list[str] | None = None,
                 model: str | None = None) -> str:
    return "Rebuild it with: " + rebuild_command(index_dir, roots, model)
