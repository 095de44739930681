"""Which segmentation of Chinese ranks best in the lexical index: measured on the Chinese
test corpus (tests/data/zh: 5 documents, 28 questions with a gold document and phrase).

Variants (index side / question side), each an FTS5 table over the same passages and
contexts, ranked by bm25 with the context weighted 0.5 as indexes/lexical/fts.py does:

  chars+bigrams   each CJK character a token; a question's CJK runs (split at particles)
                  as overlapping two-character phrases  <- what Parallax uses (fts_query)
  chars+jieba     each CJK character a token; the question's jieba words (question words
                  and one-character words dropped) as phrases (query_terms)
  bigrams         overlapping character bigrams as tokens, on both sides
  jieba           jieba words as tokens, on both sides
  trigram         FTS5's trigram tokenizer; the question's three-character substrings

A hit is the gold passage (of the gold document, holding the phrase). Run:
    .venv/bin/python benchmarks/cjk_lexical.py
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from corpus import load_document, load_metadata  # noqa: E402
from indexes.lexical.fts import CJK_RUN, cjk_question_runs, fts_query, index_form, query_terms  # noqa: E402

DATA = ROOT / "tests" / "data" / "zh"
TOKENIZER = "porter unicode61 remove_diacritics 2"


def _jieba(text: str) -> list[str]:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return [w for w in jieba.lcut(text) if w.strip()]


def _bigrams(run: str) -> list[str]:
    return [run] if len(run) < 2 else [run[i:i + 2] for i in range(len(run) - 1)]


def _retoken(text: str, split: Callable[[str], list[str]]) -> str:
    return CJK_RUN.sub(lambda m: " " + " ".join(split(m.group())) + " ", text)


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def _english(question: str) -> list[str]:
    return [t for t in query_terms(CJK_RUN.sub(" ", question))]


def _jieba_terms(question: str) -> list[str]:
    words = []
    for run in cjk_question_runs(question):
        words += [w for w in _jieba(run) if len(w) > 1 or len(run) == 1]
    return list(dict.fromkeys(words))


VARIANTS: dict[str, tuple[Callable[[str], str], str, Callable[[str], list[str]]]] = {
    # name: (index form of a text, tokenizer, FTS phrases of a question)
    "chars+bigrams": (index_form, TOKENIZER, lambda q: [fts_query(q) or '""']),
    "chars+jieba": (index_form, TOKENIZER,
                    lambda q: [_quote(" ".join(index_form(t).split())) for t in query_terms(q)]),
    "bigrams": (lambda t: _retoken(t, _bigrams), TOKENIZER,
                lambda q: [_quote(b) for r in cjk_question_runs(q) for b in _bigrams(r)]
                + [_quote(t) for t in _english(q)]),
    "jieba": (lambda t: _retoken(t, _jieba), TOKENIZER,
              lambda q: [_quote(t) for t in _jieba_terms(q) + _english(q)]),
    "trigram": (lambda t: t, "trigram",
                lambda q: [_quote(r[i:i + 3]) for r in cjk_question_runs(q)
                           for i in range(max(1, len(r) - 2)) if len(r[i:i + 3]) == 3]
                + [_quote(t) for t in _english(q) if len(t) >= 3]),
}


def passages() -> list[tuple[str, str, str]]:
    """(file name, text, context) of every passage of the test corpus."""
    catalog = load_metadata(DATA)
    out = []
    for path in sorted(DATA.glob("*.txt")):
        doc = load_document(path.resolve(), catalog.get(path.resolve()))
        title = doc.metadata.title or ""
        for p in doc.passages:
            out.append((path.name, p.text, f"{title} {p.heading or ''}".strip()))
    return out


def evaluate(name: str, rows: list[tuple[str, str, str]],
             questions: list[dict[str, str]]) -> tuple[float, float]:
    form, tokenizer, phrases = VARIANTS[name]
    db = sqlite3.connect(":memory:")
    db.execute(f"CREATE VIRTUAL TABLE f USING fts5(text, context, tokenize='{tokenizer}')")
    db.executemany("INSERT INTO f(rowid, text, context) VALUES (?,?,?)",
                   [(i, form(t), form(c)) for i, (_, t, c) in enumerate(rows)])
    recall = mrr = 0.0
    for q in questions:
        terms = list(dict.fromkeys(phrases(q["question"])))
        ranked = [] if not terms else [r[0] for r in db.execute(
            "SELECT rowid FROM f WHERE f MATCH ? ORDER BY bm25(f, 1.0, 0.5) LIMIT 10",
            (" OR ".join(terms),))]
        gold = [i for i, (file, text, _) in enumerate(rows)
                if file == q["document"] and q["phrase"] in text]
        ranks = [r for r, rowid in enumerate(ranked, 1) if rowid in gold]
        recall += bool(ranks and ranks[0] <= 5)
        mrr += 1 / ranks[0] if ranks else 0.0
    return recall / len(questions), mrr / len(questions)


def main() -> None:
    questions = [json.loads(line) for line in (DATA / "questions.jsonl").open(encoding="utf-8")]
    rows = passages()
    print(f"{len(rows)} passages, {len(questions)} questions")
    print(f"{'variant':<15} {'Recall@5':>8} {'MRR@10':>8}")
    for name in VARIANTS:
        recall, mrr = evaluate(name, rows, questions)
        print(f"{name:<15} {recall:>8.3f} {mrr:>8.3f}")


if __name__ == "__main__":
    main()
