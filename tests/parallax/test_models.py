"""Any sentence-transformers pipeline works with --model: mean, CLS or max pooling, a Dense
layer after pooling or not, Normalize or not, any dimension. The models are tiny BERTs built
here (the bundled model's tokenizer, a one-layer BertConfig, random weights with a fixed
seed) and saved as sentence-transformers folders, as a downloaded model would be."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import parallax.settings
from corpus import load_document, load_metadata
from embed import load_encoder, load_query_encoder, numpy_bert
from embed.encoder import PoolingEncoder
from embed.models import ModelNotAvailable, local_model_dir
from parallax.cli import app
from parallax.indexing.context import passage_context

runner = CliRunner()
ZH = Path(__file__).resolve().parent.parent / "data" / "zh"


@dataclass(frozen=True)
class Tiny:
    hidden: int
    pooling: str
    dense: int | None  # output size of a Dense layer after pooling
    normalize: bool
    tanh: bool = False  # the Dense layer's activation (else the identity)

    @property
    def dimension(self) -> int:
        return self.dense or self.hidden


VARIANTS = {
    # BERT + mean pooling (+ Normalize): the numpy query encoder reproduces these exactly.
    "mean-64-normalized": Tiny(64, "mean", None, True),
    "mean-64": Tiny(64, "mean", None, False),
    # The architecture of the issue (distiluse-base-multilingual, LaBSE): Dense after pooling.
    "mean-dense-384-normalized": Tiny(32, "mean", 384, True),
    "max-dense-384": Tiny(32, "max", 384, False),
    # sentence-transformers' default Dense activation: with random weights it maps every
    # text to nearly the same vector (cosines ~0.98), so only the plumbing is checked.
    "mean-dense-tanh-384-normalized": Tiny(32, "mean", 384, True, tanh=True),
    "cls-64": Tiny(64, "cls", None, False),
    "cls-dense-384-normalized": Tiny(32, "cls", 384, True),
}


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    import torch
    from sentence_transformers import SentenceTransformer
    from transformers import AutoTokenizer, BertConfig, BertModel

    try:  # sentence-transformers >= 6
        from sentence_transformers.base.modules import Dense, Normalize
        from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
    except ImportError:
        from sentence_transformers.models import Dense, Normalize, Pooling, Transformer

    root = tmp_path_factory.mktemp("models")
    tokenizer = AutoTokenizer.from_pretrained(str(local_model_dir("all-MiniLM-L6-v2")))
    out = {}
    for name, tiny in VARIANTS.items():
        torch.manual_seed(0)
        config = BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=tiny.hidden,
                            num_hidden_layers=1, num_attention_heads=2,
                            intermediate_size=2 * tiny.hidden, max_position_embeddings=128)
        weights = root / f"{name}-bert"
        BertModel(config).save_pretrained(weights)
        tokenizer.save_pretrained(weights)
        modules = [Transformer(str(weights), max_seq_length=64),
                   Pooling(tiny.hidden, pooling_mode=tiny.pooling)]
        if tiny.dense:
            activation = torch.nn.Tanh() if tiny.tanh else torch.nn.Identity()
            modules.append(Dense(tiny.hidden, tiny.dense, activation_function=activation))
        if tiny.normalize:
            modules.append(Normalize())
        SentenceTransformer(modules=modules, device="cpu").save(str(root / name))
        out[name] = root / name
    return out


def _st(path: Path):  # noqa: ANN202
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(path), device="cpu")


def _unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


TEXTS = ["中国力争二〇六〇年前实现碳中和。", "Leaders agreed to resume military communication.",
         "双方同意建立人工智能政府间对话，讨论AI在军事领域的风险。"]


@pytest.mark.parametrize("name", VARIANTS)
def test_the_encoder_gives_the_models_own_vectors(models: dict[str, Path], name: str) -> None:
    tiny, path = VARIANTS[name], models[name]
    encoder = load_encoder(str(path))
    assert encoder.dimension == tiny.dimension
    expected = _unit(_st(path).encode(TEXTS))
    assert np.all((encoder.encode(TEXTS) * expected).sum(axis=1) > 0.9999)
    # Queries: the numpy encoder only for the model it reproduces exactly.
    query = load_query_encoder(str(path))
    exact = tiny.pooling == "mean" and tiny.dense is None
    assert numpy_bert.supports(path) is exact
    assert (type(query).__name__ == "NumpyBertEncoder") is exact
    assert query.dimension == tiny.dimension
    assert np.all((query.encode(TEXTS) * expected).sum(axis=1) > 0.9999)


@pytest.mark.parametrize("name", VARIANTS)
def test_parts_of_a_text_are_pooled_as_the_model_pools(models: dict[str, Path],
                                                       name: str) -> None:
    tiny, path = VARIANTS[name], models[name]
    encoder = load_encoder(str(path))
    if tiny.pooling == "cls":
        # One CLS vector per text: its sentences cannot be read from it, so they are
        # encoded on their own (the indexer does that for a non-pooling encoder), and the
        # encoder says why.
        assert not isinstance(encoder, PoolingEncoder)
        assert "encoded on their own" in encoder.pooling_note
        assert "Pooling(cls)" in encoder.pooling_note
        return
    assert isinstance(encoder, PoolingEncoder) and encoder.pooling_note is None
    text = TEXTS[0] + " " + TEXTS[1]
    first = (0, len(TEXTS[0]))
    pooled = encoder.encode_pooled([text], [[((0, len(text)),), (first,)]])
    assert pooled.shape == (2, tiny.dimension)
    # The whole text pooled is the model's own vector: Dense and Normalize were applied.
    whole = _unit(_st(path).encode([text]))[0]
    assert float(pooled[0] @ whole) > 0.9999
    # A part is the model's pooling of its own word pieces (and the special tokens) read
    # in the whole text, through the same Dense layer.
    st = _st(path)
    tokens = st.encode([text], output_value="token_embeddings", convert_to_numpy=False)[0]
    offsets = st.tokenizer([text], return_offsets_mapping=True)["offset_mapping"][0]
    chosen = [i for i, (a, b) in enumerate(offsets) if b <= a or (a < first[1] and b > first[0])]
    part = tokens[chosen].float()
    pooled_part = part.mean(dim=0) if tiny.pooling == "mean" else part.max(dim=0).values
    for module in list(st)[2:]:
        pooled_part = module({"sentence_embedding": pooled_part[None]})["sentence_embedding"][0]
    expected = pooled_part.detach().numpy()
    assert float(pooled[1] @ (expected / np.linalg.norm(expected))) > 0.9999


def _window_text(path: Path, start: str) -> str:
    """The text the indexer embeds as the first window of the passage starting `start`."""
    doc = load_document(path.resolve(), load_metadata(ZH).get(path.resolve()))
    passage = next(p for p in doc.passages if p.text.startswith(start))
    return passage_context(doc.metadata, passage.heading) + "\n" + passage.text


def _run(*args: str) -> dict:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("name", VARIANTS)
def test_index_ask_related_and_compare_with_any_pipeline(models: dict[str, Path], name: str,
                                                         tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    # The test models have random weights: their vectors of different texts are nearly
    # the same, closer than 8-bit codes tell apart, so the store keeps float32 here (this
    # test is about pipelines, not precision).
    monkeypatch.setenv("PARALLAX_VECTORS", "f32")
    index = str(tmp_path / "index")
    result = runner.invoke(app, ["index", str(ZH), "--index", index, "--model", str(models[name])])
    assert result.exit_code == 0, result.output
    manifest = json.loads(next((tmp_path / "index").rglob("manifest.json")).read_text())
    assert manifest["dimension"] == VARIANTS[name].dimension
    assert manifest["model"] == str(models[name].resolve())

    # A question that is exactly one of the embedded windows (context line, then the
    # passage) meets its own vector: the query and the index are in the same space.
    window = _window_text(ZH / "01_trade.txt", "中方承诺扩大自美国进口大豆")
    dense = _run("ask", window, "--mode", "dense", "-k", "3", "--index", index)["results"]
    assert len(dense) == 3
    assert window.endswith(dense[0]["text"]) and dense[0]["score"] > 0.9999
    hybrid = _run("ask", "中国什么时候实现碳中和？", "-k", "5", "--index", index)["results"]
    assert any("碳中和" in r["text"] for r in hybrid)

    related = _run("related", dense[0]["passage_id"], "-k", "3", "--index", index)["results"]
    assert related and dense[0]["passage_id"] not in {r["passage_id"] for r in related}

    compared = _run("compare", "气候变化", "--index", index)
    assert len(compared["sources"]) == 5
    assert all(isinstance(s["addressed"], bool) for s in compared["sources"])


def test_an_index_refuses_a_second_model(models: dict[str, Path], tmp_path: Path) -> None:
    index = str(tmp_path / "index")
    first, second = models["mean-64"], models["max-dense-384"]
    assert runner.invoke(app, ["index", str(ZH), "--index", index,
                               "--model", str(first)]).exit_code == 0
    result = runner.invoke(app, ["index", str(ZH), "--index", index, "--model", str(second)])
    assert result.exit_code == 5, result.output  # conflict
    assert str(second.resolve()) in result.output and str(first.resolve()) in result.output
    assert "--rebuild" in result.output
    # The index still answers with the model it was built with.
    assert _run("ask", "碳中和", "--index", index)["results"]


def test_an_index_from_before_cjk_tokens_is_refused_with_the_rebuild_hint(
        models: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index = str(tmp_path / "index")
    with monkeypatch.context() as patch:
        old = "porter unicode61 remove_diacritics 2"  # what indexes stored before
        patch.setattr(parallax.settings, "LEXICAL_TOKENIZER", old)
        assert runner.invoke(app, ["index", str(ZH), "--index", index,
                                   "--model", str(models["mean-64"])]).exit_code == 0
    result = runner.invoke(app, ["ask", "碳中和", "--mode", "lexical", "--index", index])
    assert result.exit_code == 5, result.output
    assert "--rebuild" in result.output


@pytest.mark.parametrize(("model", "says"), [
    ("/nowhere/model", "no such folder"),
    ("sentence-transformers/not-downloaded-here", "no model hub is reached"),
])
def test_a_model_that_cannot_load_is_one_line_naming_it(model: str, says: str,
                                                        tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable) as caught:
        load_encoder(model)
    assert model in caught.value.message and says in caught.value.message
    assert "\n" not in caught.value.message
    result = runner.invoke(app, ["index", str(ZH), "--index", str(tmp_path / "i"),
                                 "--model", model])
    assert result.exit_code == 1
    error = [line for line in result.output.splitlines() if line.startswith("Error")]
    assert len(error) == 1 and model in error[0], result.output


def test_a_folder_that_is_no_model_is_named(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelNotAvailable) as caught:
        load_encoder(str(tmp_path / "empty"))
    assert "no modules.json or config.json" in caught.value.message
    broken = tmp_path / "broken"  # a damaged download: modules.json without the model
    broken.mkdir()
    (broken / "modules.json").write_text(json.dumps(
        [{"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"}]))
    with pytest.raises(ModelNotAvailable) as caught:
        load_encoder(str(broken))
    assert str(broken) in caught.value.message and "\n" not in caught.value.message
