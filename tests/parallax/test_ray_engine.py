"""`parallax index --engine ray`: the same index as the local engine, on a real local Ray
instance (2 CPUs, started once for the module; nothing mocked), killed workers retried, a
killed driver resumed, unreachable clusters and unreadable files reported clearly, and the
local engine free of Ray."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from indexes import IndexReader
from parallax.cli import app
from parallax.errors import exit_code
from parallax.indexing import IndexProgress, batching, build_index
from tests.parallax.index_pairs import same_texts_unit_vectors

SAMPLE = (Path(__file__).resolve().parents[3] / "shared" / "corpus" / "china-us").resolve()
QUESTIONS = ["What did China say about Taiwan?", "trade tariffs and the economy",
             "climate change cooperation"]


def _ray():  # noqa: ANN202
    return pytest.importorskip("ray", reason="the Ray extra is not installed")


@pytest.fixture(scope="module")
def ray_cluster():  # noqa: ANN201
    ray = _ray()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             logging_level="ERROR")
    yield ray
    ray.shutdown()


@pytest.fixture(scope="module")
def engine(ray_cluster):  # noqa: ANN001, ANN201
    """Two workers kept for the module: each loads the model once, whatever the test."""
    from parallax.indexing.engines.ray import RayEngine

    with RayEngine(workers=2) as running:
        yield running


def _same_index(local: Path, other: Path) -> None:
    """Same documents, passages, contexts and unit spans; vectors within cosine 0.9999 on
    the same units; the same top results."""
    worst = 1.0
    for va, vb in same_texts_unit_vectors(local, other):
        cosines = (va * vb).sum(1) / (np.linalg.norm(va, axis=1) * np.linalg.norm(vb, axis=1))
        worst = min(worst, float(cosines.min()))
    assert worst >= 0.9999, worst
    for question in QUESTIONS:
        assert _top(local, question) == _top(other, question)


def _top(index: Path, question: str) -> list[str]:
    result = CliRunner().invoke(app, ["ask", question, "--json", "-k", "5", "--index",
                                      str(index)])
    assert result.exit_code == 0, result.output
    return [r["passage_id"] for r in json.loads(result.stdout)["results"]]


def test_the_cli_indexes_on_ray_like_the_local_engine_with_the_same_progress_lines(
    sample_index: Path, ray_cluster, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    # The CLI joins the module's Ray instance (running in this process) and starts its own
    # two workers; documents are shipped in the payload (the default).
    monkeypatch.setattr(batching, "BATCH_PASSAGES", 16)  # several batches, both workers busy
    result = CliRunner().invoke(app, ["index", str(SAMPLE), "--index", str(tmp_path / "i"),
                                      "--engine", "ray", "--workers", "2"])
    assert result.exit_code == 0, result.output
    assert "Embedding: 0/84 passages" in result.stderr
    assert "Embedding: 84/84 passages in" in result.stderr
    _same_index(sample_index, tmp_path / "i")


def test_workers_reading_a_shared_path_build_the_same_index(
    sample_index: Path, engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    monkeypatch.setattr(batching, "BATCH_PASSAGES", 16)
    monkeypatch.setattr(engine, "documents", "shared")
    report = build_index([SAMPLE], tmp_path / "index", engine=engine)
    assert report.counts["documents"] == 5 and len(report.added) == 5
    _same_index(sample_index, tmp_path / "index")


class _KillAWorker(IndexProgress):
    """Kills a worker (SIGKILL) once the first batch of embedding is done."""

    def __init__(self, engine) -> None:  # noqa: ANN001
        self.engine, self.killed, self.stage = engine, None, ""

    def started(self, stage: str, total: int, unit: str) -> None:
        self.stage = stage

    def advanced(self, count: int) -> None:
        if self.killed is None and self.stage == "Embedding":
            self.killed = self.engine.pids[0]
            os.kill(self.killed, signal.SIGKILL)


def test_a_killed_worker_is_restarted_and_its_batch_retried(
    sample_index: Path, engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    monkeypatch.setattr(batching, "BATCH_PASSAGES", 8)  # 11 batches: some are in flight
    monkeypatch.setattr(engine, "documents", "ship")
    killer = _KillAWorker(engine)
    build_index([SAMPLE], tmp_path / "index", engine=engine, progress=killer)
    assert killer.killed is not None
    assert _gone(killer.killed)  # it really died (and Ray started another)
    _same_index(sample_index, tmp_path / "index")


def _gone(pid: int) -> bool:
    for _ in range(50):  # until its parent has reaped it
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


class _DeleteBeforeEmbedding(IndexProgress):
    def __init__(self, victim: Path) -> None:
        self.victim = victim

    def loading_model(self, name: str) -> None:  # after planning, before any worker reads
        self.victim.unlink()


def test_a_worker_that_cannot_read_a_shared_file_says_which_and_why(
    engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: ANN001
) -> None:
    from parallax.indexing.engines.ray import WorkerCannotRead

    folder = tmp_path / "docs"
    shutil.copytree(SAMPLE, folder)
    victim = sorted(folder.glob("*.txt"))[2]
    monkeypatch.setattr(engine, "documents", "shared")
    with pytest.raises(WorkerCannotRead) as caught:
        build_index([folder], tmp_path / "index", engine=engine,
                    progress=_DeleteBeforeEmbedding(victim))
    assert str(victim) in caught.value.message and "cannot read" in caught.value.message
    assert "shared file system" in (caught.value.hint or "")
    assert exit_code(caught.value) == 1
    assert not (tmp_path / "index" / "CURRENT").exists()  # nothing published


def test_a_model_the_workers_cannot_load_is_named(engine, tmp_path: Path) -> None:  # noqa: ANN001
    from corpus.errors import Kind, ParallaxError

    with pytest.raises(ParallaxError) as caught:
        build_index([SAMPLE], tmp_path / "index", model=str(tmp_path / "no-such-model"),
                    engine=engine)
    assert caught.value.kind == Kind.unavailable
    assert "no-such-model" in caught.value.message
    assert not (tmp_path / "index" / "CURRENT").exists()


DRIVER = """
import sys
from pathlib import Path
from parallax.indexing import IndexProgress, build_index
from parallax.indexing.engines.ray import RayEngine

