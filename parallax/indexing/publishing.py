"""Carrying out a plan: documents embedded part by part, each part published as a
generation (new segment, tombstones), then the compaction trigger."""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass, replace
from pathlib import Path

import corpus
from corpus.errors import UnreadableDocument
from corpus.types import SkippedFile
from embed import Encoder
from indexes import GenerationWriter, IndexReader, Manifest
from indexes.writer import SegmentWriter
from parallax.indexing.compaction import compact_if_due
from parallax.indexing.documents import DocumentToEmbed
from parallax.indexing.engines.base import Embedded, EmbeddingEngine
from parallax.indexing.engines.local import LOCAL_ENGINE
from parallax.indexing.partial import PartialDocument, remove_partial
from parallax.indexing.planning import Plan
from parallax.indexing.report import ForwardingProgress, IndexProgress, IndexReport
from parallax.indexing.run import Run, model_option
from parallax.settings import IndexSettings

# Seconds of embedding after which a part is published at the end of the document being
# embedded, whatever its size. Engines yield a batch (batching.BATCH_PASSAGES) at a time, so
# a part ends at the first batch after this that completes a document: an interrupted run
# loses up to this plus a batch (about 40 s on two unloaded cores without bf16), about a
# minute. Read at call time (tests lower it).
CHECKPOINT_SECONDS = 30.0


def publish(run: Run, plan: Plan, old: IndexReader | None, checkpoint: int | None,
            compact: bool) -> None:
    """Embed what the plan says and publish it as new segments, one generation per
    `checkpoint` passages or CHECKPOINT_SECONDS of embedding, whichever comes first: a long
    run that is killed keeps what it finished, and the next run embeds only the rest. Every
    generation is complete: a document not embedded yet keeps its previous version, which is
    tombstoned only once its new version is written. Then merge segments if the store's
    policy (or `compact`) asks for it. Interrupted (Ctrl-C), it raises RunInterrupted,
    which says what was kept."""
    try:
        _publish(run, plan, old, checkpoint, compact)
    except KeyboardInterrupt:
        raise RunInterrupted(run.report.published_parts, run.report.published_documents,
                             len(plan.to_embed), _save_partial(run)) from None
    except BaseException:
        _save_partial(run)  # e.g. a Ray cluster lost: what was embedded is not lost with it
        raise


