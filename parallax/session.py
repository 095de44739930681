"""Opening an index for queries, with its model loaded only when a query needs vectors."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from embed import Encoder, load_query_encoder
from embed.encoder import ProgressFn
from indexes import DocumentRecord, IndexNotFound, IndexReader
from indexes.storage import layout, recovery
from indexes.storage.recovery import index_command
from parallax.errors import Kind, ParallaxError, SettingsMismatch
from parallax.settings import DEFAULT_SETTINGS, IndexSettings
from parallax.threads import apply_query_budget

EncoderLoader = Callable[[str], Encoder]


class IndexMissing(ParallaxError):
    kind = Kind.not_found


class IndexBeingBuilt(ParallaxError):
    """No index yet, but a writer is building the first one: busy, not missing."""

    kind = Kind.conflict


def open_reader(index_dir: Path) -> IndexReader:
    """Open an index for reading, or explain how to build one (or that one is being built)."""
    try:
        return IndexReader(index_dir)
    except IndexNotFound:
        if layout.being_written(index_dir):
            raise IndexBeingBuilt(
                f"no index at {index_dir} yet: a `parallax index` is building one there",
                "Wait for it to finish (or to publish its first part: a long run publishes "
                "every few thousand passages), then run this again.") from None
        raise IndexMissing(f"no index at {index_dir}",
                           "Build one with: " + index_command(index_dir, "index", "FOLDER")
                           + " (or point --index / PARALLAX_INDEX at an existing one)") from None


class Session:
    """An open index plus, on demand, the model it was built with."""

    def __init__(self, index_dir: Path, encoder_loader: EncoderLoader | None = None,
                 settings: IndexSettings = DEFAULT_SETTINGS) -> None:
        # Before anything runs a question: one thread per library, as many busy threads as
        # cores (parallax/threads.py).
        self.threads = apply_query_budget()
        self.reader = open_reader(index_dir)
        self.index_dir = index_dir
        self._loader = encoder_loader
        self._encoder: Encoder | None = None
        self._ahead: dict[str, np.ndarray] = {}  # vectors embedded by encode_ahead
        self._remembered: list[str] | None = None  # inside `remembering`: texts to forget
        self._settings = settings
        self.refresh_problem: str | None = None  # why the newest generation is not served
        try:
            _check_settings(self.reader, settings, index_dir)
        except SettingsMismatch:
            self.reader.close()
            raise

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = (self._loader or load_query_encoder)(self.reader.manifest.model)
            if self._encoder.dimension != self.reader.manifest.dimension:
                raise SettingsMismatch(
                    f"model {self._encoder.name} gives {self._encoder.dimension}-dimensional "
                    f"vectors but the index at {self.index_dir} holds "
                    f"{self.reader.manifest.dimension}-dimensional ones",
                    rebuild_hint(self.reader))
        return self._encoder

    @property
    def documents(self) -> list[DocumentRecord]:
        return self.reader.documents()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        missing = [t for t in texts if t not in self._ahead]
        if not texts or (len(missing) == len(texts) and self._remembered is None):
            return self.encoder.encode(list(texts))
        missing = list(dict.fromkeys(missing))
        fresh = dict(zip(missing, self.encoder.encode(missing), strict=True)) if missing else {}
        if self._remembered is not None:
            self._ahead.update(fresh)
            self._remembered += missing
        return np.stack([self._ahead[t] if t in self._ahead else fresh[t] for t in texts])

    def encode_ahead(self, texts: Sequence[str], progress: ProgressFn | None = None) -> int:
        """Embed many questions in one batched call, for `encode` to serve later: cheaper
        than one call per question when an evaluation asks each of them once per mode.
        Returns how many were embedded (texts already held are not embedded again)."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._ahead]
        if todo:
            self._ahead.update(zip(todo, self.encoder.encode(todo, progress=progress),
                                   strict=True))
        return len(todo)

    @contextmanager
    def remembering(self, texts: Sequence[str] = ()) -> Iterator[None]:
        """Within the block, `encode` embeds no text twice: it keeps what it embeds, and
        `texts` are embedded now, in one batched call (a call runs the whole model once
        per batch, so twenty calls of a few words each cost several times one call of them
        all). What the block embedded is forgotten after it (what encode_ahead held before
        is kept), so that a long-lived session does not grow with every call."""
        outer = self._remembered
        if outer is None:
            self._remembered = []
        try:
            if texts:
                self.encode(list(dict.fromkeys(texts)))
            yield
        finally:
            if outer is None:
                for text in self._remembered or ():
                    self._ahead.pop(text, None)
                self._remembered = None

    def refresh(self) -> bool:
        """Switch to the newest published generation, if one was published since this
        session opened its own; True when it switched. Cheap when nothing changed (one small
        read), so a long-lived process (the server) may call it before every request. Until
        it is called, the session keeps answering from the generation it holds.

        A newest generation that cannot be used (damaged, or built with other settings) is
        not switched to: the session keeps answering from the sound generation it holds and
        `refresh_problem` says why, until a later refresh succeeds."""
        try:
            newest = layout.read_pointer(self.index_dir)[0]
            if newest == self.reader.generation_name:
                self.refresh_problem = None
                return False
            fresh = open_reader(self.index_dir)
        except ParallaxError as error:
            self.refresh_problem = error.message
            return False
        try:
            _check_settings(fresh, self._settings, self.index_dir)
        except SettingsMismatch as error:
            fresh.close()
            self.refresh_problem = error.message
            return False
        if fresh.manifest.model != self.reader.manifest.model:
            self._encoder = None
            self._ahead.clear()
        previous, self.reader = self.reader, fresh
        previous.close()
        self.refresh_problem = None
        return True

    def close(self) -> None:
        self.reader.close()

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def rebuild_hint(reader: IndexReader) -> str:
    return recovery.rebuild_hint(reader.index_dir, reader.roots() or None)


def _check_settings(reader: IndexReader, settings: IndexSettings, index_dir: Path) -> None:
    manifest = reader.manifest
    expected = manifest.expected(settings.as_dict())
    if manifest.fingerprint != expected:
        raise SettingsMismatch(
            f"the index at {index_dir} was built with other splitting settings than this "
            f"version of Parallax uses (fingerprint {manifest.fingerprint}, "
            f"expected {expected})",
            rebuild_hint(reader))
