"""Calibrate `parallax compare`'s relevance criterion (parallax/stance/relevance.py) on labelled
topics: which documents of the sample corpus address each topic and which are silent.

    .venv/bin/python benchmarks/calibrate_compare.py [--index DIR] [--topics FILE]

Without --index, the sample corpus is indexed into a temporary folder with the current code
(the criterion must be re-calibrated whenever embedding units change). For each mode it takes
the smallest context weight for which no long title makes more than a quarter of its own
document relevant, then the lexical weight and threshold with the least hinge loss on the
`train` topics only; it reports the held-out topics with them, and the committed CRITERIA
side by side. Output is Markdown, for docs/compare.md; CALIBRATE_DEBUG=1 also prints every
context weight tried on stderr.

It fits the criterion on whole topics. `compare` then sets a topic's generic words aside
(parallax.stance.compare.topic_scores: a word in more than GENERIC_SHARE of the passages cannot
carry the verdict alone); that rule's share was chosen on the same training topics, and
tests/parallax/test_compare.py scores the labelled pairs the way `compare` does.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from indexes import Mode  # noqa: E402
from indexes.lexical.fts import query_terms  # noqa: E402
from parallax.session import Session  # noqa: E402
from parallax.stance.relevance import CRITERIA, Criterion, TopicEvidence, gather  # noqa: E402

SAMPLE = (ROOT.parent / "shared" / "corpus" / "china-us").resolve()
TOPICS = ROOT / "evals" / "compare-topics.jsonl"
ACCEPTANCE = {"the coronavirus pandemic", "the Taiwan question"}


@dataclass(frozen=True)
class Pair:
    topic: str
    document: str  # file name
    addressed: bool
    split: str


def load_topics(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def pairs_of(topics: list[dict]) -> list[Pair]:
    return [Pair(t["topic"], name, label == "addressed", t["split"])
            for t in topics for label in ("addressed", "silent") for name in t[label]]


def document_scores(session: Session, found: TopicEvidence,
                    criterion: Criterion) -> dict[str, float]:
    """Each document's best passage score (file name -> score); -inf without candidates."""
    names = {d.rowid: Path(d.path).name for d in session.documents}
    best = {name: float("-inf") for name in names.values()}
    for e in found.evidence:
        name = names[e.doc_rowid]
        best[name] = max(best[name], criterion.score(e))
    return best


def errors(scores: dict[tuple[str, str], float], pairs: list[Pair], threshold: float) -> int:
    return sum((scores[p.topic, p.document] >= threshold) != p.addressed for p in pairs)


DEBUG = bool(os.environ.get("CALIBRATE_DEBUG"))
MARGIN = 0.05  # hinge margin: a pair closer than this to the threshold counts as a near miss


def hinge(scores: dict[tuple[str, str], float], pairs: list[Pair], threshold: float) -> float:
    """Sum over pairs of max(0, MARGIN - y (score - threshold)), y = +1 addressed, -1 silent:
    errors count by how far wrong they are, and correct pairs near the threshold count too,
    so the choice prefers weights and thresholds that separate with room to spare."""
    total = 0.0
    for p in pairs:
        score = max(scores[p.topic, p.document], threshold - 1.0)  # -inf: far below
        y = 1.0 if p.addressed else -1.0
        total += max(0.0, MARGIN - y * (score - threshold))
    return total


def fit_threshold(scores: dict[tuple[str, str], float],
                  pairs: list[Pair]) -> tuple[float, float]:
    """(threshold, hinge loss): the threshold on a 0.005 grid with the least hinge loss."""
    values = [v for v in (scores[p.topic, p.document] for p in pairs) if v != float("-inf")]
    low, high = min(values), max(values)
    steps = int((high - low) / 0.005) + 1
    cuts = [round(low + 0.005 * i, 3) for i in range(steps + 1)]
    return min(((t, hinge(scores, pairs, t)) for t in cuts), key=lambda pair: pair[1])


def evidence_by_topic(session: Session, topics: list[dict],
                      mode: Mode) -> dict[str, TopicEvidence]:
    return {t["topic"]: gather(session, t["topic"], mode, all_contexts=True) for t in topics}


TITLE_SHARE = 0.25  # a document's own title may make at most this share of it relevant


TITLE_WORDS = 4


def title_evidence(session: Session, mode: Mode) -> dict[int, TopicEvidence]:
    """Evidence for each document's title used as a topic, for titles of TITLE_WORDS content
    words or more: a short title ("China-US Relations") can be what every passage is about."""
    return {doc.rowid: gather(session, doc.title, mode, all_contexts=True)
            for doc in session.documents
            if doc.title and len(query_terms(doc.title)) >= TITLE_WORDS}


def title_crowding(session: Session, titles: dict[int, TopicEvidence],
                   criterion: Criterion) -> list[str]:
    """Titles that make more than TITLE_SHARE of their own document's passages pass: every
    unit carries its title line, and the context weight must take that back."""
    sizes = {doc.rowid: doc.n_passages for doc in session.documents}
    crowded = []
    for rowid, found in titles.items():
        passing = sum(1 for e in found.evidence
                      if e.doc_rowid == rowid and criterion.score(e) >= criterion.threshold)
        if passing > TITLE_SHARE * max(sizes[rowid], 1):
            crowded.append(f"{found.topic} ({passing}/{sizes[rowid]})")
    return crowded


