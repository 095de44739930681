"""The `index` use case: read folders, embed what is new or changed, publish a generation."""

from __future__ import annotations

import gc
import hashlib
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import NamedTuple, Protocol

import numpy as np

import corpus
from corpus import split_sentences
from corpus.discover import find_documents, index_root
from corpus.errors import UnreadableDocument
from corpus.reading import read_bytes
from corpus.types import Metadata, ParsedDocument, SkippedFile
from embed import Encoder, load_encoder, make_windows, model_identity
from embed.encoder import PoolingEncoder, Ranges
from indexes import GenerationWriter, IndexReader, Manifest, exists, layout
from indexes.compaction import merge_plan
from indexes.reader import DocumentState, DocumentStates, indexed_paths, indexed_roots, stamp
from indexes.recovery import Sources, index_command, read_sources, rebuild_command, rebuild_hint
from indexes.writer import SegmentWriter, StoreSettings
from parallax.context import passage_context
from parallax.errors import NothingToIndex, SettingsMismatch
from parallax.settings import DEFAULT_SETTINGS, IndexSettings

EncoderLoader = Callable[[str], Encoder]
# About 35,000 embedded units, six minutes of embedding on two cores: the most a killed run
# of `index` can lose.
CHECKPOINT_PASSAGES = 5000


class IndexProgress:
    """Hooks the CLI wires to stderr; library callers may leave them as no-ops."""

    def warning(self, message: str) -> None: ...
    def loading_model(self, name: str) -> None: ...
    def started(self, stage: str, total: int, unit: str) -> None: ...  # "Reading", "Embedding"
    def advanced(self, count: int) -> None: ...
    def finished(self) -> None: ...


@dataclass
class IndexReport:
    index_dir: Path
    model: str
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    metadata_updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    embedded_windows: int = 0
    precision: str | None = None  # the embedding path that ran (None: nothing embedded)
    segments: int = 0
    backends: list[str] = field(default_factory=list)
    deleted: int = 0  # tombstoned documents awaiting compaction
    compacted: int = 0  # segments merged by this run

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed or self.metadata_updated)


class _Source(NamedTuple):
    """A file to index. A path string and a tuple: a refresh makes one per file of the
    collection, and a Path or dataclass each would cost more than comparing the file."""

    path: str
    root: Path
    stat: tuple[int, int] | None  # size, mtime_ns as discover saw them; None: not stat'ed


def indexed_folders(index_dir: Path) -> list[Path]:
    """The folders (and single files) an existing index was built from, to refresh it
    without naming them; read without a format check, so that --rebuild works on an index
    written by another version."""
    roots = indexed_roots(index_dir) if exists(index_dir) else []
    if not roots:
        raise NothingToIndex(f"the index at {index_dir} holds no folder yet, and none was given",
                             "Name the folders to index: "
                             + index_command(index_dir, "index", "FOLDER"))
    return [Path(root) for root in roots]


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
) -> IndexReport:
    """Index the documents under `paths` into `index_dir`, re-embedding only files whose
    content or metadata changed and dropping indexed files that are gone. Other folders
    already in the index are kept. Nothing is written unless something changed. Progress
    is published every `checkpoint` passages, except for a --rebuild of an existing index,
    which replaces it all at once. `engine` computes the vectors (default: this process;
    parallax.ray_engine.RayEngine: a Ray cluster); publishing is the same for every engine."""
    progress = progress or IndexProgress()
    store = store or StoreSettings.from_env()
    index_dir = index_dir.resolve()
    if rebuild:
        _refuse_missing_folders(paths, index_dir)
        if model is None:  # rebuild with the model the index was built with
            recorded = read_sources(index_dir)
            model = recorded.model if recorded else None
    sources, skipped = _discover(paths)
    layout.check_writable(index_dir)
    # A --rebuild must work from any damaged state; without it, a damaged index is refused
    # (by IndexReader, with the rebuild command) and no generation is ever removed.
    with layout.write_lock(index_dir, repair=rebuild):
        replacing = rebuild and exists(index_dir)
        replaced = indexed_paths(index_dir) if replacing else set()
        old = IndexReader(index_dir) if exists(index_dir) and not rebuild else None
        try:
            identity = _model_for(old, model, settings, index_dir, paths)
            plan = _plan(sources, old, paths, skipped, progress)
            report = IndexReport(index_dir=index_dir, model=identity, skipped=skipped)
            _describe(plan, old, report)
            if replacing:  # a rebuild drops what it is not given again: say so
                report.removed = sorted(replaced - {str(e.path) for e in plan.to_embed})
            if not plan.to_embed and not report.removed and not (plan.in_scope & {*plan.to_copy}):
                raise _nothing_to_index(paths, skipped, index_dir, old)
            if old is not None and not report.changed and not compact:
                report.counts = dict(old.manifest.counts)
                if read_sources(index_dir) is None:  # lost or damaged: write it again
                    layout.write_sources(index_dir, Sources(old.roots(),
                                                            model_option(identity)).to_json())
                _describe_store(old, report)
                return report
            job = _Job(identity, index_dir, settings, store, precision, encoder_loader,
                       progress, report, engine or LOCAL_ENGINE)
            _write(job, plan, old, None if replacing else checkpoint, compact)
        finally:
            if old is not None:
                old.close()
    with IndexReader(index_dir) as fresh:
        report.counts = dict(fresh.manifest.counts)
        _describe_store(fresh, report)
    return report


