"""`parallax index`: build or update an index."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from parallax import printable, render, service
from parallax.cli.application import app, err, out, user_errors
from parallax.cli.options import IndexOpt, JsonOpt
from parallax.cli.output import CliProgress, print_json
from parallax.locations import resolve_index_dir


@app.command()
def index(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Folders or files to index [default: every folder already in the index].",
        metavar="[PATH]...")] = None,
    index_dir: IndexOpt = None,
    model: Annotated[str | None, typer.Option(
        help="sentence-transformers model name or local path [default: all-MiniLM-L6-v2, "
             "bundled]")] = None,
    rebuild: Annotated[bool, typer.Option(
        "--rebuild", help="Re-embed everything instead of updating.")] = False,
    compact: Annotated[bool, typer.Option(
        "--compact", help="Merge the index's segments into one and drop replaced documents "
                          "(done automatically when it pays).")] = False,
    precision: Annotated[str, typer.Option(
        help="Embedding path: auto (openvino when installed, else bf16 where this CPU has "
             "it natively, else fp32), fp32 or bf16 (torch), openvino (bf16 where native, "
             "else f32) or openvino-fp32.")] = "auto",
    engine: Annotated[str, typer.Option(
        help="Where embedding runs: local (this process) or ray (a Ray cluster's workers; "
             "needs pip install 'parallax[ray]').")] = "local",
    address: Annotated[str | None, typer.Option(
        help="With --engine ray: the cluster to use, HOST:PORT of its head, ray://HOST:10001 "
             "or auto [default: start Ray on this machine].")] = None,
    workers: Annotated[int | None, typer.Option(
        min=1, help="With --engine ray: model replicas [default: one per node].")] = None,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="List every file added, updated or removed (past a "
                                "screenful, only the first few of each are listed).")] = False,
    ocr_languages: Annotated[str, typer.Option(
        help="Tesseract languages for scanned PDF pages, joined by + (eng+fra); each needs "
             "its pack: apt-get install tesseract-ocr-LANG.")] = "eng",
    as_json: JsonOpt = False,
) -> None:
    """Build or update an index: only new or changed files are embedded.

    Example: parallax index ../shared/corpus/china-us   (later, `parallax index` refreshes it)
    """
    from contextlib import nullcontext

    from embed.models import check_model
    from embed.precision import check_choice
    from parallax.cli.watch import say_watcher
    from parallax.errors import UsageError
    from parallax.indexing import build_index, indexed_folders
    from parallax.watching import after_watcher

    with user_errors():
        # Every option is checked before any file is read or any model loaded: an up-to-date
        # index would otherwise never look at --precision, and a rebuild would reject it
        # only after reading every file.
        precision = check_choice(precision)
        check_model(model)
        if engine not in ("local", "ray"):
            raise UsageError(f"unknown engine {engine!r}", "Use --engine local or --engine ray.")
        if engine == "local" and (address is not None or workers is not None):
            raise UsageError("--address and --workers need --engine ray",
                             "Add --engine ray, or drop them to embed in this process.")
        target = resolve_index_dir(index_dir)
        folders = paths or indexed_folders(target)
        if engine == "ray":  # Ray is imported only here: the local engine never needs it
            from parallax.indexing.engines.ray import RayEngine

            runner = RayEngine(address, workers)
        else:
            runner = None
        with runner or nullcontext():
            # While `parallax watch` runs on this index, wait for its run (one writer).
            report = after_watcher(target, lambda: build_index(
                folders, target, model, rebuild=rebuild, compact=compact, precision=precision,
                engine=runner, progress=CliProgress(), ocr_languages=ocr_languages),
                say_watcher)  # type: ignore[arg-type]
    for skipped in report.skipped:
        err.print(Text("Skipped ", style="yellow")
                  + Text(f"{printable.name(str(skipped.path))}: {printable.line(skipped.reason)}"))
    if as_json:
        print_json(render.index_report_json(report))
    else:
        out.print(render.index_report_view(report, verbose=verbose))




@app.command()
def check(index_dir: IndexOpt = None, as_json: JsonOpt = False,
          sizes: Annotated[bool, typer.Option(
              "--sizes", help="Instead of verifying, show what the index takes on disk, "
                              "by component and per passage.")] = False) -> None:
    """Verify an index deeply: checksums, SQLite integrity, vectors, id maps; say how to
    recover from what is wrong. Exit code 0 when sound, 4 when damaged.

    Example: parallax check --index ~/my-index
    """
    from parallax.errors import EXIT_CODES, Kind

    if sizes:
        _sizes(index_dir, as_json)
        return
    with user_errors():
        target = resolve_index_dir(index_dir)
        report = service.check(target)
    if as_json:
        print_json({"index": str(report.index_dir), "generation": report.generation,
                     "ok": report.ok, "problems": report.problems, "checked": report.checked,
                     "counts": report.counts, "recovery": None if report.ok else report.recovery})
    elif report.ok:
        out.print(Text(f"The index at {printable.name(str(target))} is sound "
                       f"({report.generation}):"))
        for line in report.checked:
            out.print(Text(f"  ok  {printable.line(line)}"))
    else:
        for problem in report.problems:
            err.print(Text("Damaged: ", style="bold red") + Text(printable.line(problem)))
        err.print(Text(f"Recover with: {printable.line(report.recovery)}", style="dim"))
    if not report.ok:
        raise typer.Exit(EXIT_CODES[Kind.damaged])


def _sizes(index_dir: Path | None, as_json: bool) -> None:
    with user_errors():
        report = service.sizes(resolve_index_dir(index_dir))
    if as_json:
        print_json(render.sizes_json(report))
    else:
        out.print(render.sizes_view(report))
