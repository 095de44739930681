"""What a run writes with (Run), and the --model option that names its model again."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from embed import model_identity
from indexes.writer import StoreSettings
from parallax.indexing.engines.base import EmbeddingEngine, EncoderSpec
from parallax.indexing.engines.local import LOCAL_ENGINE
from parallax.indexing.partial import PartialDocument
from parallax.indexing.report import IndexProgress, IndexReport
from parallax.settings import IndexSettings


def model_option(identity: str) -> str | None:
    """The --model a command must give to use `identity`: None for the default model."""
    return None if identity == model_identity(None) else identity


@dataclass
class Run:
    """What a run writes with: the encoder to load, where, with which splitting and store
    settings, on which engine; what it tells (progress) and reports."""

    encoder: EncoderSpec
    index_dir: Path
    settings: IndexSettings
    store: StoreSettings
    progress: IndexProgress
    report: IndexReport
    engine: EmbeddingEngine = field(default_factory=lambda: LOCAL_ENGINE)
    # What is saved of a document embedded in part (set once the encoder is loaded).
    partial: PartialDocument | None = None

    @property
    def identity(self) -> str:
        return self.encoder.identity
