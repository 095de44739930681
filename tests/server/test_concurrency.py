"""The server keeps answering while `parallax index` publishes: 8 clients × 50 requests while
two new generations are published; every response is 200 and consistent with the one
generation it names; afterwards the new documents are found without a restart."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import SAMPLE
from tests.server.conftest import Server

CLIENTS = 8
REQUESTS = 50
PHASE = REQUESTS // 3  # requests per client before each publish is awaited
PACE_SECONDS = 1.0  # between a client's requests while a publish runs: spreads them over it
PUBLISH_SECONDS = 600  # a bound on one `parallax index` run
FILES = sorted(p.name for p in SAMPLE.glob("*.txt"))
ASK = "/api/ask?" + urllib.parse.urlencode({"q": "What did China say about Taiwan?", "k": 5})


def _add(folder: Path, names: list[str]) -> None:
    """Put these sample files in the folder, with their metadata rows."""
    for name in names:
        shutil.copy(SAMPLE / name, folder / name)
    with (SAMPLE / "metadata.csv").open(encoding="utf-8") as source:
        rows = list(csv.reader(source))
    present = {p.name for p in folder.glob("*.txt")}
    with (folder / "metadata.csv").open("w", encoding="utf-8", newline="") as target:
        csv.writer(target).writerows([rows[0], *[r for r in rows[1:] if r[0] in present]])


def _index(folder: Path, index: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "parallax", "index", str(folder), "--index",
                           str(index)], capture_output=True, text=True, timeout=PUBLISH_SECONDS)
    assert done.returncode == 0, done.stderr


@pytest.fixture
def growing(tmp_path: Path) -> Iterator[tuple[Path, Path, Server]]:
    folder, index = tmp_path / "corpus", tmp_path / "index"
    folder.mkdir()
    _add(folder, FILES[:3])
    _index(folder, index)
    running = Server(index, log=tmp_path / "serve.log")
    try:
        yield folder, index, running
    finally:
        running.stop()


@pytest.mark.slow  # about a minute: run by .ci/run, or with --run-slow
def test_answers_stay_whole_while_two_generations_are_published(
        growing: tuple[Path, Path, Server]) -> None:
    folder, index, server = growing
    published = [threading.Event(), threading.Event()]
    failures: list[str] = []
    sources: list[tuple[str, frozenset[str]]] = []  # (generation, document paths)
    answers: list[tuple[str, frozenset[str]]] = []  # (generation, paths in the results)
    record = threading.Lock()

    def publish() -> None:
        try:
            for event, name in zip(published, FILES[3:], strict=True):
                _add(folder, [name])
                _index(folder, index)
                event.set()
        except BaseException as error:  # noqa: BLE001 - reported below, clients released
            failures.append(f"publishing failed: {error}")
            for event in published:
                event.set()

    def client(number: int) -> None:
        for i in range(REQUESTS):
            phase = min(i // PHASE, 2)
            if i % PHASE == 0 and 0 < i <= 2 * PHASE:
                published[phase - 1].wait(PUBLISH_SECONDS)
            path = "/api/sources" if (i + number) % 2 else ASK
            reply = server.get(path)
            if reply.status != 200:
                failures.append(f"client {number} request {i}: {reply.status} {reply.body!r}")
                continue
            generation = reply.headers["x-parallax-generation"]
            body = reply.json()
            with record:
                if path == ASK:
                    answers.append((generation, frozenset(r["document"]["path"]
                                                          for r in body["results"])))
                else:
                    sources.append((generation, frozenset(d["path"]
                                                          for d in body["documents"])))
            if phase < 2 and not published[phase].is_set():
                published[phase].wait(PACE_SECONDS)

    threads = [threading.Thread(target=publish)]
    threads += [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(2 * PUBLISH_SECONDS + REQUESTS * 60)
    assert not any(t.is_alive() for t in threads), "a client or the indexer hung"
    assert not failures, failures[:5]
    assert len(sources) + len(answers) == CLIENTS * REQUESTS

    documents: dict[str, frozenset[str]] = {}
    for generation, paths in sources:
        assert documents.setdefault(generation, paths) == paths, \
            f"generation {generation} answered with two different document sets"
    assert sorted(len(paths) for paths in documents.values()) == [3, 4, 5], \
        "the clients saw the first generation and both published ones"
    for generation, paths in answers:
        if generation in documents:
            assert paths <= documents[generation], "an answer mixed two generations"

    # Without a restart, the newest documents are found.
    newest = server.get("/api/ask?" + urllib.parse.urlencode(
        {"q": "Lanting Forum", "mode": "lexical", "k": 1})).json()
    assert Path(newest["results"][0]["document"]["path"]).name == FILES[4]
    assert len(server.get("/api/sources").json()["documents"]) == 5
