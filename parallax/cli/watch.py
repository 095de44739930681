"""`parallax watch`: keep an index current as files change (parallax.watching)."""

from __future__ import annotations

import signal
import time
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.text import Text

from parallax.cli.application import app as cli_app
from parallax.cli.application import err, user_errors
from parallax.cli.options import IndexOpt
from parallax.locations import resolve_index_dir


class PrintedWatch:
    """A WatchListener that prints one line per run (and each notice) on stderr, with the
    time, so that a terminal or a service's journal reads as a log."""

    def watching(self, folders: list[Path], mode: Any) -> None:
        self.folders = folders
        shown = ", ".join(str(f) for f in folders[:3]) + (
            f" and {len(folders) - 3} more" if len(folders) > 3 else "")
        say(f"Watching {shown} ({mode.describe()}); Ctrl-C stops after the current run.",
            style="dim")

    def notice(self, message: str) -> None:
        say(message, label="Note: ")

    def run_started(self, summary: Any) -> None: ...

    def __init__(self) -> None:
        self.folders: list[Path] = []

    def run_finished(self, summary: Any) -> None:
        say(run_line(summary, self.folders))


def run_line(summary: Any, folders: list[Path] = ()) -> str:  # type: ignore[assignment]
    """`run 3: 1 added, 2 updated (notes/a.md, …) in 1.4 s`: what one run changed."""
    if summary.problem:
        return f"run {summary.number}: nothing published: {summary.problem}"
    parts = [f"{len(items)} {label}" for items, label in (
        (summary.added, "added"), (summary.updated, "updated"), (summary.removed, "removed"),
        (summary.relabelled, "re-labelled")) if items]
    if not parts:
        return (f"run {summary.number}: the index already matched the files "
                f"({_trigger(summary)}) in {summary.seconds:.1f} s")
    named = [*summary.added, *summary.updated, *summary.removed, *summary.relabelled]
    shown = ", ".join(_short(p, folders) for p in named[:3]) + (", …" if len(named) > 3 else "")
    return (f"run {summary.number}: {', '.join(parts)} ({shown}) in {summary.seconds:.1f} s; "
            f"now {summary.generation}")


def _short(path: str, folders: list[Path]) -> str:
    """A document as a reader of the log knows it: its path inside the watched folder."""
    for folder in folders:
        if Path(path).is_relative_to(folder) and Path(path) != folder:
            return str(Path(path).relative_to(folder))
    return path


def _trigger(summary: Any) -> str:
    first = summary.trigger[0] if summary.trigger else "no change named"
    return first if len(summary.trigger) <= 1 else f"{first} and others"


def say(message: str, style: str | None = None, label: str | None = None) -> None:
    stamp = Text(time.strftime("%H:%M:%S "), style="dim")
    text = Text(label, style="yellow") + Text(message) if label else Text(message, style=style)
    err.print(stamp + text)


