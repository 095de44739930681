"""The `index` use case: read folders, embed what is new or changed, publish a generation.

build            build_index, index_documents: the use cases, start to end
refusals         runs refused and what to run instead; indexed_folders
report, run      progress hooks and the report; what a run writes with
discovery        the files under the folders given
planning         what changed: kept, embedded, skipped, removed (metadata_keys, _states)
documents        a document to embed, as planning hands it on
batching, units  batches of passages; windows and sentence runs of a passage
encoding         one batch embedded (embed_passages), for every engine
publishing       parts embedded and published as generations
compaction       when a run merges segments
engines/         where vectors are computed: base (the interface), local, ray
"""

from parallax.indexing.build import CHECKPOINT_PASSAGES, build_index, index_documents
from parallax.indexing.documents import DocumentToEmbed
from parallax.indexing.engines import (
    LOCAL_ENGINE,
    Embedded,
    EmbeddingEngine,
    EncoderLoader,
    EncoderSpec,
    LocalEngine,
)
from parallax.indexing.metadata_keys import metadata_key
from parallax.indexing.refusals import indexed_folders
from parallax.indexing.report import ForwardingProgress, IndexProgress, IndexReport
from parallax.indexing.run import model_option

__all__ = ["CHECKPOINT_PASSAGES", "LOCAL_ENGINE", "DocumentToEmbed", "Embedded", "EmbeddingEngine",
           "EncoderLoader", "EncoderSpec", "ForwardingProgress", "IndexProgress", "IndexReport",
           "LocalEngine", "build_index", "index_documents", "indexed_folders", "metadata_key",
           "model_option"]
