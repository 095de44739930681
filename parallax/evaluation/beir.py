"""Datasets in the BEIR layout: `corpus.jsonl`, `queries.jsonl`, `qrels/test.tsv`.

Each corpus record becomes one document of the normal pipeline (its `title` as the title,
its `text` parsed into passages), stored under a pseudo folder that names the corpus file
and its hash, so that an index built from it can be recognised and reused."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from corpus import parse_text
from corpus.types import Metadata, ParsedDocument
from parallax.errors import ParallaxError

CORPUS = "corpus.jsonl"
QUERIES = "queries.jsonl"


class DatasetError(ParallaxError):
    pass


@dataclass(frozen=True)
class BeirDataset:
    folder: Path
    corpus_hash: str  # sha256 of corpus.jsonl: an index built from other bytes is not reused
    queries: dict[str, str]  # the judged queries only, id -> text
    qrels: dict[str, dict[str, int]]  # query id -> {document id: relevance}
    qrels_file: Path

    @property
    def name(self) -> str:
        return self.folder.name

    @property
    def root(self) -> Path:
        """The pseudo folder its documents are indexed under."""
        return self.folder / f"{CORPUS}@{self.corpus_hash[:16]}"


def is_beir_folder(folder: Path) -> bool:
    return folder.is_dir() and (folder / CORPUS).is_file()


def load_dataset(folder: Path, qrels_file: Path | None = None) -> BeirDataset:
    """Queries and judgments of a BEIR folder (the corpus is read later, only if needed).
    Only queries with at least one judgment in the qrels file are kept, as BEIR does."""
    folder = folder.resolve()
    qrels_file = (qrels_file or folder / "qrels" / "test.tsv").resolve()
    for needed in (folder / CORPUS, folder / QUERIES, qrels_file):
        if not needed.is_file():
            raise DatasetError(f"{folder} is not a BEIR dataset: {needed} is missing",
                               "A BEIR folder holds corpus.jsonl, queries.jsonl and "
                               "qrels/test.tsv (or name the judgments with --qrels FILE).")
    qrels = _read_qrels(qrels_file)
    texts = {record["_id"]: record.get("text", "") for record in _records(folder / QUERIES)}
    missing = sorted(q for q in qrels if q not in texts)
    if missing:
        raise DatasetError(f"{qrels_file} judges queries that {folder / QUERIES} lacks: "
                           f"{', '.join(missing[:5])}{' …' if len(missing) > 5 else ''}")
    return BeirDataset(folder=folder, corpus_hash=_sha256(folder / CORPUS),
                       queries={q: texts[q] for q in qrels}, qrels=qrels, qrels_file=qrels_file)


def corpus_documents(dataset: BeirDataset) -> list[ParsedDocument]:
    """Every corpus record as a parsed document, at `root/<record id>`. The record's title
    is its only metadata: nothing is inferred from an abstract's text (a year it mentions is
    not its date)."""
    docs = []
    for record in _records(dataset.folder / CORPUS):
        text = str(record.get("text") or "")
        title = str(record.get("title") or "").strip() or None
        doc = parse_text(text, path=dataset.root / str(record["_id"]))
        docs.append(dataclasses.replace(doc, metadata=Metadata(title=title)))
    return docs


def record_id(dataset: BeirDataset, path: str) -> str | None:
    """The corpus id of an indexed document's path, None if it is not from this corpus."""
    prefix = str(dataset.root) + "/"
    return path[len(prefix):] if path.startswith(prefix) else None


def _records(path: Path) -> Iterator[dict]:
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError as error:
                raise DatasetError(f"{path}:{number}: not a JSON record ({error})") from None
            if not isinstance(record, dict) or "_id" not in record:
                raise DatasetError(f"{path}:{number}: a record needs an \"_id\"")
            record["_id"] = str(record["_id"])
            yield record


def _read_qrels(path: Path) -> dict[str, dict[str, int]]:
    qrels: dict[str, dict[str, int]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.reader(handle, delimiter="\t")
        for number, row in enumerate(rows, start=1):
            if not row or (number == 1 and row[0] == "query-id"):
                continue
            try:
                query, doc, score = row[0], row[1], int(row[2])
            except (IndexError, ValueError):
                raise DatasetError(f"{path}:{number}: expected query-id, corpus-id, score "
                                   "separated by tabs") from None
            if score > 0:
                qrels.setdefault(query, {})[doc] = score
    return qrels


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
