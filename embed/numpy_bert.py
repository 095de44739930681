"""A numpy forward pass for BERT-style sentence-transformers models, for queries.

`import sentence_transformers` (torch, transformers) costs ~5 s on this class of machine, which
would dominate a one-question `parallax ask`. Encoding a question is a few small matrix
products, so for the models whose whole pipeline we can reproduce exactly (a BertModel, mean
pooling, optional normalisation: `supports`) we run it in numpy from the model's own
safetensors weights and its fast tokenizer. Anything else falls back to sentence-transformers.
Tests check the vectors against sentence-transformers'.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from embed.encoder import ProgressFn, by_length, normalise

_BATCH = 32
_PIPELINES = (("Transformer", "Pooling"), ("Transformer", "Pooling", "Normalize"))


def supports(model_dir: Path) -> bool:
    """Whether this module computes exactly what sentence-transformers computes for the
    model in `model_dir`: a BERT (GELU, absolute positions) whose word-piece vectors are
    mean-pooled, optionally normalised, and nothing else: no Dense layer, no other pooling,
    no lower-casing or default prompt added by sentence-transformers. Any other model is
    served by its own pipeline (embed.models)."""
    modules = _read_json(model_dir / "modules.json")
    config = _read_json(model_dir / "config.json")
    if not isinstance(modules, list) or not all(isinstance(m, dict) for m in modules):
        return False
    types = [str(m.get("type", "")) for m in modules]
    if (not all(t.startswith("sentence_transformers.") for t in types)
            or tuple(t.rsplit(".", 1)[-1] for t in types) not in _PIPELINES
            or modules[0].get("path", "") != ""):
        return False
    pooling = _read_json(model_dir / str(modules[1].get("path", "")) / "config.json")
    st_config = _read_json(model_dir / "sentence_bert_config.json")
    st_model = _read_json(model_dir / "config_sentence_transformers.json")
    return (_mean_pooling(pooling)
            and pooling.get("embedding_dimension",
                            pooling.get("word_embedding_dimension")) == config.get("hidden_size")
            and config.get("model_type") == "bert"
            and config.get("hidden_act") == "gelu"
            and config.get("position_embedding_type", "absolute") == "absolute"
            and not st_config.get("do_lower_case", False)
            and st_config.get("transformer_task", "feature-extraction") == "feature-extraction"
            and st_config.get("module_output_name", "token_embeddings") == "token_embeddings"
            and not st_model.get("default_prompt_name")
            and (model_dir / "model.safetensors").is_file()
            and (model_dir / "tokenizer.json").is_file())


def _mean_pooling(pooling: dict[str, Any]) -> bool:
    mode = pooling.get("pooling_mode")
    if mode is not None:  # sentence-transformers >= 6
        return mode in ("mean", ["mean"])
    return (pooling.get("pooling_mode_mean_tokens") is True
            and not any(pooling.get(k) for k in (
                "pooling_mode_cls_token", "pooling_mode_max_tokens",
                "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens",
                "pooling_mode_lasttoken")))


def padded(encodings: Sequence[Any], mask_type: type) -> tuple[np.ndarray, np.ndarray]:
    """Token ids of a batch, padded with 0 to its longest text, and the attention mask."""
    length = max(len(e.ids) for e in encodings)
    ids = np.zeros((len(encodings), length), dtype=np.int64)
    mask = np.zeros((len(encodings), length), dtype=mask_type)
    for row, encoding in enumerate(encodings):
        ids[row, : len(encoding.ids)] = encoding.ids
        mask[row, : len(encoding.ids)] = 1
    return ids, mask


def untruncated_offsets(tokenizer: Any, text: str, limit: int) -> list[tuple[int, int]]:
    """Char spans of a whole text's word pieces (special tokens excluded), read without the
    truncation to `limit` that the tokenizer applies to texts it encodes for the model."""
    tokenizer.no_truncation()
    try:
        encoding = tokenizer.encode(text, add_special_tokens=False)
    finally:
        tokenizer.enable_truncation(max_length=limit)
    return [(a, b) for a, b in encoding.offsets if b > a]


def max_length_of(model_dir: Path, config: dict[str, Any]) -> int:
    """Word pieces sentence-transformers reads: its own setting, else the tokenizer's
    limit capped by the model's positions, as sentence-transformers >= 6 decides."""
    positions = int(config["max_position_embeddings"])
    st_config = _read_json(model_dir / "sentence_bert_config.json")
    if "max_seq_length" in st_config:
        return int(st_config["max_seq_length"])
    tokenizer = _read_json(model_dir / "tokenizer_config.json").get("model_max_length")
    if isinstance(tokenizer, int) and 0 < tokenizer < positions:
        return tokenizer
    return positions