def _describe_store(reader: IndexReader, report: IndexReport) -> None:
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
        plan = _Plan(to_embed=[_Embed.of(doc, root, metadata_key(doc.metadata)) for doc in docs])
        job = _Job(identity, index_dir, settings, store or StoreSettings.from_env(), precision,
                   encoder_loader, progress, report)
        _write(job, plan, None, None, False)
    with IndexReader(index_dir) as fresh:
        report.counts = dict(fresh.manifest.counts)
        _describe_store(fresh, report)
    return report


@dataclass
class _Job:
    """What a run writes with."""

    identity: str
    index_dir: Path
    settings: IndexSettings
    store: StoreSettings
    precision: str
    encoder_loader: EncoderLoader | None
    progress: IndexProgress
    report: IndexReport
    engine: EmbeddingEngine = field(default_factory=lambda: LOCAL_ENGINE)


def _write(job: _Job, plan: _Plan, old: IndexReader | None, checkpoint: int | None,
           compact: bool) -> None:
    """Embed what the plan says and publish it as new segments, one generation per
    `checkpoint` passages: a long run that is killed keeps what it finished, and the next
    run embeds only the rest. Every generation is complete: a document not embedded yet
    keeps its previous version, which is tombstoned only once its new version is written.
    Then merge segments if the store's policy (or `compact`) asks for it."""
    encoder = job.engine.load(job) if plan.to_embed else None
    dimension = encoder.dimension if encoder else old.manifest.dimension  # type: ignore[union-attr]
    manifest = Manifest(model=job.identity, dimension=dimension, settings=job.settings.as_dict())
    already = old.manifest.counts.get("passages", 0) if old is not None else 0
    chunks = _chunks(plan.to_embed, checkpoint, already) if plan.to_embed or plan.removed else []
    # Readers that opened the generation current when this run began keep it till the end.
    keep_start = frozenset({layout.current_name(job.index_dir)} - {""})
    source = old
    try:
        for number, chunk in enumerate(chunks, start=1):
            # Only the last part's generation holds every document the plan read with the
            # metadata it read: one published before may still hold a replaced version.
            states = plan.metadata_states if number == len(chunks) \
                else plan.metadata_states_before
            writer = GenerationWriter(job.index_dir, replace(manifest, metadata_states=states),
                                      model_option(job.identity), base=source, store=job.store)
            try:
                if number == 1 and plan.removed:
                    writer.remove_documents(list(plan.removed.values()))
                chunk = _parsed(chunk, job)
                if encoder is not None and chunk:
                    label = "Embedding" if len(chunks) == 1 else f"Part {number}/{len(chunks)}"
                    job.report.embedded_windows += _embed_into(
                        writer.new_segment(), chunk, encoder, job.settings, job.progress, label,
                        job.engine)
                    writer.remove_documents([e.previous for e in chunk
                                             if e.previous is not None])
                if number == len(chunks) and writer.merge_all_if_small():
                    job.report.compacted = len(source.segments) + 1 if source else 0
                writer.commit(also_keep=keep_start)
            except BaseException:
                writer.abort()
                raise
            source = _reopen(job.index_dir, source, old)
        if source is not None:
            _compact(job, replace(manifest, metadata_states=plan.metadata_states), source,
                     keep_start, force=compact,
                     published=source is not old)
    finally:
        if source is not None and source is not old:
            source.close()