@cli_app.command()
def watch(
    paths: Annotated[list[Path] | None, typer.Argument(
        help="Folders (or files) to keep indexed [default: every folder already in the "
             "index].", metavar="[PATH]...")] = None,
    index_dir: IndexOpt = None,
    quiet: Annotated[float, typer.Option(
        min=0.05, max=600, help="Seconds without a change that end a burst of changes (a "
                                "lone save: 0.3 s, or this if shorter).")] = 1.0,
    max_wait: Annotated[float, typer.Option(
        min=0.1, max=3600, help="Longest a change waits under a steady stream of changes, in "
                                "seconds.")] = 10.0,
    poll: Annotated[bool, typer.Option(
        "--poll", help="Look for changes every --poll-interval seconds instead of using file "
                       "notifications (done by itself on network file systems).")] = False,
    poll_interval: Annotated[float, typer.Option(
        min=0.1, max=3600, help="Seconds between looks when polling.")] = 2.0,
    model: Annotated[str | None, typer.Option(
        help="For a new index: sentence-transformers model name or local path [default: "
             "all-MiniLM-L6-v2, bundled].")] = None,
    precision: Annotated[str, typer.Option(
        help="Embedding arithmetic: auto, fp32 or bf16.")] = "auto",
) -> None:
    """Keep an index current: index what changes in its folders as files are saved,
    added, moved or deleted (one line per run on stderr). Runs take the same lock as
    `parallax index`; Ctrl-C stops after the run in progress (twice: abandons it).

    Example: parallax watch --index ~/notes-index   (or: parallax watch ~/notes)
    """
    from parallax.cli.output import CliProgress
    from parallax.watching import Watcher, WatcherRunning, WatchOptions

    with user_errors():
        target = resolve_index_dir(index_dir)
        options = WatchOptions(quiet=quiet, max_wait=max_wait, poll=poll,
                               poll_interval=poll_interval, model=model, precision=precision)
        watcher = Watcher(target, paths or None, options, PrintedWatch(), CliProgress())
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
        interrupted: list[Any] = []  # the run a second Ctrl-C abandons

        def stop(signum: int, frame: object) -> None:
            if watcher.stopping and watcher.running:
                interrupted.append(watcher.current)
                raise KeyboardInterrupt  # the second Ctrl-C: abandon the run
            watcher.stop()
            say("stopping after the current run (Ctrl-C again abandons it)"
                if watcher.running else "stopping", style="dim")

        for sig in previous:
            signal.signal(sig, stop)
        try:
            watcher.run_forever()
        except WatcherRunning as running:
            say_running(running.record, target)
            raise typer.Exit(5) from None
        except KeyboardInterrupt:
            abandoned(watcher, interrupted[0] if interrupted else None)
            raise typer.Exit(130) from None
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
    say(f"stopped; the index is at {watcher_generation(watcher)}", style="dim")


def abandoned(watcher: Any, run: Any) -> None:
    """Say what a second Ctrl-C kept: the run was abandoned before its last publish."""
    now = watcher_generation(watcher)
    before = run.before if run is not None else None
    kept = ("parts it had published are kept" if before and now != before
            else "nothing of it was published")
    say(f"run abandoned ({kept}); the index is at {now}; the next `parallax watch` or "
        "`parallax index` finishes it", style="dim")


def watcher_generation(watcher: Any) -> str:
    from indexes.storage.layout import current_name

    return current_name(watcher.index_dir) or "no generation yet"


def say_running(record: dict[str, Any], target: Path) -> None:
    from parallax.cli.application import say_error

    say_error(f"a watcher (pid {record.get('pid', '?')}, since {record.get('since', '?')}) "
              f"already keeps the index at {target} current",
              "Stop it first, or use it: its runs index what changes.")


def start_watcher(index_dir: Path) -> Any:
    """`serve --watch`: the same watcher in a thread of the server, printing the same lines;
    the server's answers move to each generation it publishes at the next request."""
    import threading

    from parallax.cli.output import CliProgress
    from parallax.watching import Watcher, WatchOptions

    with user_errors():
        watcher = Watcher(index_dir, None, WatchOptions(), PrintedWatch(), CliProgress())
    threading.Thread(target=_watch_in_server, args=(watcher,), daemon=True,
                     name="parallax-watch").start()
    return watcher


def _watch_in_server(watcher: Any) -> None:
    from parallax.cli.application import say_error
    from parallax.errors import ParallaxError
    from parallax.watching import WatcherRunning

    try:
        watcher.run_forever()
    except WatcherRunning as running:
        say(f"a watcher (pid {running.record.get('pid', '?')}) already keeps this index "
            "current; this server only answers", label="Note: ")
    except ParallaxError as error:  # the server goes on answering from the last generation
        say_error(f"the watcher stopped: {error.message}", error.hint)
    except Exception as error:  # noqa: BLE001 - a bug: one line, never a traceback
        from parallax.cli.application import BUG_HINT

        say_error(f"the watcher stopped: unexpected {type(error).__name__}", BUG_HINT)


def stop_watcher(watcher: Any) -> None:
    """Stop the server's watcher after its run in progress (which then publishes)."""
    watcher.stop()
    if watcher.running:
        say("the watcher finishes its run before the server stops", style="dim")
    watcher.stopped.wait(3600)


def say_watcher(record: dict[str, Any]) -> None:
    """A manual `index` found the watcher in a run: say so, once, while it waits."""
    say(f"parallax watch (pid {record.get('pid', '?')}) is updating this index; waiting for "
        "its run to finish (it indexes changes by itself)", style="dim")