def _save_partial(run: Run) -> tuple[str, int, int] | None:
    """What was embedded of the document in progress, saved; what is saved of it."""
    if run.partial is None:
        return None
    try:
        run.partial.save()
    except (OSError, ValueError):  # e.g. the disk is full: the pieces saved before remain
        pass
    return run.partial.kept()


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C during a run of `index`: what the parts published before it kept, and what
    is saved of the document it was embedding (path, passages saved, its passages)."""

    def __init__(self, parts: int, documents: int, planned: int,
                 partial: tuple[str, int, int] | None = None) -> None:
        if parts:
            message = (f"interrupted; kept {documents} of {planned} documents to embed, "
                       f"published in {parts} part{'s' if parts > 1 else ''}")
        else:
            message = "interrupted before any part was published; the previous index (if any) " \
                      "is unchanged"
        if partial:
            path, saved, total = partial
            message += (f"; {saved:,} of {total:,} passages of {path} are saved: run the same "
                        "command again to resume from there")
        elif parts:
            message += ": run the same command again to embed the rest"
        super().__init__(message)
        self.message = message
        self.partial = partial


def _publish(run: Run, plan: Plan, old: IndexReader | None, checkpoint: int | None,
             compact: bool) -> None:
    encoder = load(run) if plan.to_embed else None
    dimension = encoder.dimension if encoder else old.manifest.dimension  # type: ignore[union-attr]
    if encoder is not None:
        run.partial = PartialDocument(run.index_dir, run.identity,
                                      getattr(encoder, "precision", None), dimension,
                                      run.settings, CHECKPOINT_SECONDS)
    manifest = Manifest(model=run.identity, dimension=dimension, settings=run.settings.as_dict())
    already = old.manifest.counts.get("passages", 0) if old is not None else 0
    chunks = chunked(plan.to_embed, checkpoint, already) if plan.to_embed or plan.removed else []
    # Only runs published part by part are cut by time (a --rebuild replaces all at once).
    seconds = CHECKPOINT_SECONDS if checkpoint is not None else None
    source = old
    number = 0
    try:
        while chunks:
            chunk = chunks.pop(0)
            number += 1
            # A part may be cut by time, which adds one: the count of parts is not known
            # ahead ("Part 12/13" once grew to 14), the documents done and to do are.
            label = ("Embedding" if number == 1 and not chunks
                     else f"Part {number} ({run.report.published_documents:,} of "
                          f"{len(plan.to_embed):,} documents done)")
            writer = GenerationWriter(run.index_dir, manifest, model_option(run.identity),
                                      base=source, store=run.store)
            try:
                if number == 1 and plan.removed:
                    writer.remove_documents(list(plan.removed.values()))
                counted = None
                if isinstance(chunk, Rest):
                    todo, first, stream = chunk.docs, chunk.first, chunk.stream
                    counted = chunk.counted
                else:
                    todo, first, stream = reparsed(chunk, run.report), 0, None
                    if run.partial is not None:  # its saved passages, for the one saved
                        todo = [run.partial.resume_point(entry) for entry in todo]
                        run.report.resumed_passages += sum(e.resume_at for e in todo)
                wrote, rest = _write_part(run, writer, todo, encoder, label, seconds, first,
                                          stream, counted)
                if rest is not None:  # cut by time: the rest of this part comes next
                    chunks.insert(0, rest)
                last = not chunks
                # Only the last part's generation holds every document the plan read with
                # the metadata it read: one published before may still hold a replaced
                # version.
                writer.manifest = replace(manifest, metadata_states=plan.metadata_states if last
                                          else plan.metadata_states_before)
                if last and writer.merge_all_if_small():
                    # The base's segments, and the one this part wrote if it wrote one (a
                    # run that only removes documents writes none).
                    run.report.compacted = (len(source.segments) if source else 0) + wrote
                writer.commit()
            except BaseException:
                writer.abort()
                raise
            run.report.published_parts += 1
            run.report.published_documents += (rest.first if rest else len(todo)) - first
            if run.partial is not None:
                run.partial.published()
            source = _reopen(run.index_dir, source, old)
        # Every document is published: a partial one left is of no document still to embed.
        remove_partial(run.index_dir)
        if source is not None:
            compact_if_due(run, replace(manifest, metadata_states=plan.metadata_states), source,
                           force=compact)
    finally:
        for left in chunks:  # interrupted: stop the engine's batches in flight
            if isinstance(left, Rest):
                left.stream.close()
        if source is not None and source is not old:
            source.close()


@dataclass
class Rest:
    """What a part cut by time leaves: its documents from `first` on, whose vectors the
    engine's `stream` goes on yielding (nothing it computed is lost to the cut), and the
    stream's count of what it embedded."""

    docs: list[DocumentToEmbed]
    first: int
    stream: Generator[Embedded, None, None]
    counted: StreamProgress


class StreamProgress(ForwardingProgress):
    """The run's progress as an engine's stream reports to it, counting the passages
    reported against those written: an engine works a batch or two ahead of what is
    written, so when a part is cut by time, what it embedded ahead belongs to the next
    part's bar (which otherwise showed "0/135 passages in 0:00:00" for a rest already
    embedded, and each bar before it the next one's work)."""

    def __init__(self, inner: IndexProgress) -> None:
        super().__init__(inner)
        self.reported = 0  # passages the engine reported embedded
        self.written = 0  # passages of the documents written from the stream

    def advanced(self, count: int) -> None:
        self.reported += count
        self.inner.advanced(count)

    @property
    def ahead(self) -> int:
        return max(0, self.reported - self.written)


def _write_part(run: Run, writer: GenerationWriter, chunk: list[DocumentToEmbed],
                encoder: Encoder | None, label: str, seconds: float | None, first: int = 0,
                stream: Generator[Embedded, None, None] | None = None,
                counted: StreamProgress | None = None) -> tuple[int, Rest | None]:
    """Embed a part's documents (from `first` on) into a new segment of `writer` and
    tombstone the versions they replace, stopping at the end of the first document finished
    after `seconds`. 1 when a segment was written, else 0; and what is left, if cut."""
    if encoder is None or not chunk[first:]:
        return 0, None
    windows, done, stream, counted = embed_into(
        writer.new_segment(), chunk, encoder, run.settings, run.progress, label, run.engine,
        seconds, first, stream, run.partial, counted)
    run.report.embedded_windows += windows
    writer.remove_documents([e.previous for e in chunk[first:done] if e.previous is not None])
    return 1, Rest(chunk, done, stream, counted) if stream is not None else None


def load(run: Run) -> Encoder:
    """The engine's encoder, loaded; what it runs with is told to the progress and report."""
    run.progress.loading_model(run.identity)
    encoder = run.engine.load(run.encoder, run.progress)
    run.report.precision = getattr(encoder, "precision", None)
    note = getattr(encoder, "pooling_note", None)
    if note:  # e.g. a CLS-pooling model: sentences cost a forward pass each
        run.progress.warning(f"{run.identity}: {note}")
    return encoder