def _parsed(chunk: list[_Embed], job: _Job) -> list[_Embed]:
    """A part's documents, parsed again where the plan did not keep them. A file that can
    no longer be read (changed or gone since planning) keeps its indexed version, if any."""
    out = []
    for entry in chunk:
        if entry.doc is not None:
            out.append(entry)
            continue
        try:
            doc = corpus.load_document(entry.path, entry.meta)  # type: ignore[arg-type]
        except UnreadableDocument as error:
            kept = "; kept the previously indexed version" if entry.previous is not None else ""
            job.report.skipped.append(SkippedFile(entry.path, error.reason + kept))  # type: ignore[arg-type]
            for listed in (job.report.added, job.report.updated, job.report.metadata_updated):
                if str(entry.path) in listed:
                    listed.remove(str(entry.path))
            continue
        out.append(replace(entry, doc=doc, passages=len(doc.passages)))
    return out


def _load(job: _Job) -> Encoder:
    job.progress.loading_model(job.identity)
    if job.encoder_loader is not None:
        encoder = job.encoder_loader(job.identity)
    else:
        encoder = (load_encoder(job.identity) if job.precision == "auto"
                   else load_encoder(job.identity, precision=job.precision))  # type: ignore[call-arg]
    job.report.precision = getattr(encoder, "precision", None)
    note = getattr(encoder, "pooling_note", None)
    if note:  # e.g. a CLS-pooling model: sentences cost a forward pass each
        job.progress.warning(f"{job.identity}: {note}")
    return encoder


def _reopen(index_dir: Path, source: IndexReader | None, old: IndexReader | None) -> IndexReader:
    if source is not None and source is not old:
        source.close()
    return IndexReader(index_dir)


def _compact(job: _Job, manifest: Manifest, reader: IndexReader, keep: frozenset[str],
             force: bool, published: bool) -> None:
    """Merge segments when the store's policy says so (or always, with `force`). When this
    run `published` the generation merged, it need not outlive the merge (readers that
    opened it hold it anyway)."""
    chosen = merge_plan(reader, job.store, force)
    if not chosen:
        return
    job.progress.started("Compacting", len(chosen), "segments")
    writer = GenerationWriter(job.index_dir, replace(manifest, dimension=reader.manifest.dimension),
                              model_option(job.identity), base=reader, store=job.store)
    try:
        writer.merge(chosen)
        writer.commit(also_keep=keep, keep_previous=not published)
    except BaseException:
        writer.abort()
        raise
    job.progress.advanced(len(chosen))
    job.progress.finished()
    job.report.compacted = len(chosen)


def _chunks(docs: list[_Embed], checkpoint: int | None, already: int = 0) -> list[list[_Embed]]:
    """Documents in parts of at least `checkpoint` passages, each part also at least as
    large as the index before it (`already` passages, then growing): every part rewrites the
    whole index, so parts that grow with it keep the total work linear. One part when
    `checkpoint` is None."""
    if not docs or checkpoint is None:
        return [docs]
    chunks: list[list[_Embed]] = [[]]
    size, total = 0, already
    for entry in docs:
        if size >= max(checkpoint, total - size):
            chunks.append([])
            size = 0
        chunks[-1].append(entry)
        size += entry.passages
        total += entry.passages
    return chunks


@dataclass(frozen=True)
class _Embed:
    """A document to embed: parsed (or None: parsed again when its part is embedded, see
    KEEP_PARSED), with its root, metadata key, file size and mtime, the rowid of the version
    it replaces, its path, metadata and number of passages."""

    doc: ParsedDocument | None
    root: Path
    key: str
    stat: tuple[int, int] = (-1, -1)
    previous: int | None = None
    path: Path | None = None
    meta: Metadata | None = None
    passages: int = 0

    @classmethod
    def of(cls, doc: ParsedDocument, root: Path, key: str, stat: tuple[int, int] = (-1, -1),
           previous: int | None = None, keep: bool = True) -> _Embed:
        return cls(doc if keep else None, root, key, stat, previous, doc.path, doc.metadata,
                   len(doc.passages))


