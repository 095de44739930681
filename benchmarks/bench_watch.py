"""`parallax watch` on the sample corpus with the bundled model: how soon a saved file is
answered by `ask`, and what the watcher costs while nothing changes.

1. The sample corpus is copied to a temporary folder and indexed (`parallax index`).
2. `parallax watch` runs in a subprocess on it, as a user would run it.
3. Latency: 20 times, a new file with a sentence of its own is saved, and `ask` (this
   process, hybrid, the model loaded once as a server holds it) is asked about it until the
   new file is the first answer: the time from the save to that answer. Median and max.
4. Idle: nothing changes for `--idle` seconds; the watcher's CPU time (from /proc) per second
   of wall time, and its resident memory before and after.

Run: PYTHONPATH=. python benchmarks/bench_watch.py [--edits 20] [--idle 60]
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--edits", type=int, default=20)
    parser.add_argument("--idle", type=float, default=60.0)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-watch-"))
    corpus, index = work / "corpus", work / "index"
    shutil.copytree(SAMPLE, corpus)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cli = [sys.executable, "-m", "parallax"]
    subprocess.run([*cli, "index", str(corpus), "--index", str(index)], env=env, check=True,
                   capture_output=True)
    log = open(work / "watch.log", "w")  # noqa: SIM115 - open for the watcher's life
    watcher = subprocess.Popen([*cli, "watch", "--index", str(index)], env=env,
                               stderr=log, stdout=log)
    from indexes import Mode
    from parallax.service import Service

    service = Service(index)
    service.warm()
    result: dict = {"load_before": Path("/proc/loadavg").read_text().split()[:3]}
    try:
        time.sleep(3)  # the watcher's first run (catching up: nothing to do)
        latencies = []
        for i in range(args.edits):
            word = f"{WORDS[i % len(WORDS)]}{i}"
            text = f"Note {i}\n\nThe {word} delegation discussed {word} exports at length.\n"
            path = corpus / f"note-{i:02d}.txt"
            saved = time.monotonic()
            path.write_text(text, encoding="utf-8")
            while time.monotonic() - saved < 60:
                answer = service.ask(f"What about the {word} delegation?", 1, Mode.hybrid).value
                if answer.results and answer.results[0].document.path == str(path):
                    latencies.append(time.monotonic() - saved)
                    break
                time.sleep(0.05)
            else:
                latencies.append(float("inf"))
            time.sleep(1.5)  # edits apart, as a person saves
        result["latency_s"] = {"edits": args.edits,
                               "median": round(statistics.median(latencies), 2),
                               "max": round(max(latencies), 2),
                               "all": [round(x, 2) for x in latencies]}
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
