"""Warm HTTP latency of `parallax serve` for ask and compare, against the same work done
in-process (the server's Service called directly: same lock, refresh, use case and JSON).

    .venv/bin/python benchmarks/bench_server.py [--index DIR] [--repeat N]

Without --index the sample corpus is indexed into a temporary folder first. The questions
are those of evals/china-us-plain.jsonl, the topics those of evals/compare-topics.jsonl.
Each is asked once to warm up, then `--repeat` times, in-process and over HTTP in turn (so
that both see the same load); the server runs on loopback in its own process, over one
keep-alive connection. Target: HTTP p50 <= 2x in-process p50. Not a test:
timings depend on the machine; quote the output with the machine it ran on.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SAMPLE = ROOT.parent / "shared" / "corpus" / "china-us"
QUESTIONS = ROOT / "evals" / "china-us-plain.jsonl"
TOPICS = ROOT / "evals" / "compare-topics.jsonl"
PARALLAX = [sys.executable, "-m", "parallax"]
STARTUP_SECONDS = 120


def _lines(path: Path, key: str, limit: int) -> list[str]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]
    return [row[key] for row in rows][:limit]


def percentile(times: list[float], p: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def paired(local: list[Callable[[], object]], remote: list[Callable[[], object]],
           repeat: int) -> tuple[list[float], list[float]]:
    """Each call in-process then over HTTP, one after the other, so that both see the same
    load on a shared machine; a warm-up round first (model, FAISS maps, caches)."""
    for mine, theirs in zip(local, remote, strict=True):
        mine()
        theirs()
    here: list[float] = []
    there: list[float] = []
    for _ in range(repeat):
        for mine, theirs in zip(local, remote, strict=True):
            for call, times in ((mine, here), (theirs, there)):
                start = time.perf_counter()
                call()
                times.append(time.perf_counter() - start)
    return here, there


def measure(index: Path, questions: list[str], topics: list[str],
            repeat: int) -> dict[str, tuple[list[float], list[float]]]:
    from parallax.server.service import Service

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen([*PARALLAX, "serve", "--index", str(index), "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    service = Service(index)
    try:
        service.warm()
        connection = _connect(port, server)

        def get(path: str, **params: str) -> Callable[[], object]:
            url = f"{path}?{urllib.parse.urlencode(params)}"

            def call() -> object:
                try:
                    connection.request("GET", url)
                    reply = connection.getresponse()
                except (http.client.RemoteDisconnected, ConnectionError):
                    connection.close()  # the server closed an idle keep-alive connection
                    connection.request("GET", url)
                    reply = connection.getresponse()
                body = reply.read()
                if reply.status != 200:
                    raise RuntimeError(f"{url}: {reply.status} {body[:200]!r}")
                return json.loads(body)
            return call

        return {
            "ask": paired([lambda q=q: service.ask(q) for q in questions],
                          [get("/api/ask", q=q) for q in questions], repeat),
            "compare": paired([lambda t=t: service.compare(t) for t in topics],
                              [get("/api/compare", topic=t) for t in topics], repeat)}
    finally:
        service.close()
        server.terminate()
        server.wait(timeout=30)


def _connect(port: int, server: subprocess.Popen) -> http.client.HTTPConnection:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("parallax serve exited")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            connection.request("GET", "/api/sources")
            connection.getresponse().read()
            return connection
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("parallax serve did not answer")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, help="an index (default: the sample corpus)")
    parser.add_argument("--repeat", type=int, default=10, help="rounds after the warm-up")
    parser.add_argument("--questions", type=int, default=20, help="questions per round")
    parser.add_argument("--topics", type=int, default=5, help="compare topics per round")
    args = parser.parse_args()
    questions = _lines(QUESTIONS, "question", args.questions)
    topics = _lines(TOPICS, "topic", args.topics)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"Python {platform.python_version()}")
    with tempfile.TemporaryDirectory() as tmp:
        index = args.index
        if index is None:
            index = Path(tmp) / "index"
            subprocess.run([*PARALLAX, "index", str(SAMPLE), "--index", str(index)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print(f"index: {index if args.index else 'the sample corpus'}; {len(questions)} "
              f"questions and {len(topics)} topics, {args.repeat} warm rounds each")
        timings = measure(index, questions, topics, args.repeat)
    for name, (here, there) in timings.items():
        ratio = statistics.median(there) / statistics.median(here)
        print(f"{name:<8} in-process p50 {statistics.median(here) * 1000:7.1f} ms  "
              f"p99 {percentile(here, 99) * 1000:7.1f} ms | HTTP p50 "
              f"{statistics.median(there) * 1000:7.1f} ms  p99 {percentile(there, 99) * 1000:7.1f}"
              f" ms | HTTP/in-process p50 {ratio:.2f}x ({'within' if ratio <= 2 else 'OVER'} "
              f"the 2x target)")


if __name__ == "__main__":
    main()