# Parsed documents a plan holds at most (in passages); past it, documents are parsed again
# when their part is embedded, so that planning a million passages does not hold them all.
KEEP_PARSED = 20_000


@dataclass
class _Plan:
    to_embed: list[_Embed] = field(default_factory=list)
    to_copy: list[str] = field(default_factory=list)  # kept as they are
    in_scope: set[str] = field(default_factory=set)
    metadata_changed: set[str] = field(default_factory=set)
    removed: dict[str, int] = field(default_factory=dict)  # documents to drop: path -> rowid
    # Manifest.metadata_states once this plan is carried out, and before (for the
    # generations published on the way, which may still hold documents it replaces).
    metadata_states: dict[str, str] = field(default_factory=dict)
    metadata_states_before: dict[str, str] = field(default_factory=dict)
    parsed: int = 0  # passages of the documents to embed


def _discover(paths: Sequence[Path]) -> tuple[list[_Source], list[SkippedFile]]:
    sources: list[_Source] = []
    skipped: list[SkippedFile] = []
    with _CollectorPause():  # a tuple or two per file, none of them garbage
        for given in paths:
            # A file named on its own is its own root, so that a refresh reads just that file.
            root = index_root(given)
            files, problems, stats = find_documents(given)
            sources += [_Source(path, root, stats.get(path)) for path in files]
            skipped += problems
    if len(paths) == 1:  # a walk finds each file once
        return sources, skipped
    unique = {source.path: source for source in sources}  # overlapping arguments
    return list(unique.values()), skipped


def _model_for(old: IndexReader | None, model: str | None, settings: IndexSettings,
               index_dir: Path, paths: Sequence[Path]) -> str:
    if old is None:
        return model_identity(model)
    built_with = old.manifest.model
    wanted = model_identity(model) if model else built_with
    # Rebuilding only the folders named now would drop the index's other folders.
    folders = sorted({*old.roots(), *(str(index_root(p)) for p in paths)})
    if wanted != built_with:
        raise SettingsMismatch(
            f"the index at {index_dir} was built with model {built_with}, not {wanted}",
            f"To re-embed everything with {wanted}, run: "
            + rebuild_command(index_dir, folders, model_option(wanted)))
    expected = old.manifest.expected(settings.as_dict(), wanted)
    if old.manifest.fingerprint != expected:
        raise SettingsMismatch(
            f"the index at {index_dir} was built with other splitting settings "
            f"(fingerprint {old.manifest.fingerprint}, this version uses {expected})",
            rebuild_hint(index_dir, folders, model_option(wanted)))
    return wanted


def _refuse_missing_folders(paths: Sequence[Path], index_dir: Path) -> None:
    """A rebuild replaces the whole index: a folder that is missing (an unmounted drive?)
    would silently lose its documents, so it is refused instead."""
    missing = [p for p in paths if not p.exists()]
    if missing:
        raise NothingToIndex(
            f"{', '.join(str(p) for p in missing)} is missing; a rebuild would drop its "
            f"documents from the index at {index_dir}, which is left as it was",
            "Mount or restore the folder and run the rebuild again, or name only the folders "
            "to keep: " + index_command(index_dir, "index", "--rebuild", "FOLDER"))


def model_option(identity: str) -> str | None:
    """The --model a command must give to use `identity`: None for the default model."""
    return None if identity == model_identity(None) else identity


