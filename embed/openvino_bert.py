"""The embedding path through OpenVINO, for the BERT-style models `numpy_bert.supports` accepts
(a BERT, mean pooling, optional normalisation: the bundled all-MiniLM-L6-v2 among them).

The graph is built here with OpenVINO's operations from the model's own safetensors weights,
as `numpy_bert` computes it: no torch, transformers or sentence-transformers import (seconds
of a cold `parallax index`), no conversion by tracing, nothing cached on disk. OpenVINO runs
it in bf16 where the CPU has native bf16 (AMX or AVX512-BF16: LayerNorm, softmax and the sums
stay in f32 there), else in f32. Tests compare its vectors, whole texts and pooled parts,
to sentence-transformers' fp32 ones.

openvino is an optional dependency (`pip install parallax-search[fast]`); `available()` says
whether it imports, and embed.precision falls back to torch when it does not.
"""

from __future__ import annotations

import json
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embed.encoder import ProgressFn, Ranges, by_length, normalise, unit_masks
from embed.numpy_bert import padded, untruncated_offsets

# Texts per inference. OpenVINO runs several at once (one stream per core or so, chosen by
# its THROUGHPUT hint, at most _MAX_JOBS): on two cores, two streams of one thread each did
# ~15 % more tokens per CPU-second than one stream of two threads (LATENCY), which waits at
# every layer for the slower core. Each job's f32 activations of 16 windows of 256 word pieces
# are ~6 MB per tensor.
_BATCH = 16
_MAX_JOBS = 8


def available() -> bool:
    """Whether the openvino package imports here (it is optional)."""
    try:
        import openvino  # noqa: F401
    except Exception:  # ImportError, or a broken native library
        return False
    return True


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def build_model(model_dir: Path) -> Any:
    """An openvino.Model of the BERT in `model_dir`: input_ids and attention_mask (int64,
    [batch, length]) -> the last layer's word-piece vectors (f32, [batch, length, width])."""
    import openvino as ov
    import openvino.opset13 as op
    from safetensors.numpy import load_file

    config = _read_json(model_dir / "config.json")
    weights = load_file(str(model_dir / "model.safetensors"))
    prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""
    heads = int(config["num_attention_heads"])
    layers = int(config["num_hidden_layers"])
    width = int(config["hidden_size"])
    eps = float(config.get("layer_norm_eps", 1e-12))
    head = width // heads

    def w(name: str) -> Any:
        return op.constant(np.ascontiguousarray(weights[prefix + name], dtype=np.float32))

    def linear(x: Any, name: str) -> Any:
        return op.add(op.matmul(x, w(name + ".weight"), False, True), w(name + ".bias"))

    def layer_norm(x: Any, name: str) -> Any:
        normed = op.mvn(x, op.constant(np.array([-1], dtype=np.int64)), True, eps, "inside_sqrt")
        return op.add(op.multiply(normed, w(name + ".weight")), w(name + ".bias"))

    ids = op.parameter([-1, -1], np.int64, name="input_ids")
    mask = op.parameter([-1, -1], np.int64, name="attention_mask")
    length = op.gather(op.shape_of(ids), op.constant(np.int64(1)), op.constant(np.int64(0)))
    positions = op.range(op.constant(np.int64(0)), length, op.constant(np.int64(1)),
                         output_type="i64")
    token_type = weights[prefix + "embeddings.token_type_embeddings.weight"][0]
    x = op.add(op.add(op.gather(w("embeddings.word_embeddings.weight"), ids, 0),
                      op.gather(w("embeddings.position_embeddings.weight"), positions, 0)),
               op.constant(np.ascontiguousarray(token_type, dtype=np.float32)))
    x = layer_norm(x, "embeddings.LayerNorm")
    # No attention to padding: -1e9 added to its scores, as numpy_bert does; [batch,1,1,len].
    keep = op.convert(op.unsqueeze(mask, op.constant(np.array([1, 2], dtype=np.int64))),
                      "f32")
    bias = op.multiply(op.subtract(op.constant(np.float32(1.0)), keep),
                       op.constant(np.float32(-1e9)))
    split = op.constant(np.array([0, 0, heads, head], dtype=np.int64))
    merge = op.constant(np.array([0, 0, width], dtype=np.int64))
    order = op.constant(np.array([0, 2, 1, 3], dtype=np.int64))
    scale = op.constant(np.float32(1.0 / np.sqrt(head)))
    for layer in range(layers):
        p = f"encoder.layer.{layer}."

        def heads_of(t: Any) -> Any:
            return op.transpose(op.reshape(t, split, True), order)

        q = heads_of(linear(x, p + "attention.self.query"))
        k = heads_of(linear(x, p + "attention.self.key"))
        v = heads_of(linear(x, p + "attention.self.value"))
        context = op.scaled_dot_product_attention(q, k, v, bias, scale, False)
        context = op.reshape(op.transpose(context, order), merge, True)
        x = layer_norm(op.add(x, linear(context, p + "attention.output.dense")),
                       p + "attention.output.LayerNorm")
        inner = op.gelu(linear(x, p + "intermediate.dense"), "erf")
        x = layer_norm(op.add(x, linear(inner, p + "output.dense")), p + "output.LayerNorm")
    return ov.Model([x], [ids, mask], "bert")