class Say(IndexProgress):
    def started(self, stage, total, unit):
        print(f"{stage} {total}", flush=True)

with RayEngine("auto", workers=1) as engine:
    build_index([Path(sys.argv[1])], Path(sys.argv[2]), engine=engine, progress=Say(),
                checkpoint=int(sys.argv[3]))
"""


def _reports(folder: Path, files: int) -> Path:
    folder.mkdir()
    for i in range(files):
        paragraphs = [f"Report {i}, section {j}: the committee discussed tariffs, climate "
                      f"finance and student exchanges in meeting {i * 100 + j}." for j in range(8)]
        (folder / f"report_{i:03d}.txt").write_text("\n\n".join(paragraphs), encoding="utf-8")
    return folder


def test_a_killed_driver_keeps_the_previous_index_and_the_next_run_resumes(
    sample_index: Path, engine, tmp_path: Path  # noqa: ANN001
) -> None:
    index = tmp_path / "index"
    shutil.copytree(sample_index, index)
    with IndexReader(index) as reader:
        sample_passages = {p.id for d in reader.documents() for p in reader.passages_of(d.rowid)}
    reports = _reports(tmp_path / "reports", 60)  # 480 passages, parts of 120 or more
    engine.stop_workers()  # free the CPUs for the driver's worker
    driver = subprocess.Popen([sys.executable, "-c", DRIVER, str(reports), str(index), "120"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    assert driver.stdout is not None
    for line in driver.stdout:  # the first part is published before the second starts
        if line.startswith("Part 2 "):
            break
    assert driver.poll() is None, "the run finished before it could be killed"
    driver.send_signal(signal.SIGKILL)
    driver.wait()

    # The previous index answers, with the parts published before the kill beside it: the
    # reports say nothing of Taiwan, so the sample's passages still lead (in an order that
    # the collection's statistics, now counting the reports, may change).
    assert set(_top(index, QUESTIONS[0])) <= sample_passages
    with IndexReader(index) as reader:
        published = reader.manifest.counts["documents"] - 5
    assert 0 < published < 60
    report = build_index([reports], index, engine=engine)
    # Only what no published part held is embedded again (the sample's 5 are kept too).
    assert len(report.added) == 60 - published and report.unchanged == published + 5
    assert report.counts["documents"] == 65


def test_an_unreachable_address_fails_in_seconds(tmp_path: Path) -> None:
    _ray()
    (tmp_path / "a.txt").write_text("One line about trade.\n", encoding="utf-8")
    silent = socket.socket()  # accepts connections and never answers, unlike a Ray head
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    threading.Thread(target=lambda: [silent.accept() for _ in range(5)], daemon=True).start()
    closed = socket.socket()
    closed.bind(("127.0.0.1", 0))
    refused = f"127.0.0.1:{closed.getsockname()[1]}"
    closed.close()
    for address, said in [(refused, "no Ray cluster at"),
                          (f"127.0.0.1:{silent.getsockname()[1]}", "no Ray cluster answered at")]:
        began = time.monotonic()
        done = subprocess.run([sys.executable, "-m", "parallax.cli", "index", str(tmp_path),
                               "--index", str(tmp_path / "index"), "--engine", "ray",
                               "--address", address], capture_output=True, text=True,
                              env={**os.environ, "PARALLAX_RAY_CONNECT_TIMEOUT": "3"})
        took = time.monotonic() - began
        assert done.returncode == 1, done.stderr
        assert f"Error: {said} {address}" in done.stderr, done.stderr
        assert "head node" in done.stderr  # the hint
        assert took < 10, took
        assert not (tmp_path / "index" / "CURRENT").exists()
    silent.close()


WITHOUT_RAY = """
import sys
sys.modules["ray"] = None  # as if the extra were not installed
from parallax.cli import main
sys.argv = ["parallax", *sys.argv[1:]]
main()
"""

REPORT_RAY = """
import sys
from parallax.cli import app
try:
    app(sys.argv[1:], standalone_mode=False)