def _plan(sources: list[_Source], old: IndexReader | None, paths: Sequence[Path],
          skipped: list[SkippedFile], progress: IndexProgress) -> _Plan:
    plan = _Plan()
    # The files just found: their metadata rows need no stat to know they exist.
    plan.in_scope = {source.path for source in sources}
    # The nearest metadata.csv above each file, as `inspect` reads it, whichever folder or
    # subfolder is being indexed.
    metadata = corpus.MetadataCatalog([Path(index_root(p).anchor) for p in paths],
                                      known_files=plan.in_scope)
    states = _MetadataStates(old.manifest.metadata_states if old else {}, sources)
    plan.metadata_states_before = dict(states.recorded)
    progress.started("Reading", len(sources), "files")
    with _CollectorPause() as pause:
        # What the index holds, read once: a million lookups would cost more than the plan.
        before = old.document_states() if old else None
        folder, same_metadata = "", False
        for source in sources:
            progress.advanced(1)
            parent = source.path.rpartition("/")[0]
            if parent != folder:  # a walk gives a folder's files in a row
                folder = parent
                same_metadata = states.saw(source.root, folder, metadata.state(source.path))
            # The common case, decided without a state or metadata: unchanged size and mtime,
            # and no metadata.csv above it changed.
            if same_metadata and source.stat is not None and before is not None \
                    and before.stamp(source.path) == stamp(*source.stat):
                plan.to_copy.append(source.path)
                continue
            skips = len(skipped)
            _plan_file(source, before.get(source.path) if before is not None else None, metadata,
                       plan, skipped, progress, pause)
            if len(skipped) > skips and plan.to_copy[-1:] == [source.path]:
                states.doubt(folder)  # kept as it was, with the metadata it had
    progress.finished()
    plan.metadata_states = states.after()
    for problem in metadata.problems:
        progress.warning(str(problem))
    if old is not None:
        _plan_the_rest(before, paths, plan, progress)
    return plan


class _MetadataStates:
    """Manifest.metadata_states as a plan goes: the state of the metadata.csv files above
    each folder whose documents all had their metadata read (or found unchanged) in it."""

    def __init__(self, recorded: dict[str, str], sources: list[_Source]) -> None:
        self.recorded = recorded
        self._states = dict(recorded)
        self._seen: set[str] = set()
        self._doubtful: set[str] = set()
        self._walked = {root: root.is_dir() for root in {source.root for source in sources}}

    def saw(self, root: Path, folder: str, state: str) -> bool:
        """Note the state of the metadata.csv files above `folder`, whose files under `root`
        come next; True when it is the state recorded, i.e. none of them changed."""
        # A walked folder's documents are all seen by the plan, so their metadata is now
        # that of `state`; a file named on its own says nothing of the rest of its folder.
        if self._walked[root]:
            self._states[folder] = state
            self._seen.add(folder)
        return self.recorded.get(folder) == state

    def doubt(self, folder: str) -> None:
        """A document of `folder` kept the metadata it had (its file could not be read)."""
        self._doubtful.add(folder)

    def after(self) -> dict[str, str]:
        # A folder a walk found no file in any more holds no document after the plan.
        walked = [root for root, is_folder in self._walked.items() if is_folder]
        gone = {folder for folder in self.recorded.keys() - self._seen
                if _under_any(Path(folder), walked)}
        dropped = self._doubtful | gone
        return {folder: state for folder, state in self._states.items()
                if folder not in dropped}


def _plan_file(source: _Source, previous: DocumentState | None,
               catalog: corpus.MetadataCatalog, plan: _Plan, skipped: list[SkippedFile],
               progress: IndexProgress, pause: _CollectorPause) -> None:
    """Whether a file is kept as indexed, embedded (parsed now) or skipped."""
    key = source.path
    try:
        stat = source.stat or _stat(key)
    except OSError as error:
        _skip_or_keep(plan, skipped, Path(key), previous, error.strerror or str(error))
        return
    meta = catalog.get(key)
    key_of_meta = metadata_key(meta)
    # Unchanged by size and modification time: not even read (a refresh of a large
    # collection reads only what changed).
    if previous and (previous.size, previous.mtime_ns) == stat \
            and previous.metadata_key == key_of_meta:
        plan.to_copy.append(key)
        return
    path = Path(key)
    try:
        raw = read_bytes(path)
        same_text = previous and previous.content_hash == hashlib.sha256(raw).hexdigest()
        if same_text and previous.metadata_key == key_of_meta:
            plan.to_copy.append(key)
            return
        pause.end()  # documents are parsed from here on
        doc = corpus.load_document(path, meta, raw=raw)
        for warning in doc.warnings:  # e.g. bytes replaced in damaged UTF-8
            progress.warning(warning)
    except UnreadableDocument as error:
        _skip_or_keep(plan, skipped, path, previous, error.reason)
        return
    if same_text:
        plan.metadata_changed.add(key)  # re-embedded: windows carry the metadata
    plan.to_embed.append(_Embed.of(doc, source.root, key_of_meta, stat,
                                   previous.rowid if previous else None,
                                   keep=plan.parsed < KEEP_PARSED))
    plan.parsed += len(doc.passages)