class OpenVinoBertEncoder:
    """The Encoder and PoolingEncoder protocols over an OpenVINO BERT; vectors within
    cosine 0.9999 of sentence-transformers' fp32 ones (f32: equal to rounding)."""

    pooling_note: str | None = None

    def __init__(self, model_dir: Path, name: str, bf16: bool, precision: str = "") -> None:
        import openvino as ov
        from tokenizers import Tokenizer

        from embed.numpy_bert import max_length_of

        self.name = name
        config = _read_json(model_dir / "config.json")
        self._dimension = int(config["hidden_size"])
        self._limit = max_length_of(model_dir, config)
        self.max_tokens = self._limit - 2
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=self._limit)
        settings = {"INFERENCE_PRECISION_HINT": "bf16" if bf16 else "f32",
                    "PERFORMANCE_HINT": "THROUGHPUT"}
        self._compiled = ov.Core().compile_model(build_model(model_dir), "CPU", settings)
        jobs = int(self._compiled.get_property("OPTIMAL_NUMBER_OF_INFER_REQUESTS"))
        self._requests = [self._compiled.create_infer_request()
                          for _ in range(max(1, min(jobs, _MAX_JOBS)))]
        ran = str(self._compiled.get_property("INFERENCE_PRECISION_HINT"))
        self.inference_precision = "bf16" if "bf" in ran.lower() else "f32"
        self.pipeline = "OpenVINO BERT -> mean pooling -> Normalize"
        self.precision = precision or f"openvino {self.inference_precision}"

    @property
    def dimension(self) -> int:
        return self._dimension

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return untruncated_offsets(self._tokenizer, text, self._limit)

    def _inputs(self, texts: list[str]) -> tuple[list[Any], dict[str, np.ndarray]]:
        encodings = self._tokenizer.encode_batch(texts)
        ids, mask = padded(encodings, np.int64)
        return encodings, {"input_ids": ids, "attention_mask": mask}

    def _run(self, texts: Sequence[str]) -> Iterator[tuple[list[int], list[Any], np.ndarray]]:
        """(positions, encodings, word-piece vectors [texts, longest, width]) of each batch
        of `texts`, shortest first; several batches in flight, the next one tokenised while
        they run. The vectors are valid until the next item is asked for."""
        inflight: deque[tuple[Any, list[int], list[Any]]] = deque()
        for number, batch in enumerate(by_length(texts, _BATCH)):
            if len(inflight) == len(self._requests):
                yield self._finish(*inflight.popleft())
            request = self._requests[number % len(self._requests)]
            encodings, inputs = self._inputs([texts[i] for i in batch])
            request.start_async(inputs)
            inflight.append((request, batch, encodings))
        while inflight:
            yield self._finish(*inflight.popleft())

    @staticmethod
    def _finish(request: Any, batch: list[int],
                encodings: list[Any]) -> tuple[list[int], list[Any], np.ndarray]:
        request.wait()
        return batch, encodings, request.get_output_tensor(0).data

    def encode(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)

        def pool(i: int, encoding: Any, vectors: np.ndarray) -> None:
            out[i] = vectors.mean(axis=0)

        self._each(texts, pool, progress)
        return normalise(out)

    def encode_pooled(self, texts: Sequence[str], units: Sequence[Sequence[Ranges]],
                      progress: ProgressFn | None = None) -> np.ndarray:
        rows = [len(u) for u in units]
        starts = np.concatenate([[0], np.cumsum(rows)]).astype(int)
        out = np.zeros((int(starts[-1]), self._dimension), dtype=np.float32)

        def pool(i: int, encoding: Any, vectors: np.ndarray) -> None:
            if units[i]:
                masks = unit_masks(encoding.offsets, units[i]).astype(np.float32)
                counts = np.maximum(masks.sum(axis=1, keepdims=True), 1e-9)
                out[starts[i] : starts[i + 1]] = (masks @ vectors) / counts

        self._each(texts, pool, progress)
        return normalise(out)

    def _each(self, texts: Sequence[str], pool: Callable[[int, Any, np.ndarray], None],
              progress: ProgressFn | None) -> None:
        """Call `pool(position, encoding, its word-piece vectors)` for every text."""
        if not texts:
            return
        from threadpoolctl import threadpool_limits

        # Pooling is a small matrix product per text, done while OpenVINO's streams keep the
        # cores busy: BLAS's own threads would spin against them (measured under load: 3.2 ms
        # a text with two BLAS threads, 0.08 ms with one), so BLAS gets one thread here.
        with threadpool_limits(limits=1, user_api="blas"):
            for batch, encodings, hidden in self._run(texts):
                for row, (i, encoding) in enumerate(zip(batch, encodings, strict=True)):
                    pool(i, encoding, np.asarray(hidden[row, : len(encoding.ids)],
                                                 dtype=np.float32))
                if progress:
                    progress(len(batch))
