"""`parallax index --engine ray`: the passages to embed are computed and embedded on a Ray
cluster's workers; the driver (this process) reads and plans as the local engine does, and
writes and publishes every part itself, in order, exactly as the local engine does
(parallax.indexing.publishing), so an index is the same whichever engine built it.

RayEngine sends batches of passages to workers (ray_worker.RayWorker: a Ray actor, the model
loaded once, embedding with the same `embed_passages` as the local engine), a few queued per
worker, and yields their results in order. A batch whose worker dies is run again by Ray (the
actor restarts, `max_restarts`, and the call is retried, `max_task_retries`). Documents reach
the workers in one of two ways (`documents=`, or PARALLAX_RAY_DOCUMENTS):
- "ship" (default): the driver, which has parsed every document to plan, sends the batch's
  passages in the call. No shared storage is needed; see docs/ray.md for the measurement.
- "shared": the driver sends paths; each worker reads and parses the file itself, checks its
  sha256 against the driver's, and says clearly when it cannot read it (the documents must be
  on a file system every node mounts at the same path).

Ray is an optional extra (`pip install 'parallax[ray]'`) and is imported only here, when it
runs: the local engine never imports it.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from corpus.errors import Kind, ParallaxError
from parallax.indexing import batching
from parallax.indexing.documents import DocumentToEmbed
from parallax.indexing.engines import ray_processes
from parallax.indexing.engines.base import Embedded, EncoderSpec
from parallax.indexing.engines.ray_cluster import (
    INSTALL_HINT,
    RayUnavailable,
    WorkerCannotRead,
    cannot_read,
    connect,
    first_line,
    worker_failure,
)
from parallax.indexing.engines.ray_worker import RayWorker
from parallax.indexing.report import IndexProgress
from parallax.settings import IndexSettings
from parallax.threads import affinity_cores

__all__ = ["DOCUMENT_MODES", "INSTALL_HINT", "RayEngine", "RayUnavailable", "WorkerCannotRead",
           "import_ray"]

DOCUMENT_MODES = ("ship", "shared")
# Seconds to wait for a cluster named by --address before giving up.
CONNECT_TIMEOUT = float(os.environ.get("PARALLAX_RAY_CONNECT_TIMEOUT", "8"))
# Times a worker may die and be restarted (each time its batch is run again) in one run.
RETRIES = 3
# Seconds after which workers that have not started (loaded the model) are reported.
STARTING = 60.0
# Batches queued per worker: one running, one waiting, so no worker idles between calls.
QUEUED_PER_WORKER = 2


def import_ray() -> Any:
    try:
        import ray
    except ImportError as error:
        raise RayUnavailable(f"--engine ray needs Ray, which is not installed ({error})",
                             INSTALL_HINT) from None
    return ray


def _terminate_as_interrupt() -> Any:
    """Make SIGTERM (`kill PID`, systemd stopping a service) stop the run as Ctrl-C does:
    the run saves what it embedded, the engine shuts down what it started, and one line
    says what was kept. Ray's driver otherwise answers SIGTERM with a C++ stack dump on
    stderr and an abort (exit -6; seen with Ray 2.60). The handler to restore after (the
    default's when Ray's was not Python's); None off the main thread, where none can be set."""
    if threading.current_thread() is not threading.main_thread():
        return None

    def interrupt(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    return previous if previous is not None else signal.SIG_DFL


@dataclass(frozen=True)
class RemoteEncoder:
    """What the driver knows of the workers' encoder: enough to write a manifest."""

    name: str
    dimension: int
    precision: str | None
    max_tokens: int
    pooling_note: str | None = None


class RayEngine:
    """An EmbeddingEngine running on Ray. Use it as a context manager: leaving it stops the
    workers, and the local Ray instance if it started one.

    `address`: None starts a local Ray instance; "auto", "HOST:PORT" (the head's GCS port,
    6379 by default) or "ray://HOST:10001" (Ray Client) connect to a running cluster.
    `workers`: model replicas (Ray actors) [default: one per node], each reserving the
    cluster's CPUs divided among them."""

    def __init__(self, address: str | None = None, workers: int | None = None, *,
                 documents: str | None = None, connect_timeout: float = CONNECT_TIMEOUT,
                 num_cpus: int | None = None) -> None:
        documents = documents or os.environ.get("PARALLAX_RAY_DOCUMENTS", "ship")
        if documents not in DOCUMENT_MODES:
            raise ParallaxError(f"unknown way to send documents to Ray workers: {documents!r}",
                                f"Use one of {', '.join(DOCUMENT_MODES)}.", kind=Kind.usage)
        if workers is not None and workers < 1:
            raise ParallaxError(f"--workers must be at least 1, not {workers}",
                                kind=Kind.usage)
        self.address = address
        self.workers = workers
        self.documents = documents
        self.connect_timeout = connect_timeout
        self.num_cpus = num_cpus  # of a local instance [default: this machine's]
        self._ray: Any = None
        self._started = False  # this engine started the Ray instance it uses
        self._processes: ray_processes.Processes = {}  # that instance's, as they appeared
        self._actors: list[Any] = []
        self._spec: EncoderSpec | None = None  # what the workers loaded
        self.pids: list[int] = []  # of the workers as first started (tests kill one)
        self.described: list[dict[str, Any]] = []  # what each worker said when it started
        self._sigterm: Any = None  # the SIGTERM handler to restore on closing

    # -- the cluster -------------------------------------------------------------------

    def __enter__(self) -> RayEngine:
        import_ray()  # not installed: say so before any work
        if self.address is not None:  # a named cluster: fail fast, before any work
            self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def connect(self) -> Any:
        if self._ray is not None:
            return self._ray
        ray = import_ray()
        if ray.is_initialized():  # e.g. a test's instance, or a caller's
            self._ray = ray
            return ray
        quiet = {"logging_level": logging.ERROR, "log_to_driver": False}
        if self.address is None:
            before = ray_processes.snapshot()
            # The cores this process may run on, so that the worker reserving them all can
            # start, and uses as many threads as there are cores to run them.
            ray.init(num_cpus=self.num_cpus or affinity_cores(), include_dashboard=False,
                     **quiet)
            self._started = True
            self._processes = ray_processes.new_since(before)
        else:
            connect(ray, self.address, self.connect_timeout, quiet)
        self._ray = ray
        self._sigterm = _terminate_as_interrupt()
        return ray

    def close(self) -> None:
        ray = self._ray
        if ray is None:
            return
        self.stop_workers()
        if self._started:
            # Noted before the shutdown: a worker orphaned by it is no child of ours after.
            started = self._processes | ray_processes.snapshot(self._processes)
            try:
                ray.shutdown()
            finally:
                ray_processes.end(started)
                self._started, self._processes = False, {}
        self._ray = None
        if self._sigterm is not None:
            signal.signal(signal.SIGTERM, self._sigterm)
            self._sigterm = None

    # -- the EmbeddingEngine interface -------------------------------------------------

    def load(self, spec: EncoderSpec, progress: IndexProgress) -> RemoteEncoder:
        """Start the workers (each loads the model once) and describe their encoder."""
        ray = self.connect()
        if self._spec != spec:
            self.stop_workers()
            self._actors = self._start_actors(ray, spec)
            self._spec = spec
        asked = [a.describe.remote() for a in self._actors]
        ready, _ = ray.wait(asked, num_returns=len(asked), timeout=STARTING)
        if len(ready) < len(asked):  # e.g. other jobs hold the CPUs: say why it waits
            progress.warning(
                f"{len(asked) - len(ready)} of {len(asked)} Ray workers have not started "
                f"after {STARTING:g} s; the cluster has "
                f"{ray.available_resources().get('CPU', 0):g} CPUs free (ray status shows "
                "what holds them). Waiting.")
        described = self._described(ray, asked)
        self.pids = [d["pid"] for d in described]
        if self._started:  # the workers are there now: note them
            self._processes |= ray_processes.snapshot(self._processes)
        self.described = described
        first = described[0]
        return RemoteEncoder(spec.identity, first["dimension"], first["precision"],
                             first["max_tokens"], first["note"])

    def embed(self, docs: list[DocumentToEmbed], encoder: Any, settings: IndexSettings,
              progress: IndexProgress) -> Iterator[Embedded]:
        """Batches of passages (as the local engine makes them) sent to the workers, a few
        queued per worker; progress advances as any batch completes, and the results are
        yielded in order, for the driver to write."""
        ray = self.connect()
        batches = list(batching.batches(docs, batching.BATCH_PASSAGES))
        sizes = [sum(len(indices) for _, indices in batch) for batch in batches]
        limit = QUEUED_PER_WORKER * len(self._actors)
        refs: dict[int, Any] = {}  # batch number -> its result, submitted and not yielded
        done: set[int] = set()
        submitted = 0
        for wanted in range(len(batches)):
            while submitted < len(batches) and len(refs) < limit:
                actor = self._actors[submitted % len(self._actors)]
                refs[submitted] = actor.embed.remote(self.payload(docs, batches[submitted]),
                                                     self.documents == "shared", settings)
                submitted += 1
            while wanted not in done:  # report every completion, in whatever order
                waiting = [ref for n, ref in refs.items() if n not in done]
                ready, _ = self._wait(ray, waiting)
                for n, ref in list(refs.items()):
                    if ref in ready and n not in done:
                        done.add(n)
                        progress.advanced(sizes[n])
            result = self._get(ray, refs.pop(wanted))
            done.discard(wanted)
            if isinstance(result, tuple) and result and result[0] == "unreadable":
                raise cannot_read(*result[1:])
            for (number, indices), (contexts, spans, vectors) in zip(batches[wanted], result,
                                                                     strict=True):
                yield Embedded(number, indices, contexts, spans, vectors)

    # -- helpers -----------------------------------------------------------------------

    def _described(self, ray: Any, asked: list[Any]) -> list[dict[str, Any]]:
        """What each worker said once started; raised: why one could not start."""
        try:
            described = ray.get(asked)
        except Exception as error:  # noqa: BLE001 - e.g. the model cannot load there
            cause = getattr(error, "cause", None)
            if isinstance(cause, ParallaxError):
                raise cause from error
            raise RayUnavailable(f"the Ray workers could not start: {first_line(error)}",
                                 "Every node needs the same Python, Ray and Parallax as this "
                                 "machine (pip install 'parallax[ray]' on each); ray logs "
                                 "on the cluster tell more.") from error
        for said in described:
            if "failed" in said:
                message, hint, kind = said["failed"]
                self.stop_workers()
                raise ParallaxError(f"on the Ray worker on {said['node']}: {message}", hint,
                                    kind=Kind(kind))
        return described

    def payload(self, docs: list[DocumentToEmbed], batch: list[tuple[int, range]]) -> list[Any]:
        if self.documents == "shared":
            return [(str(docs[n].doc.path), docs[n].doc.content_hash,  # type: ignore[union-attr]
                     docs[n].doc.metadata, indices) for n, indices in batch]  # type: ignore[union-attr]
        return [(docs[n].doc.metadata, indices,  # type: ignore[union-attr]
                 [docs[n].doc.passages[i] for i in indices])  # type: ignore[union-attr]
                for n, indices in batch]

    def _start_actors(self, ray: Any, spec: EncoderSpec) -> list[Any]:
        cpus = ray.cluster_resources().get("CPU", 1)
        # Nodes that can run workers (a head started with --num-cpus=0 cannot).
        nodes = [n["Resources"].get("CPU", 0) for n in ray.nodes()
                 if n.get("Alive") and n["Resources"].get("CPU", 0) >= 1]
        if self.workers is None and nodes:  # one per node, each holding a node's CPUs
            count, each = len(nodes), int(min(nodes))
        else:
            count = self.workers or 1
            each = max(1, int(cpus) // count)
        if count * each > cpus:
            raise RayUnavailable(
                f"--workers {count} asks for {count} CPUs and the Ray cluster has {cpus:g}",
                f"Use --workers {max(1, int(cpus))} or fewer, or add nodes to the cluster.")
        remote = ray.remote(RayWorker).options(
            num_cpus=each, max_restarts=RETRIES, max_task_retries=RETRIES,
            scheduling_strategy="SPREAD")
        return [remote.remote(spec, each) for _ in range(count)]

    def stop_workers(self) -> None:
        """Stop the workers (they free their CPUs); the next run starts them again."""
        for actor in self._actors:
            try:
                self._ray.kill(actor, no_restart=True)
            except Exception:  # noqa: BLE001 - already gone
                pass
        self._actors, self._spec, self.pids = [], None, []

    def _wait(self, ray: Any, refs: list[Any]) -> list[Any]:
        try:
            return ray.wait(refs, num_returns=1)
        except Exception as error:  # noqa: BLE001
            raise worker_failure(ray, error, RETRIES) from error

    def _get(self, ray: Any, refs: Any) -> Any:
        try:
            return ray.get(refs)
        except Exception as error:  # noqa: BLE001
            raise worker_failure(ray, error, RETRIES) from error