def _plan_the_rest(before: DocumentStates, paths: Sequence[Path], plan: _Plan,
                   progress: IndexProgress) -> None:
    """Indexed documents no file was found for: removed, or kept when their folder is
    another one or missing."""
    # A missing folder may be an unmounted drive: its documents are kept, not removed.
    scope = [index_root(p) for p in paths if p.exists()]
    for path in before:
        if path in plan.in_scope:
            continue
        if _under_any(Path(path), scope):
            plan.removed[path] = before.get(path).rowid  # type: ignore[union-attr]
        else:
            plan.to_copy.append(path)  # another folder, or one that is missing
    for missing in (p for p in paths if not p.exists()):
        kept = [d for d in before if _under_any(Path(d), [index_root(missing)])]
        if kept:
            progress.warning(f"{missing} is missing: its {len(kept)} indexed documents are "
                             "kept (rebuild without it to drop them)")


class _CollectorPause:
    """Python's cycle collector held off while a plan compares files with the index.

    Comparing allocates objects per file (states, metadata rows, paths) and frees none until
    the plan is done, so each full collection would walk them all again: a tenth of a
    refresh of a million passages. Nothing compared makes reference cycles; parsing a
    document might, so the collector is back (`end`) at the first document parsed.
    """

    def __enter__(self) -> _CollectorPause:
        self.paused = gc.isenabled()
        gc.disable()
        return self

    def end(self) -> None:
        if self.paused:
            self.paused = False
            gc.enable()

    def __exit__(self, *exc: object) -> None:
        self.end()


def _stat(path: str) -> tuple[int, int]:
    """Size and mtime of a file discover did not stat (one named on its own)."""
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns


def _skip_or_keep(plan: _Plan, skipped: list[SkippedFile], path: Path,
                  previous: DocumentState | None, reason: str) -> None:
    # A file that was indexed before and cannot be read now keeps its previous version:
    # a transient problem must not lose data.
    if previous is not None:
        plan.to_copy.append(str(path))
        reason += "; kept the previously indexed version"
    skipped.append(SkippedFile(path, reason))


def _under_any(path: Path, folders: list[Path]) -> bool:
    return any(path == folder or folder in path.parents for folder in folders)


def _describe(plan: _Plan, old: IndexReader | None, report: IndexReport) -> None:
    kept = set(plan.to_copy)
    embedded = {str(e.path): e for e in plan.to_embed}
    if old is None:
        report.added = sorted(embedded)
        return
    report.added = sorted(p for p, e in embedded.items() if e.previous is None)
    report.updated = sorted(p for p, e in embedded.items()
                            if e.previous is not None and p not in plan.metadata_changed)
    report.metadata_updated = sorted(plan.metadata_changed)
    report.removed = sorted(plan.removed)
    report.unchanged = len(kept)


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


def _nothing_to_index(paths: Sequence[Path], skipped: list[SkippedFile], index_dir: Path,
                      old: IndexReader | None) -> NothingToIndex:
    where = ", ".join(str(p) for p in paths)
    kept = f"; the index at {index_dir} was left as it was" if old else ""
    if not skipped:
        return NothingToIndex(f"nothing to index in {where}{kept}",
                              "Parallax reads .txt, .md, .html/.htm, .pdf, .docx and .epub "
                              "files; point it at a folder that has some.")
    reasons = [f"  {s.path}: {s.reason}" for s in skipped[:10]]
    more = [f"  … and {len(skipped) - 10} more"] if len(skipped) > 10 else []
    return NothingToIndex(f"nothing to index in {where}{kept}", "\n".join(reasons + more))


