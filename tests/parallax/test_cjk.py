"""Chinese documents are searchable lexically: the test corpus of tests/data/zh (four Chinese
statements and a bilingual one, with a metadata.csv), its questions with a gold document and
phrase, and its compare topics labelled addressed or silent per source."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import parallax.indexing
from parallax.cli import app

runner = CliRunner()
ZH = Path(__file__).resolve().parent.parent / "data" / "zh"
QUESTIONS = [json.loads(line) for line in (ZH / "questions.jsonl").open(encoding="utf-8")]
TOPICS = [json.loads(line) for line in (ZH / "topics.jsonl").open(encoding="utf-8")]


@pytest.fixture(scope="module")
def zh_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Lexical search and compare need no model: a fake encoder builds the dense part.
    from tests.conftest import FakeEncoder

    index = tmp_path_factory.mktemp("zh") / "index"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(parallax.indexing.engines.base, "load_encoder", lambda name: FakeEncoder())
        result = runner.invoke(app, ["index", str(ZH), "--index", str(index)])
    assert result.exit_code == 0, result.output
    return index


def _run(index: Path, *args: str) -> dict:
    result = runner.invoke(app, [*args, "--json", "--index", str(index)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _hit(result: dict, question: dict) -> bool:
    return (result["document"]["path"].endswith("/" + question["document"])
            and question["phrase"] in result["text"])


def test_lexical_recall_at_5_on_chinese_questions(zh_index: Path) -> None:
    assert len(QUESTIONS) >= 20 and sum("/" not in q["question"] for q in QUESTIONS) >= 20
    found, highlighted = [], []
    for q in QUESTIONS:
        results = _run(zh_index, "ask", q["question"], "--mode", "lexical", "-k", "5")["results"]
        hits = [r for r in results if _hit(r, q)]
        found.append(bool(hits))
        if hits:
            highlighted.append(q["phrase"] in hits[0]["highlight"])
    recall = sum(found) / len(found)
    missed = [q["question"] for q, f in zip(QUESTIONS, found, strict=True) if not f]
    assert recall >= 0.9, (recall, missed)
    # The highlight is the sentence of the passage holding the answer, most of the time.
    assert sum(highlighted) / len(highlighted) >= 0.8


def test_chinese_and_english_in_one_document(zh_index: Path) -> None:
    for question, phrase in [("fentanyl precursor chemicals", "fentanyl precursor"),
                             ("agree on AI", "artificial intelligence"),  # stemmed: agreed
                             ("芬太尼", "芬太尼"),
                             ("AI在军事领域的风险", "AI在军事领域"),  # no space between scripts
                             ("APEC峰会", "Leaders met")]:  # the title, in the context
        results = _run(zh_index, "ask", question, "--mode", "lexical", "-k", "3")["results"]
        assert results and results[0]["document"]["path"].endswith("05_bilingual.txt"), question
        assert any(phrase in r["text"] for r in results), question


def test_a_chinese_question_has_a_chinese_highlight(zh_index: Path) -> None:
    question = "中国什么时候实现碳中和？"
    (top,) = _run(zh_index, "ask", question, "--mode", "lexical", "-k", "1")["results"]
    assert top["highlight"] == ("中国力争二氧化碳排放于二〇三〇年前达到峰值，"
                                "努力争取二〇六〇年前实现碳中和。")
    assert top["document"]["title"] == "中美应对气候危机联合声明"


def test_compare_marks_chinese_topics_addressed_or_silent(zh_index: Path) -> None:
    assert len(TOPICS) >= 5
    right, wrong = [], []
    for topic in TOPICS:
        report = _run(zh_index, "compare", topic["topic"], "--mode", "lexical")
        addressed = {Path(s["document"]["path"]).name for s in report["sources"] if s["addressed"]}
        silent = {Path(s["document"]["path"]).name for s in report["sources"]
                  if not s["addressed"]}
        ok = addressed == set(topic["addressed"]) and silent == set(topic["silent"])
        (right if ok else wrong).append((topic["topic"], sorted(addressed)))
    # 台湾问题 is the known miss: 问题 ("question") is rarer here than 台湾, so the trade and
    # APEC statements' 经贸问题 and 安全问题 cover half its weight (English "the Taiwan
    # question" does the same in lexical mode; hybrid weighs words by closeness to the topic).
    assert len(right) >= 6, wrong
