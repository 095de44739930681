"""The local engine: this process embeds, one batch of passages at a time."""

from __future__ import annotations

from collections.abc import Iterator

from embed import Encoder
from parallax.indexing import batching
from parallax.indexing.documents import DocumentToEmbed
from parallax.indexing.encoding import embed_passages
from parallax.indexing.engines.base import Embedded, EncoderSpec
from parallax.indexing.report import IndexProgress
from parallax.settings import IndexSettings


class LocalEngine:
    """An EmbeddingEngine that embeds in this process."""

    def load(self, spec: EncoderSpec, progress: IndexProgress) -> Encoder:
        return spec.load()

    def embed(self, docs: list[DocumentToEmbed], encoder: Encoder, settings: IndexSettings,
              progress: IndexProgress) -> Iterator[Embedded]:
        for batch in batching.batches(docs, batching.BATCH_PASSAGES):
            pieces = [(docs[number].doc, indices) for number, indices in batch]
            done = embed_passages(pieces, encoder, settings, progress)  # type: ignore[arg-type]
            for (number, indices), (contexts, spans, vectors) in zip(batch, done, strict=True):
                yield Embedded(number, indices, contexts, spans, vectors)


LOCAL_ENGINE = LocalEngine()
