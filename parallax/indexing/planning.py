"""Planning a run: which files are kept as indexed, embedded (new or changed), skipped or
removed, compared with the index by size and mtime, content hash and metadata key."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import corpus
from corpus.discover import index_root
from corpus.errors import UnreadableDocument
from corpus.reading import read_bytes
from corpus.types import SkippedFile
from indexes import IndexReader
from indexes.reader import DocumentState, DocumentStates, stamp
from parallax.indexing.discovery import CollectorPause, Source, stat_file, under_any
from parallax.indexing.documents import DocumentToEmbed
from parallax.indexing.metadata_keys import metadata_key
from parallax.indexing.metadata_states import MetadataStates
from parallax.indexing.report import IndexProgress, IndexReport

# Parsed documents a plan holds at most (in passages); past it, documents are parsed again
# when their part is embedded, so that planning a million passages does not hold them all.
KEEP_PARSED = 20_000


@dataclass
class Plan:
    to_embed: list[DocumentToEmbed] = field(default_factory=list)
    to_copy: list[str] = field(default_factory=list)  # kept as they are
    in_scope: set[str] = field(default_factory=set)
    metadata_changed: set[str] = field(default_factory=set)
    removed: dict[str, int] = field(default_factory=dict)  # documents to drop: path -> rowid
    # Manifest.metadata_states once this plan is carried out, and before (for the
    # generations published on the way, which may still hold documents it replaces).
    metadata_states: dict[str, str] = field(default_factory=dict)
    metadata_states_before: dict[str, str] = field(default_factory=dict)
    parsed: int = 0  # passages of the documents to embed


def make_plan(sources: list[Source], old: IndexReader | None, paths: Sequence[Path],
         skipped: list[SkippedFile], progress: IndexProgress,
         ocr_languages: str = corpus.OcrOptions.languages) -> Plan:
    """What to do with each file found (and each indexed document no file was found for).
    Scanned PDF pages are read by Tesseract in `ocr_languages`, each page announced."""
    ocr = corpus.OcrOptions(ocr_languages, progress.ocr_page)
    plan = Plan()
    # The files just found: their metadata rows need no stat to know they exist.
    plan.in_scope = {source.path for source in sources}
    # The nearest metadata.csv above each file, as `inspect` reads it, whichever folder or
    # subfolder is being indexed.
    metadata = corpus.MetadataCatalog([Path(index_root(p).anchor) for p in paths],
                                      known_files=plan.in_scope)
    states = MetadataStates(old.manifest.metadata_states if old else {}, sources)
    plan.metadata_states_before = dict(states.recorded)
    progress.started("Reading", len(sources), "files")
    with CollectorPause() as pause:
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
                       plan, skipped, progress, pause, ocr)
            if len(skipped) > skips and plan.to_copy[-1:] == [source.path]:
                states.doubt(folder)  # kept as it was, with the metadata it had
    progress.finished()
    plan.metadata_states = states.after()
    for problem in metadata.problems:
        progress.warning(str(problem))
    if old is not None:
        _plan_the_rest(before, paths, plan, progress)  # type: ignore[arg-type]
    return plan


def _plan_file(source: Source, previous: DocumentState | None,
               catalog: corpus.MetadataCatalog, plan: Plan, skipped: list[SkippedFile],
               progress: IndexProgress, pause: CollectorPause,
               ocr: corpus.OcrOptions | None = None) -> None:
    """Whether a file is kept as indexed, embedded (parsed now) or skipped."""
    key = source.path
    try:
        stat = source.stat or stat_file(key)
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
        doc = corpus.load_document(path, meta, raw=raw, ocr=ocr)
        for warning in doc.warnings:  # e.g. bytes replaced in damaged UTF-8
            progress.warning(warning)
    except UnreadableDocument as error:
        _skip_or_keep(plan, skipped, path, previous, error.reason)
        return
    if same_text:
        plan.metadata_changed.add(key)  # re-embedded: windows carry the metadata
    plan.to_embed.append(DocumentToEmbed.of(doc, source.root, key_of_meta, stat,
                                            previous.rowid if previous else None,
                                            # OCR costs seconds a page: never done twice
                                            keep=plan.parsed < KEEP_PARSED
                                            or bool(doc.ocr_pages)))
    plan.parsed += len(doc.passages)


def _plan_the_rest(before: DocumentStates, paths: Sequence[Path], plan: Plan,
                   progress: IndexProgress) -> None:
    """Indexed documents no file was found for: removed, or kept when their folder is
    another one or missing."""
    # A missing folder may be an unmounted drive: its documents are kept, not removed.
    scope = [index_root(p) for p in paths if p.exists()]
    for path in before:
        if path in plan.in_scope:
            continue
        if under_any(Path(path), scope):
            plan.removed[path] = before.get(path).rowid  # type: ignore[union-attr]
        else:
            plan.to_copy.append(path)  # another folder, or one that is missing
    for missing in (p for p in paths if not p.exists()):
        kept = [d for d in before if under_any(Path(d), [index_root(missing)])]
        if kept:
            progress.warning(f"{missing} is missing: its {len(kept)} indexed documents are "
                             "kept (rebuild without it to drop them)")


def _skip_or_keep(plan: Plan, skipped: list[SkippedFile], path: Path,
                  previous: DocumentState | None, reason: str) -> None:
    # A file that was indexed before and cannot be read now keeps its previous version:
    # a transient problem must not lose data.
    if previous is not None:
        plan.to_copy.append(str(path))
        reason += "; kept the previously indexed version"
    skipped.append(SkippedFile(path, reason))


def describe(plan: Plan, old: IndexReader | None, report: IndexReport) -> None:
    """What the plan will change, in the report's words."""
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