def scores_for(session: Session, found: dict[str, TopicEvidence],
               criterion: Criterion) -> dict[tuple[str, str], float]:
    out = {}
    for topic, evidence in found.items():
        for name, score in document_scores(session, evidence, criterion).items():
            out[topic, name] = score
    return out


def calibrate(session: Session, topics: list[dict], mode: Mode,
              found: dict[str, TopicEvidence]) -> dict:
    """Weights and threshold for `mode` from the training topics, then the held-out check."""
    pairs = pairs_of(topics)
    train = [p for p in pairs if p.split == "train"]
    heldout = [p for p in pairs if p.split == "heldout"]
    accept = [p for p in pairs if p.topic in ACCEPTANCE]
    lexical_weights = {Mode.hybrid: [0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8],
                       Mode.dense: [0.0], Mode.lexical: [1.0]}[mode]
    context_weights = [0.0] if mode is Mode.lexical else [0.0, 0.25, 0.5, 0.75, 1.0]
    titles = title_evidence(session, mode) if mode is not Mode.lexical else {}
    for context_weight in context_weights:
        trials = []
        for lexical_weight in lexical_weights:
            criterion = Criterion(lexical_weight, context_weight, 0.0)
            scores = scores_for(session, found, criterion)
            threshold, loss = fit_threshold(scores, train)
            trials.append((loss, lexical_weight, threshold, scores))
        loss, lexical_weight, threshold, scores = min(trials, key=lambda t: t[0])
        chosen = Criterion(lexical_weight, context_weight, threshold)
        crowded = title_crowding(session, titles, chosen)
        if DEBUG:
            print(mode.value, context_weight, lexical_weight, threshold, round(loss, 2),
                  errors(scores, train, threshold), errors(scores, heldout, threshold),
                  crowded, file=sys.stderr)
        if not crowded:
            break
    committed = CRITERIA[mode]
    committed_scores = scores_for(session, found, Criterion(
        committed.lexical_weight, committed.context_weight, 0.0))

    def summary(scores: dict[tuple[str, str], float], threshold: float) -> dict:
        return {"train_errors": errors(scores, train, threshold),
                "heldout_errors": errors(scores, heldout, threshold),
                "acceptance_errors": errors(scores, accept, threshold),
                "acceptance_margin": round(min(abs(scores[p.topic, p.document] - threshold)
                                               for p in accept), 3),
                "wrong": [f"{p.topic} / {p.document} ({p.split}, labelled "
                          f"{'addressed' if p.addressed else 'silent'}, score "
                          f"{scores[p.topic, p.document]:.3f})"
                          for p in pairs if (scores[p.topic, p.document] >= threshold)
                          != p.addressed]}

    return {
        "mode": mode.value, "lexical_weight": lexical_weight, "context_weight": context_weight,
        "threshold": round(threshold, 3), "hinge_loss": round(loss, 3),
        "title_crowding": crowded,
        "train_pairs": len(train), "heldout_pairs": len(heldout),
        "fitted": summary(scores, threshold),
        "committed": {"lexical_weight": committed.lexical_weight,
                      "context_weight": committed.context_weight,
                      "threshold": committed.threshold,
                      **summary(committed_scores, committed.threshold)},
    }


def report(results: list[dict]) -> str:
    head = ("| mode | lexical weight | context weight | threshold | train errors "
            "| held-out errors | acceptance errors (margin) |")
    rule = "|---|---|---|---|---|---|---|"

    def row(r: dict, c: dict, threshold: str) -> str:
        return (f"| {r['mode']} | {c.get('lexical_weight', r['lexical_weight'])} | "
                f"{c.get('context_weight', r['context_weight'])} | {threshold} | "
                f"{c['train_errors']}/{r['train_pairs']} | "
                f"{c['heldout_errors']}/{r['heldout_pairs']} | "
                f"{c['acceptance_errors']} ({c['acceptance_margin']}) |")

    lines = ["Fitted on the training topics:", "", head, rule]
    lines += [row(r, r["fitted"], str(r["threshold"])) for r in results]
    lines += ["", "Committed (parallax/stance/relevance.py CRITERIA):", "", head, rule]
    lines += [row(r, r["committed"], str(r["committed"]["threshold"])) for r in results]
    for r in results:
        lines += ["", f"Misjudged with the committed {r['mode']} criterion:", ""]
        lines += [f"- {w}" for w in r["committed"]["wrong"]] or ["- none"]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="an index of the sample corpus")
    parser.add_argument("--topics", type=Path, default=TOPICS)
    parser.add_argument("--json", action="store_true", help="print JSON instead of Markdown")
    args = parser.parse_args()
    topics = load_topics(args.topics)
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = args.index
        if index_dir is None:
            from parallax.indexing import build_index

            index_dir = Path(tmp) / "index"
            build_index([SAMPLE], index_dir)
        with Session(index_dir) as session:
            with_vectors = evidence_by_topic(session, topics, Mode.hybrid)
            words_only = evidence_by_topic(session, topics, Mode.lexical)
            results = [calibrate(session, topics, Mode.hybrid, with_vectors),
                       calibrate(session, topics, Mode.dense, with_vectors),
                       calibrate(session, topics, Mode.lexical, words_only)]
    if args.json:
        print(json.dumps(results, indent=2))
    else:
        print(report(results))


if __name__ == "__main__":
    main()
