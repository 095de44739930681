"""The Ray actor that embeds: the model loaded once (EncoderSpec.load), one batch of
passages per call, embedded with the local engine's `embed_passages`."""

from __future__ import annotations

import hashlib
import os
import resource
import socket
from pathlib import Path
from typing import Any

from corpus.errors import ParallaxError
from corpus.types import Metadata, Passage
from parallax.indexing.encoding import embed_passages
from parallax.indexing.engines.base import EncoderSpec
from parallax.settings import IndexSettings


class SentPassages:
    """The parts of a ParsedDocument that `passage_units` reads, for the passages sent."""

    def __init__(self, metadata: Metadata, passages: dict[int, Passage]) -> None:
        self.metadata, self.passages = metadata, passages


class RayWorker:
    """A Ray actor: the model loaded once; one call per batch of passages."""

    def __init__(self, spec: EncoderSpec, threads: int) -> None:
        self.failed: tuple[str, str | None, str] | None = None  # a ParallaxError, told later
        try:
            self.encoder = spec.load()
        except ParallaxError as error:  # e.g. the model is not on this node
            self.failed = (error.message, error.hint, error.kind.value)
            return
        try:  # Ray sets OMP_NUM_THREADS; torch may have read the machine's count already
            import torch

            torch.set_num_threads(threads)
        except ImportError:
            pass
        self.parsed: tuple[str, Any] | None = None  # the last file read (shared mode)

    def describe(self) -> dict[str, Any]:
        if self.failed is not None:
            return {"failed": self.failed, "node": socket.gethostname()}
        return {"pid": os.getpid(), "dimension": self.encoder.dimension,
                "precision": getattr(self.encoder, "precision", None),
                "note": getattr(self.encoder, "pooling_note", None),
                "max_tokens": getattr(self.encoder, "max_tokens", 0),
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}

    def embed(self, pieces: list[Any], shared: bool, settings: IndexSettings) -> Any:
        """Per document of the batch: its contexts, spans and vectors; or ("unreadable",
        path, reason, node) when a shared file cannot be read here."""
        docs: list[tuple[SentPassages, range]] = []
        for piece in pieces:
            if shared:
                path, content_hash, metadata, indices = piece
                passages = self._read(path, content_hash)
                if isinstance(passages, tuple):
                    return passages  # ("unreadable", …)
                docs.append((SentPassages(metadata, {i: passages[i] for i in indices}),
                             indices))
            else:
                metadata, indices, passages = piece
                docs.append((SentPassages(metadata, dict(zip(indices, passages, strict=True))),
                             indices))
        return embed_passages(docs, self.encoder, settings)

    def _read(self, path: str, content_hash: str) -> Any:
        import corpus
        from corpus.errors import UnreadableDocument
        from corpus.reading import read_bytes

        if self.parsed is not None and self.parsed[0] == path:
            return self.parsed[1]
        node = socket.gethostname()
        try:
            raw = read_bytes(Path(path))
        except (OSError, UnreadableDocument) as error:
            reason = getattr(error, "reason", None) or getattr(error, "strerror", None) \
                or str(error)
            return ("unreadable", path, reason, node)
        if hashlib.sha256(raw).hexdigest() != content_hash:
            return ("unreadable", path, "the file there differs from the driver's (other "
                    "content at the same path, or it changed during the run)", node)
        try:
            passages = corpus.load_document(Path(path), None, raw=raw).passages
        except UnreadableDocument as error:
            return ("unreadable", path, error.reason, node)
        self.parsed = (path, passages)
        return passages
