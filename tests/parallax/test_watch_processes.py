"""`parallax watch` and `parallax serve --watch` as processes, with the bundled model on a copy
of the sample corpus: answers follow saves, a SIGKILL mid-run leaves a sound index that a
restart catches up, Ctrl-C stops cleanly; and the long ones (a 1,000-file burst, 60 s
idle), marked slow."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from indexes.reader import indexed_paths
from indexes.storage import layout
from parallax.indexing import build_index
from parallax.service import check
from tests.parallax.watch_helpers import contents, settle, wait_for, watching

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = (ROOT.parent / "shared" / "corpus" / "china-us").resolve()
CLI = [sys.executable, "-m", "parallax"]


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SAMPLE, folder)
    return folder


@pytest.fixture
def indexed(corpus: Path, tmp_path: Path, real_encoder) -> Path:  # noqa: ANN001
    target = tmp_path / "index"
    build_index([corpus], target, encoder_loader=lambda name: real_encoder)
    return target


def start(args: list[str], log: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([*CLI, *args], env=env, stdout=log.open("w"),
                            stderr=subprocess.STDOUT)


def lines(log: Path) -> list[str]:
    return log.read_text(encoding="utf-8", errors="replace").splitlines()


def test_serve_watch_answers_a_saved_file_at_the_next_request_and_says_its_status(
        corpus, indexed, tmp_path) -> None:  # noqa: ANN001
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    log = tmp_path / "serve.log"
    server = start(["serve", "--watch", "--index", str(indexed), "--port", str(port)], log)
    base = f"http://127.0.0.1:{port}"

    def status() -> dict | None:
        try:
            with urllib.request.urlopen(f"{base}/api/status", timeout=30) as reply:
                return json.loads(reply.read())
        except OSError:
            return None

    try:
        first = wait_for(status, "the server answering", patience=240)
        assert first["watching"] and first["generation"] == layout.current_name(indexed)
        assert first["watcher"]["mode"] == "file notifications"
        assert first["published"].endswith("+00:00")
        saved = corpus / "pandas.txt"
        saved.write_text("Pandas\n\nThe Beijing zoo lent two giant pandas to Washington.\n",
                         encoding="utf-8")

        def answered() -> dict | None:
            url = f"{base}/api/ask?q=giant+pandas+lent+by+the+Beijing+zoo&k=1"
            with urllib.request.urlopen(url, timeout=60) as reply:
                body = json.loads(reply.read())
                generation = reply.headers["X-Parallax-Generation"]
            top = body["results"][0]["document"]["path"]
            return {"generation": generation} if top == str(saved) else None

        got = wait_for(answered, "the saved file answered", patience=120)

        def recorded() -> dict | None:
            # The run's record is written just after its generation is published: a
            # request can be answered from the new generation a moment before it.
            now = status()
            run = (now or {}).get("watcher", {}).get("last_run") or {}
            return now if run.get("added") == 1 and not now["running"] else None

        now = wait_for(recorded, "the run recorded in the status", patience=60)
        assert got["generation"] == now["generation"] != first["generation"]
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(120)
    assert not any("Traceback" in line for line in lines(log))


def test_sigkill_during_a_run_leaves_a_sound_index_and_a_restart_catches_up(
        corpus, indexed, tmp_path, real_encoder) -> None:  # noqa: ANN001
    log = tmp_path / "watch.log"
    watcher = start(["watch", "--index", str(indexed)], log)
    try:
        wait_for(lambda: any("run 1:" in line for line in lines(log)), "the first run",
                 patience=240)
        before = layout.current_name(indexed)
        # Enough text that embedding takes a while: the kill lands inside the run.
        for i in range(40):
            (corpus / f"long{i:02d}.txt").write_text(
                "\n\n".join(f"Paragraph {j} of long note {i}: trade, tariffs, students, "
                            f"climate and visits between the two capitals." for j in range(12)),
                encoding="utf-8")
        wait_for(lambda: any(line.startswith("Embedding") for line in lines(log)),
                 "the run embedding", patience=240)
    finally:
        watcher.send_signal(signal.SIGKILL)
        watcher.wait(60)
    report = check(indexed)
    assert report.ok, report.problems
    assert layout.current_name(indexed) == before  # nothing half-published is in use
    # A restart catches up with everything saved while it was down (or killed).
    (corpus / "000_66e27f2df0de6ee7.txt").unlink()
    with watching(indexed, None, real_encoder) as (restarted, recorder):
        assert recorder.runs[0].added and recorder.runs[0].removed
    expected = {str(p) for p in corpus.glob("*.txt")}
    assert indexed_paths(indexed) == expected
    assert check(indexed).ok


def test_ctrl_c_stops_after_the_run_and_says_where_the_index_is(corpus, indexed,
                                                                tmp_path) -> None:
    log = tmp_path / "watch.log"
    watcher = start(["watch", "--index", str(indexed)], log)
    try:
        wait_for(lambda: any("run 1:" in line for line in lines(log)), "the first run",
                 patience=240)
        (corpus / "new.txt").write_text("New\n\nA note on visas.\n", encoding="utf-8")
        wait_for(lambda: any("run 2:" in line for line in lines(log)), "the second run",
                 patience=120)
    finally:
        watcher.send_signal(signal.SIGINT)
        code = watcher.wait(120)
    assert code == 0
    said = lines(log)
    assert "1 added (new.txt)" in next(line for line in said if "run 2:" in line)
    assert said[-1].endswith(f"stopped; the index is at {layout.current_name(indexed)}")
    assert not (indexed / "WATCHER").read_bytes()  # the record is emptied on the way out


@pytest.mark.slow
def test_a_burst_of_1000_copied_files_is_at_most_3_runs_and_equals_a_fresh_build(
        corpus, tmp_path, fake_encoder) -> None:  # noqa: ANN001
    index_dir = tmp_path / "index"
    build_index([corpus], index_dir, encoder_loader=lambda name: fake_encoder)
    staging = tmp_path / "staging"
    for i in range(1000):
        folder = staging / f"part{i // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"copy{i:04d}.txt").write_text(f"Copy {i}\n\nCopied note w{i} on trade.\n",
                                                 encoding="utf-8")
    with watching(index_dir, None, fake_encoder) as (watcher, recorder):
        before = len(recorder.runs)
        subprocess.run(["cp", "-r", str(staging), str(corpus / "copied")], check=True)
        wait_for(lambda: len(indexed_paths(index_dir)) == 1005, "all 1,000 copies indexed")
        settle(recorder, quiet=3.0)
        burst = recorder.runs[before:]
    print(f"1,000 files: {len(burst)} runs, {sum(r.seconds for r in burst):.1f} s of runs")
    assert 1 <= len(burst) <= 3, [r.as_dict() for r in burst]
    fresh = tmp_path / "fresh"
    build_index([corpus], fresh, encoder_loader=lambda name: fake_encoder)
    assert contents(index_dir) == contents(fresh)


@pytest.mark.slow
def test_idle_for_60_seconds_costs_under_1_percent_of_a_core_and_no_memory(
        corpus, indexed, tmp_path) -> None:  # noqa: ANN001
    log = tmp_path / "watch.log"
    watcher = start(["watch", "--index", str(indexed)], log)
    try:
        wait_for(lambda: any("run 1:" in line for line in lines(log)), "the first run",
                 patience=240)
        _until_still(watcher.pid)  # the model loads after the first run
        cpu0, rss0 = _cpu_and_rss(watcher.pid)
        began = time.monotonic()
        time.sleep(60)
        cpu1, rss1 = _cpu_and_rss(watcher.pid)
        share = (cpu1 - cpu0) / (time.monotonic() - began)
    finally:
        watcher.send_signal(signal.SIGINT)
        watcher.wait(120)
    assert share < 0.01, f"{100 * share:.2f} % of a core"
    assert rss1 <= rss0, (rss0, rss1)


def _until_still(pid: int) -> None:
    """Wait until the process has used almost no CPU for 3 s (done loading its model, which
    takes longer than any fixed wait on a loaded machine)."""
    def still() -> bool:
        before = _cpu_and_rss(pid)[0]
        time.sleep(3)
        return _cpu_and_rss(pid)[0] - before < 0.05
    wait_for(still, "the watcher done loading its model", patience=240)


def _cpu_and_rss(pid: int) -> tuple[float, int]:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    return cpu, next(int(x.split()[1]) for x in status if x.startswith("VmRSS:"))