def reparsed(chunk: list[DocumentToEmbed], report: IndexReport) -> list[DocumentToEmbed]:
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
            report.skipped.append(SkippedFile(entry.path, error.reason + kept))  # type: ignore[arg-type]
            for listed in (report.added, report.updated, report.metadata_updated):
                if str(entry.path) in listed:
                    listed.remove(str(entry.path))
            continue
        out.append(replace(entry, doc=doc, passages=len(doc.passages)))
    return out


def _reopen(index_dir: Path, source: IndexReader | None, old: IndexReader | None) -> IndexReader:
    if source is not None and source is not old:
        source.close()
    return IndexReader(index_dir)


def chunked(docs: list[DocumentToEmbed], checkpoint: int | None,
            already: int = 0) -> list[list[DocumentToEmbed]]:
    """Documents in parts of at least `checkpoint` passages, each part also at least as
    large as the index before it (`already` passages, then growing): every part rewrites the
    whole index, so parts that grow with it keep the total work linear. One part when
    `checkpoint` is None."""
    if not docs or checkpoint is None:
        return [docs]
    chunks: list[list[DocumentToEmbed]] = [[]]
    size, total = 0, already
    for entry in docs:
        if size >= max(checkpoint, total - size):
            chunks.append([])
            size = 0
        chunks[-1].append(entry)
        size += entry.passages
        total += entry.passages
    return chunks


def embed_into(writer: SegmentWriter, docs: list[DocumentToEmbed], encoder: Encoder,
               settings: IndexSettings, progress: IndexProgress, label: str,
               engine: EmbeddingEngine = LOCAL_ENGINE, seconds: float | None = None,
               first: int = 0, stream: Generator[Embedded, None, None] | None = None,
               partial: PartialDocument | None = None, counted: StreamProgress | None = None,
               ) -> tuple[int, int, Generator[Embedded, None, None] | None, StreamProgress]:
    """Write `docs` (from `first` on) into a segment with the vectors `engine` computes (or
    that `stream`, the engine's generator over `docs` left by a cut, goes on yielding),
    stopping at the end of the first document finished `seconds` after the start (None:
    never). A document resumed (`resume_at`) gets its saved passages from `partial` first,
    which saves what is embedded of a document in progress. The units embedded, the number
    of the first document not written, the stream when stopped (None when every
    document was written) and its count of passages (`counted`: a stream's own, passed
    on with it)."""
    progress.started(label, sum(len(e.doc.passages) - e.resume_at for e in docs[first:]),  # type: ignore[union-attr]
                     "passages")
    if stream is None:
        counted = StreamProgress(progress)
    assert counted is not None  # a stream comes with the count it reports to
    if counted.ahead:  # embedded before the cut that ended the part before this one
        progress.advanced(counted.ahead)
    started: dict[int, int] = {}  # document number -> its rowid in the writer
    embedded = 0
    deadline = time.monotonic() + seconds if seconds is not None else None

    def start(number: int) -> int:
        # Documents are started in order, so that each one's passages and units are
        # consecutive ids (even one without passages).
        for earlier in range(first + len(started), number + 1):
            entry = docs[earlier]
            started[earlier] = writer.start_document(entry.doc, entry.root, entry.key,
                                                     entry.stat)
            if entry.resume_at and partial is not None:
                for saved in partial.replay(entry):
                    writer.add_passages(started[earlier], entry.doc, *saved)
        return started[number]

    pieces = stream if stream is not None else engine.embed(docs, encoder, settings, counted)
    try:
        for piece in pieces:
            number, indices, contexts, spans, vectors = piece
            rowid = start(number)  # a resumed document's saved passages first
            if partial is not None:
                partial.embedded(docs[number], piece)
            writer.add_passages(rowid, docs[number].doc, indices, contexts, spans, vectors)
            embedded += len(vectors)
            counted.written += len(indices)
            complete = indices.stop == len(docs[number].doc.passages)  # type: ignore[union-attr]
            if (deadline is not None and complete and number + 1 < len(docs)
                    and time.monotonic() >= deadline):
                progress.finished()
                return embedded, number + 1, pieces, counted  # type: ignore[return-value]
    except BaseException:
        pieces.close()  # type: ignore[attr-defined]  # e.g. Ctrl-C: stop the batches in flight
        raise
    if docs[first:]:
        start(len(docs) - 1)  # documents without passages, at the end
    progress.finished()
    return embedded, len(docs), None, counted
