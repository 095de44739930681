"""The key of what metadata.csv says of a document: a change of it re-indexes the document."""

from __future__ import annotations

import hashlib
import json

from corpus.types import Metadata


def metadata_key(meta: Metadata | None) -> str:
    """What metadata.csv says of a document (or that it says nothing): a change of it,
    a removed row included, re-indexes the document."""
    if meta is None:
        return "none"
    fields = [meta.title, meta.date, meta.author, meta.publisher, sorted(meta.extra.items())]
    return hashlib.sha256(_fields_json(fields).encode()).hexdigest()[:16]


# How json.dumps writes a str (ensure_ascii, its default): the same C function.
_JSON_TEXT = json.encoder.encode_basestring_ascii


def _fields_json(fields: list) -> str:
    """json.dumps(fields), byte for byte (indexes store keys hashed from it), written
    directly when every value is text or None: json.dumps's set-up costs more than the hash,
    and a refresh computes a key for every file of the collection."""
    texts = []
    for value in fields[:4]:
        if value is None:
            texts.append("null")
        elif type(value) is str:
            texts.append(_JSON_TEXT(value))
        else:
            return json.dumps(fields)
    pairs = []
    for name, value in fields[4]:
        if type(name) is not str or type(value) is not str:
            return json.dumps(fields)
        pairs.append(f"[{_JSON_TEXT(name)}, {_JSON_TEXT(value)}]")
    return "[" + ", ".join(texts) + ", [" + ", ".join(pairs) + "]]"
