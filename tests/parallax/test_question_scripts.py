"""A question in a script the index's model was not trained on gets one warning (stderr, and
`warnings` in JSON) pointing to lexical mode or a multilingual model; the answer is the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from embed.models import local_model_dir
from parallax.cli import app
from parallax.search.scripts import unfamiliar_script

runner = CliRunner()
MINILM = "sentence-transformers/all-MiniLM-L6-v2"


@pytest.fixture(scope="module")
def minilm_dir() -> Path:
    folder = local_model_dir(MINILM)
    assert folder is not None
    return folder


@pytest.mark.parametrize("question", [
    "中国对台湾问题说了什么？",  # Chinese
    "Что Китай сказал о Тайване?",  # Russian
    "ماذا قالت الصين عن تايوان؟",  # Arabic
    "중국은 대만에 대해 뭐라고 했나요?",  # Korean
])
def test_the_english_model_is_said_not_to_read_other_scripts(question: str,
                                                             minilm_dir: Path) -> None:
    warning = unfamiliar_script(question, MINILM, minilm_dir)
    assert warning is not None
    assert MINILM in warning and "--mode lexical" in warning and "multilingual" in warning


@pytest.mark.parametrize("question", [
    "What did China say about Taiwan?",
    "Qu'a dit la Chine à propos de Taïwan ?",  # Latin script, accents
    "What did 习近平 say about trade with the United States?",  # mostly English
])
def test_questions_in_the_models_script_get_no_warning(question: str, minilm_dir: Path) -> None:
    assert unfamiliar_script(question, MINILM, minilm_dir) is None


def test_a_model_whose_vocabulary_holds_the_script_gets_no_warning(tmp_path: Path) -> None:
    # A stand-in for a Russian-trained WordPiece model: thousands of Cyrillic entries.
    cyrillic = [chr(code) for code in range(0x430, 0x450)]
    entries = {a + b + c for a in cyrillic for b in cyrillic[:8] for c in cyrillic[:8]}
    (tmp_path / "vocab.txt").write_text("\n".join(["[UNK]", *sorted(entries)]),
                                        encoding="utf-8")
    assert unfamiliar_script("Что Китай сказал о Тайване?", "ru-model", tmp_path) is None
    assert unfamiliar_script("中国对台湾问题说了什么？", "ru-model", tmp_path) is not None


def test_a_sentencepiece_vocabulary_is_read_and_a_byte_level_one_is_not(tmp_path: Path) -> None:
    han = [[f"▁{chr(0x4E00 + i)}", -1.0] for i in range(3000)]
    unigram = {"pre_tokenizer": {"type": "Metaspace"}, "model": {"type": "Unigram",
                                                                 "vocab": han}}
    (tmp_path / "tokenizer.json").write_text(json.dumps(unigram), encoding="utf-8")
    assert unfamiliar_script("中国对台湾问题说了什么？", "zh-model", tmp_path) is None
    byte_level = tmp_path / "bpe"
    byte_level.mkdir()
    (byte_level / "tokenizer.json").write_text(json.dumps(
        {"pre_tokenizer": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": {"a": 0}}}),
        encoding="utf-8")
    assert unfamiliar_script("中国对台湾问题说了什么？", "bpe-model", byte_level) is None


def test_ask_warns_once_on_stderr_and_in_json(sample_index: Path) -> None:
    question = "中国对台湾问题说了什么？"
    shown = runner.invoke(app, ["ask", question, "--index", str(sample_index)])
    assert shown.exit_code == 0, shown.output
    warnings = [line for line in shown.stderr.splitlines() if line.startswith("Warning: ")]
    assert len(warnings) == 1 and "Han (Chinese)" in warnings[0]
    assert "Warning" not in shown.stdout
    data = json.loads(runner.invoke(app, ["ask", question, "--json",
                                          "--index", str(sample_index)]).stdout)
    assert len(data["warnings"]) == 1 and "--mode lexical" in data["warnings"][0]
    assert data["results"]  # the answer is still given


def test_lexical_mode_and_english_questions_get_no_warning(sample_index: Path) -> None:
    lexical = runner.invoke(app, ["ask", "中国对台湾问题说了什么？", "--mode", "lexical",
                                  "--json", "--index", str(sample_index)])
    assert json.loads(lexical.stdout)["warnings"] == []
    assert "Warning" not in lexical.stderr
    english = runner.invoke(app, ["ask", "What did China say about Taiwan?", "--json",
                                  "--index", str(sample_index)])
    assert json.loads(english.stdout)["warnings"] == []


def test_related_text_in_another_script_warns_too(sample_index: Path) -> None:
    result = runner.invoke(app, ["related", "--text", "Что Китай сказал о Тайване?", "--json",
                                 "--index", str(sample_index)])
    assert result.exit_code == 0, result.output
    assert "Cyrillic" in json.loads(result.stdout)["warnings"][0]
