"""Embedding paths (embed.precision): every path this machine can run gives the fp32 vectors
within cosine 0.999 on real texts, whole and pooled; the choice follows the CPU's bf16
support; a precision that names no path is a usage error listing the choices."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from corpus.errors import Kind, ParallaxError
from embed import PRECISIONS, UnknownPrecision, load_encoder
from embed.openvino_bert import available as openvino_available
from embed.precision import CpuSupport, check_choice, cpu_flags, plan, support_from_flags

SCIFACT = Path(__file__).resolve().parents[3] / "shared" / "datasets" / "scifact"
SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "china-us"
AMX = CpuSupport(amx_bf16=True, avx512_bf16=True, isa="AVX512")
AVX2 = CpuSupport(isa="AVX2")


def _real_texts() -> list[str]:
    """Abstracts of several lengths (some past the model's 256 word pieces, so truncated),
    and the sample corpus's text, Chinese included."""
    texts: list[str] = []
    if (SCIFACT / "corpus.jsonl").is_file():
        with (SCIFACT / "corpus.jsonl").open(encoding="utf-8") as lines:
            for line in lines:
                record = json.loads(line)
                texts.append(f"{record['title']}\n{record['text']}")
                if len(texts) == 8:
                    break
    for path in sorted(SAMPLE.glob("*.txt"))[:3] if SAMPLE.is_dir() else []:
        texts.append(path.read_text(encoding="utf-8")[:1500])
    if not texts:
        pytest.skip("no real texts here (../shared/datasets/scifact, ../shared/corpus)")
    return texts


def _sentences(text: str) -> list[tuple[tuple[int, int], ...]]:
    """Each sentence a unit, and the whole text, as the indexer pools windows and sentences."""
    spans = [m.span() for m in re.finditer(r"[^.!?。！？]+[.!?。！？]?", text) if m.group().strip()]
    return [((0, len(text)),)] + [(span,) for span in spans]


def _paths() -> list[str]:
    paths = ["bf16"]
    if openvino_available():
        paths += ["openvino", "openvino-fp32"]
    return paths


@pytest.fixture(scope="module")
def reference() -> tuple[list[str], list, np.ndarray, np.ndarray]:
    texts = _real_texts()
    units = [_sentences(text) for text in texts]
    fp32 = load_encoder(precision="fp32")
    assert fp32.precision.startswith("fp32")
    pooled = fp32.encode_pooled(texts, units)
    # Each text's first unit is the whole text: fp32's own vector of it (tests/embed/
    # test_pooling checks pooling the whole text gives `encode`'s), one forward pass less.
    firsts = np.cumsum([0] + [len(u) for u in units[:-1]])
    return texts, units, pooled[firsts], pooled


@pytest.mark.parametrize("precision", _paths())
def test_every_path_gives_the_fp32_vectors(reference, precision: str) -> None:  # noqa: ANN001
    texts, units, whole, pooled = reference
    encoder = load_encoder(precision=precision)
    assert isinstance(encoder.precision, str) and encoder.precision
    assert encoder.dimension == whole.shape[1] and encoder.max_tokens == 254
    vectors = encoder.encode(texts)
    parts = encoder.encode_pooled(texts, units)
    assert vectors.dtype == np.float32 and parts.shape == pooled.shape
    assert np.min(np.sum(vectors * whole, axis=1)) >= 0.999
    assert np.min(np.sum(parts * pooled, axis=1)) >= 0.999


def test_auto_names_the_path_that_ran() -> None:
    encoder = load_encoder()
    for word in ("fp32", "bf16", "f32"):
        if word in encoder.precision:
            break
    else:
        pytest.fail(f"no precision named in {encoder.precision!r}")
    assert "(" in encoder.precision  # and why: the CPU's support


def test_an_unknown_precision_is_a_usage_error_listing_the_choices() -> None:
    with pytest.raises(UnknownPrecision) as caught:
        load_encoder(precision="int4")
    assert isinstance(caught.value, ParallaxError) and caught.value.kind is Kind.usage
    assert all(choice in caught.value.hint for choice in PRECISIONS)
    assert check_choice(None) == "auto" and check_choice(" BF16 ") == "bf16"


def test_auto_takes_bf16_only_where_the_cpu_computes_it() -> None:
    assert plan("auto", AMX, openvino=True, model_supported=True).bf16
    assert plan("auto", AMX, openvino=False, model_supported=True).engine == "torch"
    assert plan("auto", AMX, openvino=False, model_supported=True).bf16
    for openvino in (True, False):
        chosen = plan("auto", AVX2, openvino=openvino, model_supported=True)
        assert not chosen.bf16
        assert "no native bf16: AVX2" in chosen.description
    # Forced bf16 without native support runs, and says it is emulated.
    forced = plan("bf16", AVX2, openvino=True, model_supported=True)
    assert forced.bf16 and "emulated" in forced.description
    assert not plan("fp32", AMX, openvino=True, model_supported=True).bf16


def test_a_forced_path_that_cannot_run_says_why() -> None:
    for precision, openvino, supported in (("openvino", False, True),
                                           ("openvino", True, False)):
        with pytest.raises(ParallaxError) as caught:
            plan(precision, AMX, openvino=openvino, model_supported=supported)
        assert caught.value.kind is Kind.unavailable and caught.value.hint


def test_the_cpu_is_read_from_its_flags() -> None:
    amx = cpu_flags("processor\t: 0\nflags\t\t: fpu avx2 avx512f avx512_bf16 amx_bf16 amx_tile\n")
    assert support_from_flags(amx).describe() == "AMX"
    epyc = support_from_flags(cpu_flags("flags\t\t: fpu sse4_2 avx avx2 fma\n"))
    assert not epyc.native_bf16 and epyc.describe() == "AVX2"
    cooper = support_from_flags({"avx512f", "avx512_bf16"})
    assert cooper.native_bf16 and cooper.describe() == "AVX512-BF16"
