"""The compaction trigger: after a run publishes, merge segments when the store's policy
says so (the merge itself is indexes' work)."""

from __future__ import annotations

from dataclasses import replace

from indexes import GenerationWriter, IndexReader, Manifest
from indexes.compaction import merge_plan
from parallax.indexing.run import Run, model_option


def compact_if_due(run: Run, manifest: Manifest, reader: IndexReader, force: bool) -> None:
    """Merge segments when the store's policy says so (or always, with `force`)."""
    chosen = merge_plan(reader, run.store, force)
    if not chosen:
        return
    run.progress.started("Compacting", len(chosen), "segments")
    writer = GenerationWriter(run.index_dir, replace(manifest, dimension=reader.manifest.dimension),
                              model_option(run.identity), base=reader, store=run.store)
    try:
        writer.merge(chosen)
        writer.commit()
    except BaseException:
        writer.abort()
        raise
    run.progress.advanced(len(chosen))
    run.progress.finished()
    run.report.compacted = len(chosen)