# Passages embedded and written at a time. Token offsets, units and vectors exist only for
# one batch, so memory stays bounded whatever the size of a document or of a run; batches
# span documents so that many short documents still fill the model's batches.
BATCH_PASSAGES = 256


def _batches(docs: list[_Embed], size: int) -> Iterator[list[tuple[int, range]]]:
    """(document number, passage indices) pieces, about `size` passages per batch."""
    batch: list[tuple[int, range]] = []
    room = size
    for number, entry in enumerate(docs):
        doc, start = entry.doc, 0
        while start < len(doc.passages):
            take = min(room, len(doc.passages) - start)
            batch.append((number, range(start, start + take)))
            start += take
            room -= take
            if room == 0:
                yield batch
                batch, room = [], size
    if batch:
        yield batch


class Embedded(NamedTuple):
    """Passages `indices` of document `number` (in the list given to the engine): their
    context lines, unit spans and vectors (one per span, in order)."""

    number: int
    indices: range
    contexts: list[str]
    spans: list[list[tuple[int, int]]]
    vectors: np.ndarray


class EmbeddingEngine(Protocol):
    """Where vectors are computed. `embed` yields the documents' passages in order (document
    by document, passages ascending), and reports passages done to `progress.advanced`; the
    driver writes and publishes what it yields, whatever the engine."""

    def load(self, job: _Job) -> Encoder: ...
    def embed(self, docs: list[_Embed], encoder: Encoder, settings: IndexSettings,
              progress: IndexProgress) -> Iterator[Embedded]: ...


class LocalEngine:
    """This process embeds, one batch of passages at a time."""

    def load(self, job: _Job) -> Encoder:
        return _load(job)

    def embed(self, docs: list[_Embed], encoder: Encoder, settings: IndexSettings,
              progress: IndexProgress) -> Iterator[Embedded]:
        pooled = settings.sentence_vectors == "pooled" and isinstance(encoder, PoolingEncoder)
        for batch in _batches(docs, BATCH_PASSAGES):  # read at call time: tests lower it
            pieces = [(number, indices, [_passage_units(docs[number].doc, i, encoder, settings)
                                         for i in indices]) for number, indices in batch]
            flat = [unit for _, _, units in pieces for unit in units]
            advance = _Share(progress, len(flat))
            vectors = (_encode_pooled(flat, encoder, advance) if pooled  # type: ignore[arg-type]
                       else _encode_separately(flat, encoder, advance))
            offset = 0
            for number, indices, units in pieces:
                count = sum(len(unit.spans) for unit in units)
                yield Embedded(number, indices, [u.context for u in units],
                               [u.spans for u in units], vectors[offset:offset + count])
                offset += count
            advance.complete()


LOCAL_ENGINE = LocalEngine()


def _embed_into(writer: SegmentWriter, docs: list[_Embed], encoder: Encoder,
                settings: IndexSettings, progress: IndexProgress, label: str,
                engine: EmbeddingEngine = LOCAL_ENGINE) -> int:
    progress.started(label, sum(len(e.doc.passages) for e in docs), "passages")
    started: dict[int, int] = {}  # document number -> its rowid in the writer
    embedded = 0

    def start(number: int) -> int:
        # Documents are started in order, so that each one's passages and units are
        # consecutive ids (even one without passages).
        for earlier in range(len(started), number + 1):
            entry = docs[earlier]
            started[earlier] = writer.start_document(entry.doc, entry.root, entry.key,
                                                     entry.stat)
        return started[number]

    for number, indices, contexts, spans, vectors in engine.embed(docs, encoder, settings,
                                                                  progress):
        writer.add_passages(start(number), docs[number].doc, indices, contexts, spans, vectors)
        embedded += len(vectors)
    if docs:
        start(len(docs) - 1)  # documents without passages, at the end
    progress.finished()
    return embedded


