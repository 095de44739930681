"""`parallax eval`: retrieval metrics on a BEIR-layout dataset or on a question file.
Registered on the main app by parallax.cli."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from indexes import Mode
from parallax.cli.application import app, out, user_errors
from parallax.cli.options import JsonOpt, choice, choices
from parallax.cli.output import CliProgress, print_json
from parallax.locations import ENV_VAR, resolve_index_dir

DEFAULT_MODE = Mode.hybrid  # what `ask` uses; eval reports it as "default_mode"


@app.command("eval")
def evaluate(
    target: Annotated[Path, typer.Argument(
        help="A BEIR folder (corpus.jsonl, queries.jsonl, qrels/test.tsv) or a question "
             "file (.jsonl: question, document, phrase).", metavar="DATASET_DIR")],
    modes: Annotated[list[Mode] | None, typer.Option(
        "--mode", parser=choice(Mode), metavar=choices(Mode),
        help="Modes to evaluate (repeatable) [default: dense, lexical, hybrid].")] = None,
    ignore_identical_ids: Annotated[bool, typer.Option(
        "--ignore-identical-ids",
        help="Drop a hit whose id equals the query's (ArguAna; the published numbers do).")]
        = False,
    qrels: Annotated[Path | None, typer.Option(
        help="Judgments to use instead of DATASET_DIR/qrels/test.tsv.", dir_okay=False)]
        = None,
    index_dir: Annotated[Path | None, typer.Option(
        "--index", file_okay=False,
        help="For a BEIR folder: where to keep its index [default: one per dataset under the "
             "user's data directory]. For a question file: the index to question "
             f"[default: ${ENV_VAR}, else the default index].")] = None,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Re-embed the dataset even if a matching index exists.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Measure retrieval quality: nDCG@10, Recall@10, Recall@100 and MRR@10 per mode.

    A BEIR folder is indexed through the normal pipeline (each record a document, its title
    as title), or its index reused; every judged query is ranked, documents by their best
    passage. A question file is run against an existing index.

    Example: parallax eval ../shared/datasets/scifact
    """
    chosen = list(dict.fromkeys(modes or [Mode.dense, Mode.lexical, Mode.hybrid]))
    from parallax.evaluation.kpa import is_kpa_folder

    if is_kpa_folder(target):
        _kpa(target, as_json)
        return
    with user_errors():
        if target.is_file():
            report = _question_file(target, chosen, index_dir)
        else:
            report = _beir(target, chosen, index_dir, ignore_identical_ids, qrels, rebuild)
    if as_json:
        print_json(report)
    else:
        out.print(_table(report))


def _beir(folder: Path, modes: list[Mode], index_dir: Path | None,
          ignore_identical_ids: bool, qrels: Path | None, rebuild: bool) -> dict:
    import time

    from embed import load_encoder
    from parallax.evaluation.beir import load_dataset
    from parallax.evaluation.retrieval import (
        default_dataset_index,
        ensure_dataset_index,
        evaluate_dataset,
    )
    from parallax.session import Session

    start = time.perf_counter()
    dataset = load_dataset(folder, qrels)
    target = index_dir.expanduser().resolve() if index_dir else default_dataset_index(dataset)
    progress = CliProgress()
    built = ensure_dataset_index(dataset, target, rebuild=rebuild,
                                 progress=progress)  # type: ignore[arg-type]
    indexed = time.perf_counter()
    # Thousands of questions at once: the torch model batches them far faster than the
    # numpy encoder that spares single questions the torch import (same vectors).
    with Session(target, encoder_loader=load_encoder) as session:
        result = evaluate_dataset(session, dataset, modes,
                                  ignore_identical_ids=ignore_identical_ids,
                                  progress=progress)  # type: ignore[arg-type]
    return {
        "dataset": str(dataset.folder), "qrels": str(dataset.qrels_file),
        "queries": result.queries, "documents": result.documents, "index": str(target),
        "index_built": built, "ignore_identical_ids": ignore_identical_ids,
        "default_mode": DEFAULT_MODE.value, "modes": result.modes,
        "seconds": {"index": round(indexed - start, 1),
                    **{m: round(s, 1) for m, s in result.seconds.items()},
                    "total": round(time.perf_counter() - start, 1)},
    }


def _kpa(folder: Path, as_json: bool) -> None:
    """A KPA folder (ArgKP): key-point matching and claim discovery
    (parallax.evaluation.kpa_eval)."""
    import time

    from embed import load_encoder
    from parallax.evaluation.kpa_eval import evaluate_kpa

    start = time.perf_counter()
    with user_errors():
        encoder = load_encoder()
        report = evaluate_kpa(folder, encoder.encode)
    report["seconds"] = round(time.perf_counter() - start, 1)
    if as_json:
        print_json(report)
        return
    from parallax.evaluation.render_kpa import kpa_view

    out.print(kpa_view(report))


def _question_file(path: Path, modes: list[Mode], index_dir: Path | None) -> dict:
    from parallax.evaluation.retrieval import evaluate_questions, load_questions
    from parallax.session import Session

    questions = load_questions(path)
    with Session(resolve_index_dir(index_dir)) as session:
        metrics = evaluate_questions(session, questions, modes)
    return {"dataset": str(path.resolve()), "queries": len(questions),
            "index": str(session.index_dir), "default_mode": DEFAULT_MODE.value,
            "modes": metrics}


def _table(report: dict) -> Table:
    modes = report["modes"]
    names = list(next(iter(modes.values())).keys()) if modes else []
    title = f"{report['dataset']}: {report['queries']} queries"
    if "documents" in report:
        title += f", {report['documents']} documents"
    table = Table(title=title, title_justify="left")
    table.add_column("mode")
    for name in names:
        table.add_column(name, justify="right")
    for mode, values in modes.items():
        label = f"{mode} (default)" if mode == report["default_mode"] else mode
        table.add_row(label, *(f"{values[n]:.4f}" for n in names))
    return table
