"""`parallax watch` on the sample corpus with the bundled model: how soon a saved file is
answered by `ask`, where that time goes, and what the watcher costs while nothing changes.

1. The sample corpus is copied to a temporary folder and indexed (`parallax index`).
2. `parallax watch` runs in a subprocess on it, as a user would run it, and loads the model.
3. Latency: `--edits` times, a new file with a sentence of its own is saved, and `ask` (this
   process, hybrid, the model loaded once as a server holds it) is asked about it until the
   new file is the first answer: the time from the save to that answer. Median and max,
   and per edit where it went:
   - `notified`: from the save to the watcher noticing it (inotify, then watchfiles'
     grouping), the rest of the time before the run once the two below are taken away;
   - `waited`: the debounce, from the first change noticed to the run's start (the
     watcher's record, WATCHER, says it);
   - `run` and `run_cpu`: the run of `index` (wall and the watcher's CPU seconds);
   - `to_answer`: from the new generation's publication (CURRENT seen changed by this
     process's polling, every 50 ms) to `ask` answering with the new file;
   - `generations` and `segments`: the index folder after the edit (what could pile up).
   The load average is read before each edit.
4. `parallax ask` as a command (a new process each time: imports, index opening, the
   question's embedding) is timed `--cli-asks` times: what a user typing it adds.
5. Idle: nothing changes for `--idle` seconds; the watcher's CPU time (from /proc) per second
   of wall time, and its resident memory before and after.

Run: PYTHONPATH=. python benchmarks/bench_watch.py [--edits 20] [--idle 60] [--quiet 1.0]
(--quiet is passed to `parallax watch`; the default is the command's default.)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT.parent / "shared" / "corpus" / "china-us"
WORDS = ["amber", "basalt", "cobalt", "dune", "ember", "fjord", "glacier", "harbor", "iris",
         "juniper", "kelp", "lagoon", "meadow", "nectar", "orchid", "prairie", "quartz",
         "reef", "saffron", "tundra", "umber", "violet"]


def cpu_and_rss(pid: int) -> tuple[float, int]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    cpu = (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text()
               .splitlines() if line.startswith("VmRSS:"))
    return cpu, rss


def load() -> float:
    return float(Path("/proc/loadavg").read_text().split()[0])


def summary(values: list[float]) -> dict[str, float]:
    return {"median": round(statistics.median(values), 3), "max": round(max(values), 3),
            "min": round(min(values), 3)}


def edit(i: int, corpus: Path, index: Path, service, mode) -> dict:  # noqa: ANN001
    """Save note i and wait until `ask` answers with it; where the time went."""
    from indexes.storage.layout import current_name
    from parallax.watching import read_watcher

    word = f"{WORDS[i % len(WORDS)]}{i}"
    path = corpus / f"note-{i:02d}.txt"
    before, load_before = current_name(index), load()
    saved = time.monotonic()
    path.write_text(f"Note {i}\n\nThe {word} delegation discussed {word} exports at length.\n",
                    encoding="utf-8")
    published = answered = None
    while time.monotonic() - saved < 120:
        if published is None and current_name(index) != before:
            published = time.monotonic()
        answer = service.ask(f"What about the {word} delegation?", 1, mode).value
        if answer.results and answer.results[0].document.path == str(path):
            answered = time.monotonic()
            break
        time.sleep(0.05)
    # The watcher records its run just after publishing: `ask` may answer before.
    generation, run = current_name(index), {}
    while time.monotonic() - saved < 130:
        run = (read_watcher(index) or {}).get("last_run") or {}
        if run.get("generation") == generation:
            break
        time.sleep(0.02)
    generations = sum(1 for p in index.iterdir() if p.name.startswith("parallax-gen-"))
    manifest = index / generation / "manifest.json"
    segments = len(json.loads(manifest.read_text())["segments"])
    row = {"edit": i, "load": load_before, "generations": generations, "segments": segments,
           "latency": round(answered - saved, 3) if answered else float("inf")}
    if answered and published:
        waited, seconds = run.get("waited") or 0.0, run.get("seconds") or 0.0
        row.update(notified=round(published - saved - seconds - waited, 3), waited=waited,
                   run=seconds, run_cpu=run.get("cpu_seconds"),
                   to_answer=round(answered - published, 3))
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--idle", type=float, default=60.0)
    parser.add_argument("--cli-asks", type=int, default=3)
    parser.add_argument("--quiet", type=float, default=None)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(SAMPLE, corpus)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-m", "parallax"]
    subprocess.run([*cli, "index", str(corpus), "--index", str(index)], env=env, check=True,
                   capture_output=True)
    log = open(work / "watch.log", "w")  # noqa: SIM115 - open for the watcher's life
    quiet = ["--quiet", str(args.quiet)] if args.quiet is not None else []
    watcher = subprocess.Popen([*cli, "watch", "--index", str(index), *quiet], env=env,
                               stderr=log, stdout=log)
    from indexes import Mode
    from parallax.service import Service

    service = Service(index)
    service.warm()
    result: dict = {"load_before": Path("/proc/loadavg").read_text().split()[:3]}
    try:
        # The watcher's first run (catching up: nothing to do), then its model loading.
        deadline = time.monotonic() + 120
        while "Loading model" not in (work / "watch.log").read_text():
            if time.monotonic() > deadline:
                break
            time.sleep(0.2)
        time.sleep(3)
        rows = []
        for i in range(args.edits):
            rows.append(edit(i, corpus, index, service, Mode.hybrid))
            print(json.dumps(rows[-1]), file=sys.stderr)
            time.sleep(1.5)  # edits apart, as a person saves
        latencies = [r["latency"] for r in rows]
        result["latency_s"] = {"edits": args.edits, **summary(latencies),
                               "all": [round(x, 2) for x in latencies]}
        phases = ("notified", "waited", "run", "run_cpu", "to_answer")
        timed = [r for r in rows if "run" in r]
        result["phases_s"] = {p: summary([r[p] for r in timed if r[p] is not None])
                              for p in phases if any(r[p] is not None for r in timed)}
        result["index_folder"] = {"generations_max": max(r["generations"] for r in rows),
                                  "segments_max": max(r["segments"] for r in rows)}
        result["load_during_edits"] = summary([r["load"] for r in rows])
        cli_asks = []
        for i in range(args.cli_asks):
            began = time.monotonic()
            subprocess.run([*cli, "ask", f"What about the {WORDS[i]}{i} delegation?", "-k", "1",
                            "--index", str(index)], env=env, check=True, capture_output=True)
            cli_asks.append(time.monotonic() - began)
        if cli_asks:
            result["cli_ask_s"] = summary(cli_asks)
        time.sleep(3)
        cpu0, rss0 = cpu_and_rss(watcher.pid)
        began = time.monotonic()
        time.sleep(args.idle)
        cpu1, rss1 = cpu_and_rss(watcher.pid)
        result["idle"] = {"seconds": args.idle,
                          "cpu_percent_of_core": round(100 * (cpu1 - cpu0)
                                                       / (time.monotonic() - began), 3),
                          "rss_kb_before": rss0, "rss_kb_after": rss1}
        result["runs"] = sum(1 for line in (work / "watch.log").read_text().splitlines()
                             if " run " in line)
    finally:
        watcher.terminate()
        watcher.wait(120)
        service.close()
        log.close()
    result["load_after"] = Path("/proc/loadavg").read_text().split()[:3]
    print(json.dumps(result, indent=1))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