class _Share:
    """Reports a batch's passages as done in proportion to the texts the encoder has done,
    so that progress moves every model batch, not once per batch of passages."""

    def __init__(self, progress: IndexProgress, passages: int) -> None:
        self.progress, self.passages = progress, passages
        self.texts = self.done_texts = self.reported = 0

    def __call__(self, count: int) -> None:
        self.done_texts += count
        if self.texts:
            self._report(min(self.passages, self.passages * self.done_texts // self.texts))

    def complete(self) -> None:
        self._report(self.passages)

    def _report(self, passages: int) -> None:
        if passages > self.reported:
            self.progress.advanced(passages - self.reported)
            self.reported = passages


@dataclass(frozen=True)
class _PassageUnits:
    """What a passage is embedded as: its context line (prefixed to every unit), its
    windows, then its sentence runs, as char spans of the passage text."""

    context: str
    prefix: str
    text: str
    windows: list[tuple[int, int]]
    sentences: list[tuple[int, int]]

    @property
    def spans(self) -> list[tuple[int, int]]:
        return self.windows + self.sentences


def _encode_separately(units: list[_PassageUnits], encoder: Encoder,
                       advance: _Share) -> np.ndarray:
    """Every window and every sentence run encoded on its own, behind the context line."""
    texts = [u.prefix + u.text[a:b] for u in units for a, b in u.spans]
    if not texts:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    advance.texts = len(texts)
    return encoder.encode(texts, progress=advance)


def _encode_pooled(units: list[_PassageUnits], encoder: PoolingEncoder,
                   advance: _Share) -> np.ndarray:
    """Windows encoded (behind the context line), and each sentence run pooled from the
    window that holds most of it: a sentence's vector is read in its paragraph's context at
    no extra model cost, instead of encoding every sentence again."""
    texts: list[str] = []
    pooled: list[list[Ranges]] = []  # per window text: the whole text, then its sentences
    rows: list[list[int]] = []  # per window text: where each pooled vector goes
    place = 0  # position of the passage's first unit among all units
    for unit in units:
        first = len(texts)
        for number, (a, b) in enumerate(unit.windows):
            texts.append(unit.prefix + unit.text[a:b])
            pooled.append([((0, len(texts[-1])),)])
            rows.append([place + number])
        for number, (s, e) in enumerate(unit.sentences):
            w = max(range(len(unit.windows)), key=lambda i: _overlap(unit.windows[i], (s, e)))
            a, b = unit.windows[w]
            shift = len(unit.prefix) - a
            # The sentence's own word pieces only: they have read the context line through
            # attention already, and averaging its tokens in (measured) made the sentences
            # of one document alike and ranked worse.
            pooled[first + w].append(((max(s, a) + shift, min(e, b) + shift),))
            rows[first + w].append(place + len(unit.windows) + number)
        place += len(unit.spans)
    if not texts:
        return np.zeros((0, encoder.dimension), dtype=np.float32)
    advance.texts = len(texts)
    vectors = encoder.encode_pooled(texts, pooled, progress=advance)
    out = np.empty_like(vectors)
    out[np.array([row for text_rows in rows for row in text_rows], dtype=np.int64)] = vectors
    return out


def _overlap(window: tuple[int, int], span: tuple[int, int]) -> int:
    return min(window[1], span[1]) - max(window[0], span[0])


def _passage_units(doc: ParsedDocument, index: int, encoder: Encoder,
                   settings: IndexSettings) -> _PassageUnits:
    """Passage `index` of a document: its context and the char spans of its embedding units."""
    passage = doc.passages[index]
    limit = settings.windows.tokens_for(encoder)
    context = passage_context(doc.metadata, passage.heading)
    prefix = context + "\n" if settings.context and context else ""
    # The prefix takes part of the model's limit; keep at least half for the text.
    room = max(limit // 2, limit - len(encoder.token_offsets(prefix)) - 1)
    windows = make_windows(encoder.token_offsets(passage.text), room,
                           settings.windows.overlap_for(room))
    sentences = _sentence_runs(passage.text, settings.sentence_units, set(windows))
    return _PassageUnits(context, prefix, passage.text, windows, sentences)


def _sentence_runs(text: str, sizes: tuple[int, ...],
                   taken: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """Spans of every run of `size` consecutive sentences, for each size, skipping spans
    already embedded (a one-sentence passage is its own window)."""
    sentences = split_sentences(text)
    runs: list[tuple[int, int]] = []
    for size in sizes:
        for i in range(len(sentences) - size + 1):
            span = (sentences[i][0], sentences[i + size - 1][1])
            if span not in taken:
                taken.add(span)
                runs.append(span)
    return runs
