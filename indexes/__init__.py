"""Passages + vectors -> an on-disk index (SQLite + FAISS) -> hits. numpy, faiss, sqlite3."""

from indexes.errors import (
    IndexBusy,
    IndexCorrupt,
    IndexError_,
    IndexNotFound,
    IndexOutdated,
    NotAnIndex,
)
from indexes.query.filters import Filters, date_bounds
from indexes.query.search import Hit, Mode, search, set_lexical_thread
from indexes.reader import IndexReader
from indexes.records import DocumentRecord, PassageRecord
from indexes.storage import layout
from indexes.storage.layout import exists
from indexes.storage.manifest import FORMAT_VERSION, Manifest, fingerprint
from indexes.writer import GenerationWriter, document_id, passage_id

__all__ = [
    "FORMAT_VERSION",
    "DocumentRecord",
    "Filters",
    "GenerationWriter",
    "Hit",
    "IndexBusy",
    "layout",
    "IndexCorrupt",
    "IndexError_",
    "IndexNotFound",
    "IndexOutdated",
    "IndexReader",
    "NotAnIndex",
    "Manifest",
    "Mode",
    "PassageRecord",
    "date_bounds",
    "document_id",
    "exists",
    "fingerprint",
    "passage_id",
    "search",
    "set_lexical_thread",
]