class NumpyBertEncoder:
    """The Encoder protocol over a numpy BERT; same vectors as sentence-transformers."""

    def __init__(self, model_dir: Path, name: str) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        self.name = name
        self.model_dir = model_dir
        config = json.loads((model_dir / "config.json").read_text(encoding="utf-8"))
        self._heads = int(config["num_attention_heads"])
        self._layers = int(config["num_hidden_layers"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        self._weights = load_file(str(model_dir / "model.safetensors"))
        self._prefix = "bert." if "bert.embeddings.word_embeddings.weight" in self._weights else ""
        self._adjust_weights()
        self._transposed = _linear_weights_transposed(self._weights)
        max_length = max_length_of(model_dir, config)
        self.max_tokens = max_length - 2
        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_length)
        self._dimension = int(config["hidden_size"])

    def _adjust_weights(self) -> None:
        """Change `self._weights` (torch's layout, model prefix included) before the forward
        pass reads them: a subclass's hook (embed.adapted_bert)."""

    @property
    def dimension(self) -> int:
        return self._dimension

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return untruncated_offsets(self._tokenizer, text, self.max_tokens + 2)

    def encode(self, texts: Sequence[str], progress: ProgressFn | None = None) -> np.ndarray:
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for batch in by_length(texts, _BATCH):
            out[batch] = self._encode_batch([texts[i] for i in batch])
            if progress:
                progress(len(batch))
        return normalise(out)

    def _encode_batch(self, texts: list[str]) -> np.ndarray:
        ids, mask = padded(self._tokenizer.encode_batch(texts), np.float32)
        return _mean(self._forward(ids, mask), mask)

    def pair_states(self, firsts: Sequence[str], seconds: Sequence[str], max_pieces: int
                    ) -> np.ndarray:
        """(n, 2, dimension): each pair read as one input, "[CLS] first [SEP] second [SEP]"
        with token types 0 then 1 (as BERT reads sentence pairs), cut to `max_pieces` word
        pieces by trimming the longer text first; per pair, the mean of the last layer's
        vectors of the word pieces of type 0 ([CLS] first [SEP]) and of type 1 (second
        [SEP]): each text as read beside the other, the input of a cross-encoder's head.
        Not normalised."""
        out = np.zeros((len(firsts), 2, self._dimension), dtype=np.float32)
        if not len(firsts):
            return out
        pairs = list(zip(firsts, seconds, strict=True))
        self._tokenizer.enable_truncation(max_length=max_pieces, strategy="longest_first")
        try:
            encodings = self._tokenizer.encode_batch(pairs)
        finally:
            self._tokenizer.enable_truncation(max_length=self.max_tokens + 2)
        order = np.argsort([len(e.ids) for e in encodings], kind="stable")  # little padding
        for start in range(0, len(order), _BATCH):
            rows = order[start:start + _BATCH]
            batch = [encodings[i] for i in rows]
            ids, mask = padded(batch, np.float32)
            types = np.zeros(ids.shape, dtype=np.int64)
            for row, encoding in enumerate(batch):
                types[row, : len(encoding.type_ids)] = encoding.type_ids
            hidden = self._forward(ids, mask, types)
            second = mask * types
            out[rows, 0] = _mean(hidden, mask - second)
            out[rows, 1] = _mean(hidden, second)
        return out

    def _w(self, name: str) -> np.ndarray:
        return self._weights[self._prefix + name]

    def _forward(self, ids: np.ndarray, mask: np.ndarray, types: np.ndarray | None = None
                 ) -> np.ndarray:
        """Last layer's word-piece vectors (zeros at padding); `types` the token types
        (default all 0).

        Only attention mixes word pieces, so everything else (the six projections, GELU,
        layer norms: nearly all the work) runs on the real word pieces alone, packed as
        rows, and only attention sees the batch padded: a batch of sentences of 20 to 40
        word pieces pads by about a third, which was a third more work for nothing. A
        row's arithmetic is the same as in the padded batch, so are its values."""
        real = np.flatnonzero(mask.reshape(-1))  # the word pieces that are not padding
        batch, length = ids.shape
        positions = np.broadcast_to(np.arange(length), ids.shape).reshape(-1)[real]
        table = self._w("embeddings.token_type_embeddings.weight")
        x = (self._w("embeddings.word_embeddings.weight")[ids.reshape(-1)[real]]
             + self._w("embeddings.position_embeddings.weight")[positions]
             + (table[0][None] if types is None else table[types.reshape(-1)[real]]))
        x = self._layer_norm(x, "embeddings.LayerNorm")
        bias = (1.0 - mask)[:, None, None, :] * np.float32(-1e9)  # no attention to padding
        for layer in range(self._layers):
            x = self._block(x, real, (batch, length), bias, f"encoder.layer.{layer}.")
        out = np.zeros((batch * length, x.shape[1]), dtype=x.dtype)
        out[real] = x
        return out.reshape(batch, length, x.shape[1])

    def _block(self, x: np.ndarray, real: np.ndarray, shape: tuple[int, int],
               bias: np.ndarray, p: str) -> np.ndarray:
        """One layer over the packed word pieces `x` (rows `real` of the padded batch of
        `shape`); padding rows are zero vectors, which attention never reads."""
        batch, length = shape
        width = x.shape[1]
        head = width // self._heads

        whole = len(real) == batch * length  # no padding (one text): nothing to scatter

        def split(t: np.ndarray) -> np.ndarray:
            if whole:
                padded = t
            else:
                padded = np.zeros((batch * length, width), dtype=t.dtype)
                padded[real] = t
            return padded.reshape(batch, length, self._heads, head).transpose(0, 2, 1, 3)

        q = split(self._linear(x, p + "attention.self.query"))
        k = split(self._linear(x, p + "attention.self.key"))
        v = split(self._linear(x, p + "attention.self.value"))
        scores = q @ k.transpose(0, 1, 3, 2) / np.float32(np.sqrt(head)) + bias
        scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
        attention = scores / scores.sum(axis=-1, keepdims=True)
        context = (attention @ v).transpose(0, 2, 1, 3).reshape(batch * length, width)
        if not whole:
            context = context[real]
        x = self._layer_norm(x + self._linear(context, p + "attention.output.dense"),
                             p + "attention.output.LayerNorm")
        inner = _gelu_rows(self._linear(x, p + "intermediate.dense"))
        return self._layer_norm(x + self._linear(inner, p + "output.dense"),
                                p + "output.LayerNorm")

    def _linear(self, x: np.ndarray, name: str) -> np.ndarray:
        # One 2-D product: numpy would loop over the batch for a 3-D operand.
        weight = self._transposed[self._prefix + name + ".weight"]  # (inputs, outputs)
        flat = x.reshape(-1, x.shape[-1]) @ weight
        flat += self._w(name + ".bias")
        return flat.reshape(*x.shape[:-1], weight.shape[1])

    def _layer_norm(self, x: np.ndarray, name: str) -> np.ndarray:
        mean = x.mean(axis=-1, keepdims=True)
        var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
        return (x - mean) / np.sqrt(var + self._eps) * self._w(name + ".weight") + self._w(
            name + ".bias")


def _linear_weights_transposed(weights: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The encoder layers' dense weights as (inputs, outputs) C-contiguous arrays, in place of
    torch's (outputs, inputs) layout: a question's forward pass then streams each matrix in
    the order BLAS reads it (its 42 MB do not fit in the cache between questions), 10 % less
    time than multiplying by the transposed view. The originals are dropped, so memory does
    not grow."""
    transposed = {}
    for name in [n for n in weights if ".encoder.layer." in "." + n and n.endswith(".weight")
                 and weights[n].ndim == 2]:
        transposed[name] = np.ascontiguousarray(weights.pop(name).T)
    return transposed


def _mean(hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """Mean of the word-piece vectors that are not padding."""
    summed = (hidden * mask[:, :, None]).sum(axis=1)
    return summed / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)


def _gelu_rows(x: np.ndarray, rows: int = 64) -> np.ndarray:
    """_gelu of a 2-D array, in place, a few rows at a time: its dozen passes then run over
    a block that stays in the core's cache, with small temporaries (less time, and far
    fewer page faults than a dozen fresh arrays of the whole batch's size)."""
    for start in range(0, len(x), rows):
        x[start:start + rows] = _gelu(x[start:start + rows])
    return x


def _gelu(x: np.ndarray) -> np.ndarray:
    """BERT's exact GELU, x * P(X <= x) for a standard normal X, without scipy: importing
    scipy.special for its erf took 0.2-0.35 s of every cold hybrid `ask`. Written with
    erfc(|z|), whose approximation below has a relative error near 1e-7, so that the small
    side of 1 +/- erf keeps float32 precision too (tests/embed/test_query_encoder.py checks
    it against scipy's erfc in float64)."""
    z = np.abs(x) * np.float32(np.sqrt(0.5))
    half_tail = _erfc(z)
    half_tail *= np.float32(0.5)  # (1 - erf(|z|)) / 2: the normal's tail beyond |x|
    # P(X <= x) is 1 - tail for x >= 0 and tail below: upper + sign * tail, with upper 1
    # and sign -1 for x >= 0, else 0 and 1, the same float32 values as choosing between
    # 1 - tail and tail, without np.where's branch per element (a third of GELU's time).
    upper = (x >= 0).astype(np.float32)
    sign = np.float32(1.0) - upper
    sign -= upper
    half_tail *= sign
    half_tail += upper
    half_tail *= x
    return half_tail


def _erfc(z: np.ndarray) -> np.ndarray:
    """erfc(z) for z >= 0: the Chebyshev fit of Press et al., Numerical Recipes (2nd ed.,
    6.2, erfcc), fractional error below 1.2e-7, evaluated in place in z's dtype."""
    t = z * np.float32(0.5)
    t += np.float32(1.0)
    np.reciprocal(t, out=t)
    poly = t * np.float32(0.17087277)
    poly += np.float32(-0.82215223)
    for c in (1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196,
              1.00002368, -1.26551223):
        poly *= t
        poly += np.float32(c)
    poly -= z * z
    np.exp(poly, out=poly)
    poly *= t
    return poly


def _read_json(path: Path) -> Any:
    """A JSON file's content; {} when it is missing or not JSON."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