finally:
    print("RAY:" + str("ray" in sys.modules), file=sys.stderr)
"""


def test_without_the_extra_the_ray_engine_says_how_to_install_it(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("One line about trade.\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", WITHOUT_RAY, "index", str(tmp_path),
                           "--index", str(tmp_path / "index"), "--engine", "ray"],
                          capture_output=True, text=True)
    assert done.returncode == 1, done.stderr
    assert "needs Ray, which is not installed" in done.stderr
    assert "pip install 'parallax[ray]'" in done.stderr
    assert "Loading model" not in done.stderr  # refused before any work


def test_the_local_engine_never_imports_ray(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Indexing embeds, here, in this process.\n",
                                    encoding="utf-8")
    done = subprocess.run([sys.executable, "-c", REPORT_RAY, "index", str(tmp_path),
                           "--index", str(tmp_path / "index")], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stderr.rstrip().endswith("RAY:False"), done.stderr


def test_engine_options_are_checked(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("One line about trade.\n", encoding="utf-8")
    for args, said in [(["--engine", "spark"], "unknown engine 'spark'"),
                       (["--address", "auto"], "--address and --workers need --engine ray"),
                       (["--engine", "ray", "--workers", "0"], "--workers")]:
        result = CliRunner().invoke(app, ["index", str(tmp_path), "--index",
                                          str(tmp_path / "index"), *args])
        assert result.exit_code == 2, result.output
        assert said in result.output


# A local instance of its own (not the module's), its worker started with a tiny encoder sent
# by value and busy embedding a batch (a long one: its encode sleeps) when a terminal's Ctrl-C
# comes: SIGINT to the driver's process group, which holds Ray's raylet and GCS but not its
# workers. Prints the pids Ray started that still run once the engine has closed.
OWN_INSTANCE = """
import os, signal, sys, threading, time
from pathlib import Path
import numpy as np
from corpus import load_document
from parallax.indexing import IndexProgress
from parallax.indexing.documents import DocumentToEmbed
from parallax.indexing.engines import ray_processes
from parallax.indexing.engines.base import EncoderSpec
from parallax.indexing.engines.ray import RayEngine
from parallax.settings import DEFAULT_SETTINGS

