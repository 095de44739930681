"""A folder in the KPA-2021 layout (IBM's ArgKP: arguments, key points and match labels per
split) read into plain data. No model, no index."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from parallax.errors import UsageError

SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class Item:
    id: str
    text: str
    topic: str
    stance: int

    @property
    def group(self) -> tuple[str, int]:
        return (self.topic, self.stance)


@dataclass(frozen=True)
class Split:
    name: str
    arguments: list[Item]
    key_points: list[Item]
    labels: dict[tuple[str, str], int]  # (arg_id, key_point_id) -> 1/0; undecided absent

    def key_points_of(self) -> dict[tuple[str, int], list[Item]]:
        out: dict[tuple[str, int], list[Item]] = {}
        for kp in self.key_points:
            out.setdefault(kp.group, []).append(kp)
        return out

    def arguments_of(self) -> dict[tuple[str, int], list[Item]]:
        out: dict[tuple[str, int], list[Item]] = {}
        for arg in self.arguments:
            out.setdefault(arg.group, []).append(arg)
        return out


def is_kpa_folder(folder: Path) -> bool:
    return folder.is_dir() and any((folder / f"key_points_{s}.csv").is_file() for s in SPLITS)


def splits_in(folder: Path) -> list[str]:
    return [s for s in SPLITS if all((folder / f"{kind}_{s}.csv").is_file()
                                     for kind in ("arguments", "key_points", "labels"))]


def load_split(folder: Path, name: str) -> Split:
    files = {kind: folder / f"{kind}_{name}.csv" for kind in ("arguments", "key_points",
                                                               "labels")}
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise UsageError(f"{folder} is not a complete KPA folder: missing {', '.join(missing)}",
                         "A KPA folder holds arguments_SPLIT.csv, key_points_SPLIT.csv and "
                         "labels_SPLIT.csv for each split (see datasets/argkp/SOURCE.md).")
    arguments = [Item(r["arg_id"], r["argument"], r["topic"], int(r["stance"]))
                 for r in _rows(files["arguments"])]
    key_points = [Item(r["key_point_id"], r["key_point"], r["topic"], int(r["stance"]))
                  for r in _rows(files["key_points"])]
    labels = {(r["arg_id"], r["key_point_id"]): int(r["label"]) for r in _rows(files["labels"])}
    return Split(name, arguments, key_points, labels)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))
