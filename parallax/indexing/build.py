"""The `index` use cases: build or refresh an index from folders (build_index), or fill one
from documents that are not files (index_documents)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from corpus.types import ParsedDocument
from embed import model_identity
from indexes import IndexReader, exists
from indexes.reader import indexed_paths
from indexes.storage import layout
from indexes.storage.recovery import Sources, read_sources
from indexes.writer import StoreSettings
from parallax.errors import NothingToIndex
from parallax.indexing.discovery import discover
from parallax.indexing.documents import DocumentToEmbed
from parallax.indexing.engines.base import EmbeddingEngine, EncoderLoader, EncoderSpec
from parallax.indexing.engines.local import LOCAL_ENGINE
from parallax.indexing.metadata_keys import metadata_key
from parallax.indexing.partial import remove_partial
from parallax.indexing.planning import Plan, describe, make_plan
from parallax.indexing.publishing import publish
from parallax.indexing.refusals import model_for, nothing_to_index, refuse_missing_folders
from parallax.indexing.report import IndexProgress, IndexReport
from parallax.indexing.run import Run, model_option
from parallax.settings import DEFAULT_SETTINGS, IndexSettings

# About 35,000 embedded units, six minutes of embedding on two cores: the most a killed run
# of `index` can lose.
CHECKPOINT_PASSAGES = 5000


def build_index(
    paths: Sequence[Path],
    index_dir: Path,
    model: str | None = None,
    *,
    rebuild: bool = False,
    settings: IndexSettings = DEFAULT_SETTINGS,
    encoder_loader: EncoderLoader | None = None,
    progress: IndexProgress | None = None,
    checkpoint: int = CHECKPOINT_PASSAGES,
    compact: bool = False,
    store: StoreSettings | None = None,
    precision: str = "auto",
    engine: EmbeddingEngine | None = None,
    ocr_languages: str = "eng",
) -> IndexReport:
    """Index the documents under `paths` into `index_dir`, re-embedding only files whose
    content or metadata changed and dropping indexed files that are gone. Other folders
    already in the index are kept. Nothing is written unless something changed. Progress
    is published every `checkpoint` passages, except for a --rebuild of an existing index,
    which replaces it all at once. `engine` computes the vectors (default: this process;
    parallax.indexing.engines.ray.RayEngine: a Ray cluster); publishing is the same for
    every engine. Scanned PDF pages are read by Tesseract in `ocr_languages` ("eng+fra")."""
    progress = progress or IndexProgress()
    store = store or StoreSettings.from_env()
    index_dir = index_dir.resolve()
    if rebuild:
        refuse_missing_folders(paths, index_dir)
        if model is None:  # rebuild with the model the index was built with
            recorded = read_sources(index_dir)
            model = recorded.model if recorded else None
    sources, skipped = discover(paths)
    layout.check_writable(index_dir)
    # A --rebuild must work from any damaged state; without it, a damaged index is refused
    # (by IndexReader, with the rebuild command) and no generation is ever removed.
    with layout.write_lock(index_dir, repair=rebuild):
        replacing = rebuild and exists(index_dir)
        replaced = indexed_paths(index_dir) if replacing else set()
        old = IndexReader(index_dir) if exists(index_dir) and not rebuild else None
        try:
            identity = model_for(old, model, settings, index_dir, paths)
            plan = make_plan(sources, old, paths, skipped, progress, ocr_languages)
            report = IndexReport(index_dir=index_dir, model=identity, skipped=skipped)
            describe(plan, old, report)
            if replacing:  # a rebuild drops what it is not given again: say so
                report.removed = sorted(replaced - {str(e.path) for e in plan.to_embed})
            # A rebuild that embeds nothing would replace the index by an empty one.
            if not plan.to_embed and (replacing or not report.removed
                                      and not (plan.in_scope & {*plan.to_copy})):
                raise nothing_to_index(paths, skipped, index_dir,
                                       kept=old is not None or replacing)
            if old is not None and not report.changed and not compact:
                report.counts = dict(old.manifest.counts)
                if read_sources(index_dir) is None:  # lost or damaged: write it again
                    layout.write_sources(index_dir, Sources(old.roots(),
                                                            model_option(identity)).to_json())
                describe_store(old, report)
                # Generations superseded earlier (one a reader held through a --rebuild)
                # go once nobody holds them, even when nothing is published; so does the
                # part of a document that an interrupted run saved, since no document is
                # left to embed (its file was removed or restored since).
                sweep_superseded(index_dir)
                remove_partial(index_dir)
                return report
            run = Run(EncoderSpec(identity, precision, encoder_loader), index_dir, settings,
                      store, progress, report, engine or LOCAL_ENGINE)
            publish(run, plan, old, None if replacing else checkpoint, compact)
        finally:
            if old is not None:
                old.close()
        # The generation this run began from (and its parts, and a merged one) were held by
        # the run itself while it published: they go now, unless another reader holds them.
        sweep_superseded(index_dir)
    with IndexReader(index_dir) as fresh:
        report.counts = dict(fresh.manifest.counts)
        describe_store(fresh, report)
    return report


def sweep_superseded(index_dir: Path) -> None:
    """Remove every generation but the current one that no reader holds (the writer holds
    the lock). Nothing is removed when the pointer cannot be read: then no generation is
    known to be the sound one."""
    current = layout.current_name(index_dir)
    if current:
        layout.remove_stale(index_dir, keep={current})


def describe_store(reader: IndexReader, report: IndexReport) -> None:
    """The store's shape after the run, in the report: segments, backends, tombstones."""
    report.segments = len(reader.segments)
    report.backends = sorted({s.info.backend for s in reader.segments})
    report.deleted = reader.manifest.deleted


def index_documents(
    docs: Sequence[ParsedDocument],
    root: Path,
    index_dir: Path,
    model: str | None = None,
    *,
    settings: IndexSettings = DEFAULT_SETTINGS,
    encoder_loader: EncoderLoader | None = None,
    progress: IndexProgress | None = None,
    store: StoreSettings | None = None,
    precision: str = "auto",
) -> IndexReport:
    """Index documents that are not files (records of a dataset, already parsed) under the
    pseudo folder `root`, replacing whatever `index_dir` held: the same embedding and store
    as `build_index`, without reading a folder. Published in one generation."""
    progress = progress or IndexProgress()
    index_dir = index_dir.resolve()
    if not docs:
        raise NothingToIndex(f"no documents to index under {root}",
                             "Check that the dataset's corpus file has records.")
    layout.check_writable(index_dir)
    identity = model_identity(model)
    report = IndexReport(index_dir=index_dir, model=identity,
                         added=[str(doc.path) for doc in docs])
    with layout.write_lock(index_dir):
        plan = Plan(to_embed=[DocumentToEmbed.of(doc, root, metadata_key(doc.metadata))
                              for doc in docs])
        run = Run(EncoderSpec(identity, precision, encoder_loader), index_dir, settings,
                  store or StoreSettings.from_env(), progress, report)
        publish(run, plan, None, None, False)
    with IndexReader(index_dir) as fresh:
        report.counts = dict(fresh.manifest.counts)
        describe_store(fresh, report)
    return report
