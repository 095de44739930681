"""`parallax compare` on the sample corpus with the real model: which statements address a
topic and which are silent, in date order, with claims and distinctive terms; JSON and
Markdown read back as a user's script or notes would."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from indexes import DocumentRecord, Mode
from indexes.lexical.fts import query_terms
from parallax.cli import app
from parallax.session import Session
from parallax.stance.compare import Comparison, Source, compare, topic_scores
from parallax.stance.groups import UNDATED, GroupBy, group_sources
from parallax.stance.relevance import CRITERIA
from parallax.stance.render import short_labels

runner = CliRunner()
SAMPLE = Path(__file__).resolve().parents[3] / "shared" / "corpus" / "china-us"
TOPICS = Path(__file__).resolve().parents[2] / "evals" / "compare-topics.jsonl"
CLAIMS = Path(__file__).resolve().parents[2] / "evals" / "china-us-claims.txt"
CLAIM_LABELS = Path(__file__).resolve().parents[2] / "evals" / "china-us-claims.jsonl"
HELDOUT_CLAIMS = Path(__file__).resolve().parents[2] / "evals" / "china-us-claims-heldout.txt"
SECOND_HELDOUT_CLAIMS = (Path(__file__).resolve().parents[2] / "evals"
                         / "china-us-claims-heldout-2.txt")
RESULT_KEYS = {"rank", "score", "passage_id", "text", "highlight", "document", "lines", "chars"}
# The statements by year (metadata.csv): 2005 China.org.cn, 2017 Xi Jinping, 2020 Yang
# Jiechi, 2021 Wang Yi, 2025 Zhong Sheng.
ALL = {"2005", "2017", "2020", "2021", "2025"}


def compare_json(index: Path, topic: str, *args: str) -> dict:
    result = runner.invoke(app, ["compare", topic, "--json", "--index", str(index), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def addressing_years(data: dict) -> set[str]:
    return {s["document"]["date"][:4] for s in data["sources"] if s["addressed"]}


@pytest.mark.parametrize(("topic", "addressed"), [
    # The two topics.
    ("the coronavirus pandemic", {"2020", "2021"}),  # 2005 only lists infectious diseases
    ("the Taiwan question", {"2005", "2020", "2021", "2025"}),  # 2017: "sensitive issues"
    # Our own, with answers read from the texts.
    ("climate change", {"2020", "2021"}),
    ("the Belt and Road Initiative", {"2020", "2021"}),
    ("fentanyl and drug control", {"2020"}),
    ("Hong Kong, Xinjiang and Tibet", {"2020", "2021"}),
    ("trade between China and the United States", ALL),
    ("artificial intelligence", set()),
])
def test_compare_marks_who_addresses_a_topic_and_who_is_silent(
    sample_index: Path, topic: str, addressed: set[str]
) -> None:
    data = compare_json(sample_index, topic)
    assert addressing_years(data) == addressed
    for source in data["sources"]:
        if source["addressed"]:
            assert 1 <= len(source["passages"]) <= 2
            assert all(p["score"] >= data["threshold"] for p in source["passages"])
        else:
            assert source["passages"] == []
            assert source["score"] is None or source["score"] < data["threshold"]


def test_the_calibrated_threshold_still_separates_the_labelled_topics(sample_index: Path) -> None:
    """The criterion was calibrated on these labels (docs/compare.md: about 8 % of training
    pairs and 1-3 % of held-out pairs misjudged), scored as `compare` scores (generic words
    set aside). If embedding units change, this fails and benchmarks/calibrate_compare.py
    must be run again."""
    labelled = [json.loads(line) for line in TOPICS.read_text(encoding="utf-8").splitlines()]
    criterion = CRITERIA[Mode.hybrid]
    wrong = {"train": 0, "heldout": 0}
    pairs = {"train": 0, "heldout": 0}
    with Session(sample_index) as session:
        _encode_in_one_batch(session, [item["topic"] for item in labelled])
        names = {d.rowid: Path(d.path).name for d in session.documents}
        for item in labelled:
            best: dict[str, float] = {}
            found, scores, _ = topic_scores(session, item["topic"])
            for e in found.evidence:
                name = names[e.doc_rowid]
                best[name] = max(best.get(name, -1.0), scores[e.passage_rowid])
            for label in ("addressed", "silent"):
                for name in item[label]:
                    pairs[item["split"]] += 1
                    passes = best.get(name, -1.0) >= criterion.threshold
                    wrong[item["split"]] += passes != (label == "addressed")
    assert pairs == {"train": 154, "heldout": 94}
    assert wrong["train"] <= 0.12 * pairs["train"], wrong
    assert wrong["heldout"] <= 0.12 * pairs["heldout"], wrong


def _encode_in_one_batch(session: Session, topics: list[str]) -> None:
    """Embed every topic and topic word at once (the same vectors, far fewer model calls)."""
    texts = sorted({t for topic in topics for t in [topic, *query_terms(topic)]})
    known = dict(zip(texts, session.encode(texts), strict=True))
    encode = session.encode
    session.encode = lambda batch: np.stack(  # type: ignore[method-assign]
        [known[t] if t in known else encode([t])[0] for t in batch])


def test_sources_come_in_the_date_order_of_metadata_csv(sample_index: Path) -> None:
    with (SAMPLE / "metadata.csv").open(encoding="utf-8") as f:
        expected = [row["title"] for row in sorted(csv.DictReader(f), key=lambda r: r["date"])]
    data = compare_json(sample_index, "the Taiwan question")
    assert [s["document"]["title"] for s in data["sources"]] == expected


def _doc(rowid: int, date: str | None, author: str | None) -> DocumentRecord:
    return DocumentRecord(rowid, f"d{rowid}", f"/x/{rowid}.txt", "/x", f"T{rowid}", date,
                          author, None)


def test_grouping_puts_undated_sources_last_and_years_in_order() -> None:
    docs = [_doc(1, "2019-05", "A"), _doc(2, "2021", "B"), _doc(3, "2019-01-02", "B"),
            _doc(4, None, None)]
    chronological = sorted(docs, key=lambda d: (d.date is None, d.date or ""))
    by_year = group_sources(chronological, GroupBy.year)
    assert list(by_year) == ["2019", "2021", UNDATED]
    assert [d.rowid for d in by_year["2019"][1]] == [3, 1]
    by_author = group_sources(chronological, GroupBy.author)
    assert list(by_author) == ["B", "A", "(unknown author)"]  # B's first document is earliest
    by_document = group_sources(chronological, GroupBy.document)
    assert [docs[0].rowid for _, docs in by_document.values()] == [3, 1, 2, 4]


def test_matrix_columns_are_headed_by_year_or_by_an_undated_documents_title() -> None:
    docs = [_doc(1, "2019-05", "A"), _doc(2, "2019-01-02", "B"), _doc(3, None, None),
            _doc(4, None, None), _doc(5, None, None)]
    docs[2] = replace(docs[2], title="Climate policy")
    docs[3] = replace(docs[3], title="Opposition response to the plan")
    docs[4] = replace(docs[4], title=None)
    sources = [Source(d.id, d.title or "", [d], False, None, [], 0) for d in docs]
    comparison = Comparison("coal", "hybrid", GroupBy.document.value, 0.4, sources, [])
    assert list(short_labels(comparison).values()) == [
        "2019", "2019-01-02", "Climate policy", "Opposition…", "untitled"]


def test_json_sources_carry_the_document_object_and_result_objects_of_ask(
    sample_index: Path
) -> None:
    data = compare_json(sample_index, "the Taiwan question")
    assert {"topic", "sources", "key_points", "distinctive_terms"} <= data.keys()
    assert data["topic"] == "the Taiwan question"
    asked = runner.invoke(app, ["ask", "the Taiwan question", "--json", "-k", "20",
                                "--index", str(sample_index)])
    ask_documents = {r["document"]["id"]: r["document"]
                     for r in json.loads(asked.stdout)["results"]}
    for source in data["sources"]:
        assert {"document", "addressed", "score", "passages"} <= source.keys()
        if source["document"]["id"] in ask_documents:
            assert source["document"] == ask_documents[source["document"]["id"]]
        for rank, passage in enumerate(source["passages"], start=1):
            assert RESULT_KEYS <= passage.keys()
            assert passage["rank"] == rank
            assert passage["highlight"] in passage["text"]
            assert passage["document"] == source["document"]
    assert "Taiwan" in " ".join(p["text"] for s in data["sources"] for p in s["passages"])


@pytest.mark.parametrize("topic", ["the Taiwan question", "the coronavirus pandemic",
                                   "trade between China and the United States",
                                   "two-way investment"])
def test_key_points_are_sentences_a_source_wrote_with_their_prevalence_per_source(
    sample_index: Path, topic: str
) -> None:
    data = compare_json(sample_index, topic)
    keys = [s["key"] for s in data["sources"]]
    addressed = {s["key"] for s in data["sources"] if s["addressed"]}
    points = data["key_points"]
    assert 1 <= len(points) <= 8
    assert len({p["text"] for p in points}) == len(points)
    for number, point in enumerate(points, start=1):
        assert point["key_point"] == number
        stated = next(p for p in point["passages"] if p["passage_id"] == point["passage_id"])
        assert point["text"] in stated["text"] and point["source"] == stated["source"]
        assert point["text"][0].isupper() and point["text"].split()[0].lower() not in {
            "it", "this", "they", "these", "however", "but", "and", "such"}
        counted = {k: sum(1 for p in point["passages"] if p["source"] == k) for k in keys}
        assert point["prevalence"] == counted
        assert point["made_by"] == [k for k in keys if counted[k]]
        assert point["silent"] == [k for k in keys if not counted[k]]
        assert set(point["made_by"]) <= addressed
        for p in point["passages"]:
            assert RESULT_KEYS <= p.keys()
            assert p["highlight"] in p["text"]
            assert 0 < p["score"] <= 1
        scores = [p["score"] for p in point["passages"]]
        assert scores == sorted(scores, reverse=True)
        # Its terms describe the passages shown as making it, not others.
        shown = " ".join(p["text"] for p in point["passages"]).lower()
        assert all(term.lower() in shown for term in point["terms"])
    prevalence = [sum(p["prevalence"].values()) for p in points]
    assert prevalence == sorted(prevalence, reverse=True)


def test_a_sentence_that_only_names_the_topic_states_no_key_point(sample_index: Path) -> None:
    # The 2005 statement lists Taiwan among "disputes on other issues": it says nothing
    # about Taiwan, so it can neither state a key point on Taiwan nor make one.
    data = compare_json(sample_index, "Taiwan")
    assert data["key_points"]
    listing = "disputes on other issues, such as Taiwan"
    for point in data["key_points"]:
        assert listing not in point["text"]
        assert not any(listing in p["highlight"] for p in point["passages"])


def test_lexical_mode_has_no_key_points_and_says_why(sample_index: Path) -> None:
    data = compare_json(sample_index, "Taiwan", "--mode", "lexical")
    assert data["key_points"] == []
    shown = runner.invoke(app, ["compare", "Taiwan", "--mode", "lexical",
                                "--index", str(sample_index)])
    assert "Key points need the model" in shown.stdout


def test_distinctive_terms_are_words_of_the_sources_own_passages(sample_index: Path) -> None:
    data = compare_json(sample_index, "the Taiwan question")
    texts = {s["key"]: " ".join(p["text"] for p in s["passages"]) for s in data["sources"]}
    by_key = {d["source"]: d["terms"] for d in data["distinctive_terms"]}
    assert set(by_key) == set(texts)
    silent = [s["key"] for s in data["sources"] if not s["addressed"]]
    assert all(by_key[k] == [] for k in silent)
    full = runner.invoke(app, ["compare", "the Taiwan question", "--json", "-n", "50",
                               "--index", str(sample_index)])
    every = {s["key"]: " ".join(p["text"] for p in s["passages"]).lower()
             for s in json.loads(full.stdout)["sources"]}
    for key, terms in by_key.items():
        for term in terms:
            assert term["term"].lower() in every[key]
            assert term["z"] > 0
    assert any(by_key[k] for k in by_key if k not in silent)


def test_markdown_report_holds_every_source_passage_and_key_point(sample_index: Path,
                                                              tmp_path: Path) -> None:
    report = tmp_path / "taiwan.md"
    result = runner.invoke(app, ["compare", "the Taiwan question", "--md", str(report),
                                 "--json", "--index", str(sample_index)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    text = report.read_text(encoding="utf-8")
    assert text.startswith("# the Taiwan question\n")
    for source in data["sources"]:
        assert f"## {source['label']}" in text
        for passage in source["passages"]:
            assert f"`{passage['passage_id']}`" in text
            assert f"**{passage['highlight']}**" in text
    assert text.count("Silent: no passage passes") == sum(
        not s["addressed"] for s in data["sources"])
    rows = [line for line in text.splitlines() if line.startswith("| ") and "|---" not in line]
    matrix = [r for r in rows if r.split("|")[1].strip().isdigit()]
    assert len(matrix) == len(data["key_points"])
    assert all(r.count(" | ") == len(data["sources"]) + 2 for r in matrix)
    for point in data["key_points"]:
        assert point["text"] in text


def test_terminal_output_lists_sources_verdicts_and_the_key_points(sample_index: Path) -> None:
    result = runner.invoke(app, ["compare", "the coronavirus pandemic",
                                 "--index", str(sample_index)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.count("addresses it") == 2 and out.count("silent") >= 3
    assert out.index("2005") < out.index("2017-04-06") < out.index("2020-08-07") \
        < out.index("2021-02-22") < out.index("2025-01")
    assert "Key points" in out and "Key point 1:" in out and "Distinctive terms" in out
    assert "»" in out  # the matching sentence is marked when piped


def test_by_author_and_by_year_group_sources(sample_index: Path) -> None:
    by_year = compare_json(sample_index, "the Taiwan question", "--by", "year")
    assert [s["key"] for s in by_year["sources"]] == ["2005", "2017", "2020", "2021", "2025"]
    assert all(s["document"] is None and len(s["documents"]) == 1 for s in by_year["sources"])
    by_author = compare_json(sample_index, "the Taiwan question", "--by", "author")
    keys = [s["key"] for s in by_author["sources"]]
    assert keys == ["(unknown author)", "Xi Jinping", "Yang Jiechi", "Wang Yi", "Zhong Sheng"]
    assert {s["key"] for s in by_author["sources"] if s["addressed"]} == {
        "(unknown author)", "Yang Jiechi", "Wang Yi", "Zhong Sheng"}


def test_filters_restrict_the_sources(sample_index: Path) -> None:
    data = compare_json(sample_index, "the Taiwan question", "--since", "2020")
    assert [s["document"]["date"][:4] for s in data["sources"]] == ["2020", "2021", "2025"]


def test_a_topic_like_a_title_does_not_make_its_whole_document_relevant(
    sample_index: Path
) -> None:
    # Every unit of the 2021 speech is embedded behind its title line.
    data = compare_json(sample_index, "Bringing China-U.S. Relations Back to the Right Track")
    speech = next(s for s in data["sources"] if s["document"]["date"] == "2021-02-22")
    with Session(sample_index) as session:
        total = next(d.n_passages for d in session.documents if d.id == speech["key"])
    assert speech["addressed"]
    assert speech["relevant_passages"] <= total // 4


def test_lexical_mode_needs_no_model(sample_index: Path) -> None:
    script = ("import sys, json\nfrom typer.testing import CliRunner\n"
              "from parallax.cli import app\n"
              "r = CliRunner().invoke(app, sys.argv[1:])\n"
              "assert r.exit_code == 0, r.output\n"
              "data = json.loads(r.stdout)\n"
              "heavy = [m for m in ('sentence_transformers', 'torch', 'transformers', "
              "'embed.numpy_bert') if m in sys.modules]\n"
              "print(json.dumps({'heavy': heavy, 'addressed': [s['document']['date'] "
              "for s in data['sources'] if s['addressed']]}))\n")
    done = subprocess.run([sys.executable, "-c", script, "compare", "Taiwan", "--mode",
                           "lexical", "--json", "--index", str(sample_index)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["heavy"] == []
    assert {d[:4] for d in report["addressed"]} == {"2005", "2020", "2021", "2025"}


def test_lexical_mode_judges_by_the_topics_words(sample_index: Path) -> None:
    with Session(sample_index) as session:
        found = compare(session, "the Belt and Road Initiative", Mode.lexical)
    assert {s.documents[0].date[:4] for s in found.sources if s.addressed} == {"2020", "2021"}
    for source in found.sources:
        for result in source.passages:
            assert "Belt and Road" in result.passage.text


def test_an_empty_topic_is_a_usage_error(sample_index: Path) -> None:
    result = runner.invoke(app, ["compare", "  ", "--index", str(sample_index)])
    assert result.exit_code == 2 and "topic" in result.stderr


def test_an_unwritable_report_path_is_explained(sample_index: Path, tmp_path: Path) -> None:
    target = tmp_path / "missing-folder" / "report.md"
    result = runner.invoke(app, ["compare", "Taiwan", "--md", str(target),
                                 "--index", str(sample_index)])
    assert result.exit_code == 1
    assert str(target) in result.stderr and "--md" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize("topic", ["cooperation on climate change", "energy cooperation"])
def test_a_topics_generic_words_do_not_make_a_source_address_it(
    sample_index: Path, topic: str
) -> None:
    """"Cooperation" is in most passages of these statements: sharing it is not addressing
    climate change (2005 and 2017 talk of cooperation in general) or energy (2021)."""
    data = compare_json(sample_index, topic)
    assert data["specific_words"] and "cooperation" not in data["specific_words"]
    silent = {"cooperation on climate change": {"2005", "2017", "2025"},
              "energy cooperation": {"2005", "2021", "2025"}}[topic]
    assert not addressing_years(data) & silent
    for source in data["sources"]:
        if source["score"] is not None:
            assert source["margin"] == pytest.approx(source["score"] - data["threshold"],
                                                     abs=1e-5)
    if topic == "cooperation on climate change":
        assert addressing_years(data) == {"2020", "2021"}


def test_a_topic_of_stopwords_only_is_a_usage_error(sample_index: Path) -> None:
    result = runner.invoke(app, ["compare", "the of and", "--index", str(sample_index)])
    assert result.exit_code == 2
    assert "the topic has no content words" in result.stderr


def test_the_terminal_shows_the_margin_to_the_threshold(sample_index: Path) -> None:
    result = runner.invoke(app, ["compare", "the Taiwan question", "--index",
                                 str(sample_index)])
    assert result.exit_code == 0, result.output
    assert result.stdout.count("to the threshold") == 5  # one per source


# Claims a user brings -----------------------------------------------------------------------

def _claims_run(index: Path, *args: str) -> dict:
    return compare_json(index, "China-US relations", "--claims", str(CLAIMS), *args)


def _cells_right(data: dict, claims: Path) -> tuple[int, int]:
    """Cells of the claims × sources matrix that agree with evals/china-us-claims.jsonl."""
    labels = {item["claim"]: item for item in map(
        json.loads, CLAIM_LABELS.read_text(encoding="utf-8").splitlines())}
    wanted = [c for c in claims.read_text(encoding="utf-8").splitlines() if c.strip()]
    assert [c["claim"] for c in data["claim_checks"]] == wanted
    year = {s["key"]: s["document"]["date"][:4] for s in data["sources"]}
    right = cells = 0
    for check in data["claim_checks"]:
        item = labels[check["claim"]]
        made = {year[k] for k in check["made_by"]}
        for y in item["makes"] + item["silent"]:
            cells += 1
            right += (y in made) == (y in item["makes"])
    return right, cells


def test_claims_matrix_agrees_with_the_labelled_claims(sample_index: Path) -> None:
    """evals/china-us-claims.jsonl, development set: 12 claims, 57 source x claim cells
    labelled by reading the five statements (docs/compare.md); the design was revised on
    them. Measured: 54 right (94.7 %); the issue asks 95 %."""
    right, cells = _cells_right(_claims_run(sample_index), CLAIMS)
    assert cells == 57
    assert right >= 54, right  # 94.7 %


def test_held_out_claims_were_labelled_before_any_run(sample_index: Path) -> None:
    """The held-out set: 12 more claims, 53 cells, labelled by reading the statements before
    compare ever ran with them (docs/compare.md). Measured: 49 right (92.5 %)."""
    data = compare_json(sample_index, "China-US relations", "--claims", str(HELDOUT_CLAIMS))
    right, cells = _cells_right(data, HELDOUT_CLAIMS)
    assert cells == 53
    assert right >= 49, right  # 92.5 %


def test_second_held_out_claims_were_labelled_before_any_run(sample_index: Path) -> None:
    """A second held-out set, written by a later session after the matcher and every gate
    were fixed: 13 claims, 61 cells, labelled by reading the statements before compare ran
    with them; one claim no source makes (docs/compare.md). Measured: 54 right (88.5 %),
    all seven wrong cells false matches of a fact by another fact of its kind ("Xi Jinping
    invited the US president …" by a telephone call)."""
    data = compare_json(sample_index, "China-US relations", "--claims",
                        str(SECOND_HELDOUT_CLAIMS))
    right, cells = _cells_right(data, SECOND_HELDOUT_CLAIMS)
    assert cells == 61
    assert right >= 54, right  # 88.5 %
    nobody = next(c for c in data["claim_checks"]
                  if c["claim"] == "China will cut its military spending.")
    assert nobody["made_by"] == []


def test_claims_json_gives_each_source_a_verdict_score_margin_and_passages(
    sample_index: Path
) -> None:
    data = _claims_run(sample_index, "-n", "3")
    keys = [s["key"] for s in data["sources"]]
    threshold = data["claim_threshold"]
    assert 0 < threshold < 1
    for check in data["claim_checks"]:
        assert [v["key"] for v in check["sources"]] == keys
        assert check["made_by"] == [v["key"] for v in check["sources"] if v["makes"]]
        for v in check["sources"]:
            if v["makes"]:
                assert 1 <= len(v["passages"]) <= 3 <= 3
                assert v["passages_making_it"] >= len(v["passages"])
                assert v["score"] >= threshold
                assert v["margin"] == pytest.approx(v["score"] - threshold, abs=1e-5)
            else:
                assert v["passages"] == [] and v["passages_making_it"] == 0
            for rank, passage in enumerate(v["passages"], start=1):
                assert RESULT_KEYS <= passage.keys()
                assert passage["rank"] == rank and passage["score"] >= threshold
                assert passage["highlight"] in passage["text"]
    # the one claim only 2005 makes, with the passage that says it
    surplus = next(c for c in data["claim_checks"] if "surplus" in c["claim"])
    first = next(v for v in surplus["sources"] if v["key"] == keys[0])
    assert first["makes"] and "surplus" in first["passages"][0]["text"]


def test_claims_markdown_has_the_matrix_and_the_passages(sample_index: Path,
                                                         tmp_path: Path) -> None:
    report = tmp_path / "claims.md"
    data = _claims_run(sample_index, "--md", str(report))
    text = report.read_text(encoding="utf-8")
    assert "## Your claims" in text
    rows = [line for line in text.splitlines()
            if line.startswith("| ") and line.split("|")[1].strip().isdigit()
            and ("●" in line or "·" in line)]
    assert len(rows) == len(data["claim_checks"])
    for row, check in zip(rows, data["claim_checks"], strict=True):
        cells = [c.strip() for c in row.strip().strip("|").split("|")][2:]
        assert [c.startswith("●") for c in cells] == [v["makes"] for v in check["sources"]]
    for check in data["claim_checks"]:
        for v in check["sources"]:
            for passage in v["passages"]:
                assert f"`{passage['passage_id']}`" in text


def test_claim_options_can_be_repeated_without_a_file(sample_index: Path) -> None:
    data = compare_json(sample_index, "China-US relations", "--claim",
                        "China's large trade surplus with the United States causes friction.",
                        "--claim", "The presidents of the two countries spoke by telephone.")
    assert len(data["claim_checks"]) == 2
    assert "claim_checks" not in compare_json(sample_index, "the Taiwan question")


@pytest.mark.parametrize(("content", "message"), [
    ("", "holds no claim"),
    ("\n   \n# a comment\n", "holds no claim"),
    ("Taiwan is part of China.\nthe of and\n", "has no content words"),
])
def test_bad_claims_files_are_usage_errors(sample_index: Path, tmp_path: Path, content: str,
                                           message: str) -> None:
    path = tmp_path / "claims.txt"
    path.write_text(content, encoding="utf-8")
    result = runner.invoke(app, ["compare", "China-US relations", "--claims", str(path),
                                 "--index", str(sample_index)])
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output


def test_claims_need_the_model_and_a_readable_file(sample_index: Path, tmp_path: Path) -> None:
    lexical = runner.invoke(app, ["compare", "Taiwan", "--claim", "Taiwan is part of China.",
                                  "--mode", "lexical", "--index", str(sample_index)])
    assert lexical.exit_code == 2 and "--claims needs the model" in lexical.stderr
    missing = runner.invoke(app, ["compare", "Taiwan", "--claims", str(tmp_path / "none.txt"),
                                  "--index", str(sample_index)])
    assert missing.exit_code == 2 and "cannot read the claims file" in missing.stderr


def test_naming_a_subject_is_not_making_a_claim_about_it(sample_index: Path) -> None:
    """Issue 23: the 2005 statement only lists Taiwan among "disputes on other issues"; it
    does not say that China opposes Taiwan independence. The 2021 statement does (it urges the
    US to stop supporting "separatist forces for 'Taiwan independence'"), and the 2020 and 2025
    ones assert China's sovereignty over Taiwan (the One China principle, "the Taiwan question
    concerns China's national sovereignty and territorial integrity")."""
    data = compare_json(sample_index, "Taiwan", "--claim", "China opposes Taiwan independence")
    year = {s["key"]: s["document"]["date"][:4] for s in data["sources"]}
    (check,) = data["claim_checks"]
    verdicts = {year[v["key"]]: v for v in check["sources"]}
    assert not verdicts["2005"]["makes"] and verdicts["2005"]["passages"] == []
    assert not verdicts["2017"]["makes"]  # Xi's 2017 speech does not speak of Taiwan
    assert {"2020", "2021", "2025"} <= {year[k] for k in check["made_by"]}
    assert "Taiwan independence" in verdicts["2021"]["passages"][0]["highlight"]
    for v in check["sources"]:
        assert all("such as Taiwan" not in p["highlight"] for p in v["passages"])
