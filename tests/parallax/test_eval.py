"""`parallax eval`: BEIR folders and question files, scored by trec_eval's metrics."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from indexes import Mode
from parallax.cli import app
from parallax.evaluation.beir import DatasetError, load_dataset, record_id
from parallax.evaluation.metrics import retrieval_metrics
from parallax.evaluation.retrieval import ensure_dataset_index, evaluate_dataset
from parallax.indexing import build_index
from parallax.session import Session

runner = CliRunner()

# A tiny BEIR corpus: each query is answered by one record that shares its rare words.
RECORDS = [
    {"_id": "d1", "title": "Volcanoes", "text": "Basalt lava flows cool into columns of rock."},
    {"_id": "d2", "title": "Bees", "text": "Honey bees dance to show where the nectar is."},
    {"_id": "d3", "title": "Tides", "text": "The moon pulls the oceans into two tidal bulges."},
    {"_id": "d4", "title": "Glass", "text": "Sand melted with soda ash becomes window glass."},
    {"_id": "q3", "title": "", "text": "Why are there two tides a day on the coast?"},
]
QUERIES = [
    {"_id": "q1", "text": "lava basalt columns"},
    {"_id": "q2", "text": "bees dance nectar"},
    {"_id": "q3", "text": "Why are there two tides a day on the coast?"},
    {"_id": "q9", "text": "a query nobody judged"},
]
QRELS = [("q1", "d1", 1), ("q2", "d2", 1), ("q3", "d3", 1)]


def make_beir(folder: Path, records: list[dict] = RECORDS) -> Path:
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in QUERIES))
    (folder / "qrels" / "test.tsv").write_text(
        "query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t{s}\n" for q, d, s in QRELS))
    return folder


# metrics ---------------------------------------------------------------------------------------

def test_metrics_are_trec_eval_on_the_order_given() -> None:
    qrels = {"q1": {"a": 1, "b": 1}, "q2": {"c": 1}}
    # The relevant documents at ranks 1 and 3 for q1, rank 2 for q2.
    run = {"q1": ["a", "x", "b"], "q2": ["y", "c"]}
    ideal_q1 = 1 + 1 / math.log2(3)
    ndcg_q1 = (1 + 1 / math.log2(4)) / ideal_q1
    ndcg_q2 = (1 / math.log2(3)) / 1
    metrics = retrieval_metrics(qrels, run)
    assert metrics["ndcg@10"] == pytest.approx((ndcg_q1 + ndcg_q2) / 2)
    assert metrics["mrr@10"] == pytest.approx((1 + 1 / 2) / 2)
    assert metrics["recall@10"] == pytest.approx(1.0)


def test_ties_cannot_reorder_a_ranking() -> None:
    # trec_eval breaks score ties by document id; the ranking we give must stand as given.
    metrics = retrieval_metrics({"q": {"a": 1}}, {"q": ["z", "a"]})
    assert metrics["mrr@10"] == pytest.approx(0.5)


def test_a_judged_query_without_results_counts_zero() -> None:
    metrics = retrieval_metrics({"q1": {"a": 1}, "q2": {"b": 1}}, {"q1": ["a"], "q2": []})
    assert metrics["ndcg@10"] == pytest.approx(0.5)
    assert metrics["recall@100"] == pytest.approx(0.5)


def test_recall_at_100_sees_beyond_the_tenth_document() -> None:
    ranking = [f"x{i}" for i in range(20)] + ["a"]
    metrics = retrieval_metrics({"q": {"a": 1}}, {"q": ranking})
    assert (metrics["recall@10"], metrics["recall@100"]) == (0.0, 1.0)


# datasets ----------------------------------------------------------------------------------------

def test_only_judged_queries_are_evaluated(tmp_path: Path) -> None:
    dataset = load_dataset(make_beir(tmp_path / "tiny"))
    assert sorted(dataset.queries) == ["q1", "q2", "q3"]
    assert dataset.qrels["q3"] == {"d3": 1}


def test_a_folder_without_the_beir_files_is_explained(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="queries.jsonl is missing") as raised:
        (tmp_path / "corpus.jsonl").write_text("{}\n")
        load_dataset(tmp_path)
    assert "qrels/test.tsv" in (raised.value.hint or "")


def test_a_malformed_qrels_line_names_its_file_and_line(tmp_path: Path) -> None:
    folder = make_beir(tmp_path / "tiny")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1 d1 1\n")
    with pytest.raises(DatasetError, match=r"test.tsv:2"):
        load_dataset(folder)


# evaluation, with the fake encoder ---------------------------------------------------------------

def evaluate(folder: Path, index: Path, encoder, mode: Mode, **options) -> dict:  # noqa: ANN001
    dataset = load_dataset(folder)
    ensure_dataset_index(dataset, index, encoder_loader=lambda name: encoder)
    with Session(index, encoder_loader=lambda name: encoder) as session:
        return evaluate_dataset(session, dataset, [mode], **options).modes[mode.value]


def test_every_record_is_a_document_titled_by_its_title(tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    folder, index = make_beir(tmp_path / "tiny"), tmp_path / "index"
    dataset = load_dataset(folder)
    ensure_dataset_index(dataset, index, encoder_loader=lambda name: fake_encoder)
    with Session(index) as session:
        docs = {record_id(dataset, d.path): d for d in session.documents}
    assert sorted(docs) == ["d1", "d2", "d3", "d4", "q3"]
    assert docs["d2"].title == "Bees"
    assert docs["q3"].title is None and docs["q3"].date is None


def test_identical_ids_are_dropped_only_when_asked(tmp_path: Path, fake_encoder) -> None:  # noqa: ANN001
    # Query q3 is itself a record of the corpus, as in ArguAna: it matches itself best.
    folder, index = make_beir(tmp_path / "tiny"), tmp_path / "index"
    kept = evaluate(folder, index, fake_encoder, Mode.lexical)
    dropped = evaluate(folder, index, fake_encoder, Mode.lexical, ignore_identical_ids=True)
    assert dropped["mrr@10"] > kept["mrr@10"]
    assert dropped["mrr@10"] == pytest.approx(1.0)


@pytest.mark.parametrize("mode", list(Mode))
def test_each_mode_finds_the_records_sharing_the_query_words(
    tmp_path: Path, fake_encoder, mode: Mode  # noqa: ANN001
) -> None:
    metrics = evaluate(make_beir(tmp_path / "tiny"), tmp_path / "index", fake_encoder, mode,
                       ignore_identical_ids=True)
    assert set(metrics) == {"ndcg@10", "recall@10", "recall@100", "mrr@10"}
    assert metrics["recall@10"] == pytest.approx(1.0)


def test_a_matching_index_is_reused_and_a_changed_corpus_rebuilt(
    tmp_path: Path, fake_encoder  # noqa: ANN001
) -> None:
    folder, index = make_beir(tmp_path / "tiny"), tmp_path / "index"
    load = {"encoder_loader": lambda name: fake_encoder}
    assert ensure_dataset_index(load_dataset(folder), index, **load) is True
    assert ensure_dataset_index(load_dataset(folder), index, **load) is False
    records = [*RECORDS, {"_id": "d5", "title": "Salt", "text": "Sea water leaves salt."}]
    (folder / "corpus.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    assert ensure_dataset_index(load_dataset(folder), index, **load) is True
    with Session(index) as session:
        assert len(session.documents) == 6


def test_eval_never_replaces_an_index_of_the_users_documents(
    tmp_path: Path, fake_encoder  # noqa: ANN001
) -> None:
    notes = tmp_path / "notes"
    notes.mkdir()
    (notes / "a.txt").write_text("My own notes about bees and honey.\n")
    index = tmp_path / "index"
    build_index([notes], index, encoder_loader=lambda name: fake_encoder)
    with pytest.raises(DatasetError, match="not a BEIR corpus"):
        ensure_dataset_index(load_dataset(make_beir(tmp_path / "tiny")), index,
                             encoder_loader=lambda name: fake_encoder)
    with Session(index) as session:
        assert [Path(d.path).name for d in session.documents] == ["a.txt"]


# the command, with the real model ---------------------------------------------------------------

def test_eval_json_names_the_default_mode_and_each_modes_metrics(
    tmp_path: Path, real_encoder  # noqa: ANN001
) -> None:
    folder = make_beir(tmp_path / "tiny")
    result = runner.invoke(app, ["eval", str(folder), "--json", "--ignore-identical-ids",
                                 "--index", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["default_mode"] == "hybrid"
    assert data["queries"] == 3 and data["documents"] == 5
    assert set(data["modes"]) == {"dense", "lexical", "hybrid"}
    for metrics in data["modes"].values():
        assert set(metrics) == {"ndcg@10", "recall@10", "recall@100", "mrr@10"}
        assert all(0.0 <= value <= 1.0 for value in metrics.values())
    # Three distinct topics, each answered by one record: the model finds every one.
    assert data["modes"]["dense"]["recall@10"] == pytest.approx(1.0)


def test_eval_runs_a_question_file_against_an_index(tmp_path: Path, sample_index: Path) -> None:
    questions = tmp_path / "questions.jsonl"
    questions.write_text(json.dumps({
        "id": "1", "question": "Where was the Lanting Forum held?",
        "document": "004_f8739ae2d684661e.txt", "phrase": "Lanting Forum"}) + "\n")
    result = runner.invoke(app, ["eval", str(questions), "--json", "--mode", "lexical",
                                 "--index", str(sample_index)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data["modes"]) == ["lexical"]
    assert data["modes"]["lexical"]["recall@10"] == pytest.approx(1.0)


def test_eval_of_a_missing_folder_says_what_a_beir_folder_holds(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "not a BEIR dataset" in result.stderr
