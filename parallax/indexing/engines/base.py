"""The engine interface: which encoder to load (EncoderSpec), what an engine yields
(Embedded), and the protocol every engine implements (EmbeddingEngine)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import NamedTuple, Protocol

import numpy as np

from embed import Encoder, load_encoder
from parallax.indexing.documents import DocumentToEmbed
from parallax.indexing.report import IndexProgress
from parallax.settings import IndexSettings

EncoderLoader = Callable[[str], Encoder]


@dataclass(frozen=True)
class EncoderSpec:
    """The encoder a run embeds with: the model's identity, the precision path asked for
    ("auto": the fastest this machine supports) and, for tests and datasets, a loader used
    instead of `embed.load_encoder`. Plain data, so that it can be sent to a worker."""

    identity: str
    precision: str = "auto"
    loader: EncoderLoader | None = None

    def load(self) -> Encoder:
        """The encoder, loaded in this process."""
        if self.loader is not None:
            return self.loader(self.identity)
        if self.precision == "auto":
            return load_encoder(self.identity)
        return load_encoder(self.identity, precision=self.precision)  # type: ignore[call-arg]


class Embedded(NamedTuple):
    """Passages `indices` of document `number` (in the list given to the engine): their
    context lines, unit spans and vectors (one per span, in order)."""

    number: int
    indices: range
    contexts: list[str]
    spans: list[list[tuple[int, int]]]
    vectors: np.ndarray


class EmbeddingEngine(Protocol):
    """Where vectors are computed. `load` makes the encoder ready (here or on workers) and
    returns it, or what describes it (its `dimension`, `precision`, `pooling_note`); `embed`
    yields the documents' passages in order (document by document, passages ascending),
    and reports passages done to `progress.advanced`. The driver writes and publishes what
    it yields, whatever the engine."""

    def load(self, spec: EncoderSpec, progress: IndexProgress) -> Encoder: ...
    def embed(self, docs: list[DocumentToEmbed], encoder: Encoder, settings: IndexSettings,
              progress: IndexProgress) -> Iterator[Embedded]: ...
