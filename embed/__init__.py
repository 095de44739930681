"""Text -> vectors. Importing this package is cheap; a model loads only on `load_encoder`."""

from __future__ import annotations

from pathlib import Path

from corpus.errors import ParallaxError
from embed.encoder import Encoder, ProgressFn, WindowSettings, normalise
from embed.models import DEFAULT_MODEL, ModelNotAvailable, local_model_dir, model_identity
from embed.precision import CHOICES as PRECISIONS
from embed.precision import PrecisionNotAvailable, UnknownPrecision
from embed.windows import make_windows


def load_encoder(name: str | None = None, precision: str = "auto") -> Encoder:
    """Load a model (the bundled default when `name` is None) on the embedding path that
    `precision` asks for (embed.precision.CHOICES; "auto": the fastest path that gives
    fp32's vectors within cosine 0.9999 on this CPU). The encoder's `precision` attribute
    describes the path that runs, e.g. "openvino bf16 (AMX)". It pools parts of a text
    (PoolingEncoder) when its pipeline can, else it is a plain Encoder.
    Raises ModelNotAvailable, with a one-line message naming the model, if it cannot load;
    UnknownPrecision for a precision that names no path; PrecisionNotAvailable when a
    forced path cannot run here."""
    from embed import precision as paths
    from embed.models import sentence_transformer_encoder

    choice = paths.check_choice(precision)
    folder = _openvino_folder(name) if choice != "fp32" and choice != "bf16" else None
    openvino = folder is not None or (choice != "auto" and _openvino_importable())
    plan = paths.plan(choice, paths.detect_cpu(), openvino, folder is not None)
    if plan.engine == "openvino" and folder is not None:
        from embed.openvino_bert import OpenVinoBertEncoder

        try:
            return OpenVinoBertEncoder(folder, model_identity(name), plan.bf16,
                                       plan.description)
        except ParallaxError:
            raise
        except Exception as error:  # a damaged model file, an OpenVINO failure
            if choice != "auto":
                detail = " ".join(str(error).split())[:200]
                raise ModelNotAvailable(
                    f"cannot load model {model_identity(name)!r} with OpenVINO "
                    f"({type(error).__name__}: {detail})",
                    "Choose --precision fp32 or bf16.") from error
            plan = paths.plan(choice, paths.detect_cpu(), False, False)
    return sentence_transformer_encoder(name, plan.bf16, plan.description)


def _openvino_importable() -> bool:
    from embed.openvino_bert import available

    return available()


def _openvino_folder(name: str | None) -> Path | None:
    """The model's folder when OpenVINO can run it here (openvino installed, a local BERT
    that embed.numpy_bert reproduces), else None."""
    from embed import numpy_bert

    try:
        folder = local_model_dir(name or DEFAULT_MODEL)
    except ModelNotAvailable:
        return None
    if folder is None or not numpy_bert.supports(folder) or not _openvino_importable():
        return None
    return folder


def load_query_encoder(name: str | None = None) -> Encoder:
    """The fastest encoder that gives the same vectors as `load_encoder(name)`: a numpy
    forward pass when the model allows it (no torch import), else sentence-transformers."""
    from embed import numpy_bert

    folder = local_model_dir(name or DEFAULT_MODEL)
    if folder is not None and numpy_bert.supports(folder):
        return numpy_bert.NumpyBertEncoder(folder, model_identity(name))
    return load_encoder(name)


__all__ = [
    "DEFAULT_MODEL",
    "Encoder",
    "ModelNotAvailable",
    "PRECISIONS",
    "PrecisionNotAvailable",
    "ProgressFn",
    "UnknownPrecision",
    "WindowSettings",
    "load_encoder",
    "load_query_encoder",
    "make_windows",
    "model_identity",
    "normalise",
]