class Tiny:
    name, dimension, max_tokens = "tiny", 4, 12
    def token_offsets(self, text):
        return [(0, len(text))]
    def encode(self, texts, progress=None):
        time.sleep(120)
        return np.ones((len(texts), 4), dtype=np.float32) / 2

def tiny(name):
    return Tiny()

signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver's own Ctrl-C is not under test
doc = load_document(Path(sys.argv[1]))
engine = RayEngine()
with engine:
    encoder = engine.load(EncoderSpec("tiny", loader=tiny), IndexProgress())
    started = ray_processes.snapshot()
    print("workers", len(engine.pids), "cpus", engine.connect().cluster_resources()["CPU"],
          flush=True)
    batches = engine.embed([DocumentToEmbed.of(doc, doc.path.parent, "k")], encoder,
                           DEFAULT_SETTINGS, IndexProgress())
    threading.Thread(target=lambda: next(batches, None), daemon=True).start()
    time.sleep(3)  # the worker is in encode
    os.killpg(os.getpgid(0), signal.SIGINT)
    time.sleep(1)
print("left", ray_processes.running(started), flush=True)
os._exit(0)  # the thread waiting on the dead instance
"""


def test_a_ray_instance_parallax_started_leaves_no_process_behind(tmp_path: Path) -> None:
    _ray()
    text = tmp_path / "a.txt"
    text.write_text("Pandas are envoys of friendship.\n", encoding="utf-8")
    run = subprocess.run([sys.executable, "-c", OWN_INSTANCE, str(text)], capture_output=True,
                         text=True, start_new_session=True, timeout=300,
                         env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2])})
    lines = dict(line.split(" ", 1) for line in run.stdout.splitlines() if " " in line)
    assert run.returncode == 0, run.stderr[-2000:]
    # Sized to this machine's cores, so its one worker (which reserves them all) starts.
    assert lines["workers"].startswith("1 cpus") and \
        float(lines["workers"].split()[-1]) == len(os.sched_getaffinity(0))
    assert lines["left"] == "[]"


def _marked(mark: str) -> list[int]:
    """Running processes whose environment holds PARALLAX_TEST_MARK=`mark` (Ray's processes
    inherit the driver's environment)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and f"PARALLAX_TEST_MARK={mark}".encode() in \
                    (entry / "environ").read_bytes().split(b"\0"):
                found.append(int(entry.name))
        except OSError:
            continue
    return found


@pytest.mark.slow
def test_sigterm_stops_a_ray_run_like_ctrl_c_and_leaves_no_ray_process(tmp_path: Path) -> None:
    # `kill PID` (or systemd stopping a service) during embedding: Ray's driver answered it
    # with a C++ stack dump and an abort (exit -6). It now stops as Ctrl-C does.
    _ray()
    docs = tmp_path / "docs"
    docs.mkdir()
    for i in range(200):
        (docs / f"r{i:03d}.txt").write_text("\n\n".join(
            f"Report {i}, section {j}: the committee discussed tariffs and climate finance "
            f"in meeting {i * 100 + j}." for j in range(12)), encoding="utf-8")
    mark = f"sigterm-{os.getpid()}-{time.time_ns()}"
    process = subprocess.Popen(
        [sys.executable, "-m", "parallax", "index", str(docs), "--index",
         str(tmp_path / "index"), "--engine", "ray"], stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL, text=True, start_new_session=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2]),
             "PARALLAX_TEST_MARK": mark})
    assert process.stderr is not None
    for line in process.stderr:
        if line.startswith(("Embedding", "Part")):
            break
    assert process.poll() is None, "the run ended before it could be stopped"
    assert len(_marked(mark)) > 1  # the driver and the Ray instance it started
    process.send_signal(signal.SIGTERM)
    said = process.communicate(timeout=120)[1]
    assert process.returncode == 130, said
    assert "Error: interrupted" in said and "SIGTERM received" not in said
    assert _marked(mark) == []
