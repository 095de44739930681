"""`parallax index --engine ray`: the passages to embed are computed and embedded on a Ray
cluster's workers; the driver (this process) reads and plans as the local engine does, and
writes and publishes every part itself, in order, exactly as the local engine does
(parallax/indexing.py `_write`), so an index is the same whichever engine built it.

Each worker is a Ray actor that loads the model once and embeds one batch of passages per
call, with the same `_passage_units` and `_encode_pooled` code as the local engine. A batch
whose worker dies is run again by Ray (the actor restarts, `max_restarts`, and the call is
retried, `max_task_retries`). Documents reach the workers in one of two ways
(`documents=`, or PARALLAX_RAY_DOCUMENTS):
- "ship" (default): the driver, which has parsed every document to plan, sends the batch's
  passages in the call. No shared storage is needed; see docs/ray.md for the measurement.
- "shared": the driver sends paths; each worker reads and parses the file itself, checks its
  sha256 against the driver's, and says clearly when it cannot read it (the documents must be
  on a file system every node mounts at the same path).

Ray is an optional extra (`pip install 'parallax[ray]'`) and is imported only here: the local
engine never imports it.
"""

from __future__ import annotations

import hashlib
import logging
import os
import resource
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from corpus.errors import Kind, ParallaxError
from corpus.types import Metadata, Passage
from parallax import indexing
from parallax.indexing import (
    Embedded,
    EncoderLoader,
    IndexProgress,
    _Embed,
    _encode_pooled,
    _encode_separately,
    _Job,
    _passage_units,
    _Share,
)
from parallax.settings import IndexSettings

INSTALL_HINT = "Install the Ray extra: pip install 'parallax[ray]'"
DOCUMENT_MODES = ("ship", "shared")
# Seconds to wait for a cluster named by --address before giving up.
CONNECT_TIMEOUT = float(os.environ.get("PARALLAX_RAY_CONNECT_TIMEOUT", "8"))
# Times a worker may die and be restarted (each time its batch is run again) in one run.
RETRIES = 3
# Seconds after which workers that have not started (loaded the model) are reported.
STARTING = 60.0
# Batches queued per worker: one running, one waiting, so no worker idles between calls.
QUEUED_PER_WORKER = 2


class RayUnavailable(ParallaxError):
    """Ray is not installed, or the cluster cannot be reached or cannot run the workers."""

    kind = Kind.unavailable


class WorkerCannotRead(ParallaxError):
    """A worker could not read a document by its path (documents="shared")."""

    kind = Kind.io


def import_ray() -> Any:
    try:
        import ray
    except ImportError as error:
        raise RayUnavailable(f"--engine ray needs Ray, which is not installed ({error})",
                             INSTALL_HINT) from None
    return ray


@dataclass(frozen=True)
class _RemoteEncoder:
    """What the driver knows of the workers' encoder: enough to write a manifest."""

    name: str
    dimension: int
    precision: str | None
    max_tokens: int


class RayEngine:
    """An EmbeddingEngine (parallax.indexing) running on Ray. Use it as a context manager:
    leaving it stops the workers, and the local Ray instance if it started one.

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
        self._actors: list[Any] = []
        self._key: tuple[Any, ...] | None = None
        self.pids: list[int] = []  # of the workers as first started (tests kill one)
        self.described: list[dict[str, Any]] = []  # what each worker said when it started

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
            ray.init(num_cpus=self.num_cpus, include_dashboard=False, **quiet)
            self._started = True
        else:
            _connect(ray, self.address, self.connect_timeout, quiet)
        self._ray = ray
        return ray

    def close(self) -> None:
        ray = self._ray
        if ray is None:
            return
        self.stop_workers()
        if self._started:
            ray.shutdown()
            self._started = False
        self._ray = None

    # -- the EmbeddingEngine interface -------------------------------------------------

    def load(self, job: _Job) -> _RemoteEncoder:
        """Start the workers (each loads the model once) and describe their encoder."""
        job.progress.loading_model(job.identity)
        ray = self.connect()
        key = (job.identity, job.precision, job.encoder_loader, job.settings)
        if self._key != key:
            self.stop_workers()
            self._actors = self._start_actors(ray, job.identity, job.precision,
                                              job.encoder_loader, job.settings)
            self._key = key
        asked = [a.describe.remote() for a in self._actors]
        ready, _ = ray.wait(asked, num_returns=len(asked), timeout=STARTING)
        if len(ready) < len(asked):  # e.g. other jobs hold the CPUs: say why it waits
            job.progress.warning(
                f"{len(asked) - len(ready)} of {len(asked)} Ray workers have not started "
                f"after {STARTING:g} s; the cluster has "
                f"{ray.available_resources().get('CPU', 0):g} CPUs free (ray status shows "
                "what holds them). Waiting.")
        try:
            described = ray.get(asked)
        except Exception as error:  # noqa: BLE001 - e.g. the model cannot load there
            cause = getattr(error, "cause", None)
            if isinstance(cause, ParallaxError):
                raise cause from error
            raise RayUnavailable(f"the Ray workers could not start: {_first_line(error)}",
                                 "Every node needs the same Python, Ray and Parallax as this "
                                 "machine (pip install 'parallax[ray]' on each); ray logs "
                                 "on the cluster tell more.") from error
        for said in described:
            if "failed" in said:
                message, hint, kind = said["failed"]
                self.stop_workers()
                raise ParallaxError(f"on the Ray worker on {said['node']}: {message}", hint,
                                    kind=Kind(kind))
        self.pids = [d["pid"] for d in described]
        self.described = described
        first = described[0]
        job.report.precision = first["precision"]
        if first["note"]:
            job.progress.warning(f"{job.identity}: {first['note']}")
        return _RemoteEncoder(job.identity, first["dimension"], first["precision"],
                              first["max_tokens"])

    def embed(self, docs: list[_Embed], encoder: Any, settings: IndexSettings,
              progress: IndexProgress) -> Iterator[Embedded]:
        """Batches of passages (as the local engine makes them) sent to the workers, a few
        queued per worker; progress advances as any batch completes, and the results are
        yielded in order, for the driver to write."""
        ray = self.connect()
        batches = list(indexing._batches(docs, indexing.BATCH_PASSAGES))
        sizes = [sum(len(indices) for _, indices in batch) for batch in batches]
        limit = QUEUED_PER_WORKER * len(self._actors)
        refs: dict[int, Any] = {}  # batch number -> its result, submitted and not yielded
        done: set[int] = set()
        submitted = 0
        for wanted in range(len(batches)):
            while submitted < len(batches) and len(refs) < limit:
                actor = self._actors[submitted % len(self._actors)]
                refs[submitted] = actor.embed.remote(self._payload(docs, batches[submitted]),
                                                     self.documents == "shared")
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
                _, path, reason, node = result
                raise WorkerCannotRead(
                    f"a Ray worker on {node} cannot read {path}: {reason}",
                    "With PARALLAX_RAY_DOCUMENTS=shared every worker must see the documents "
                    "at the same path (a shared file system mounted alike on every node); "
                    "or leave it unset, and the driver ships the documents' text to the "
                    "workers.")
            for (number, indices), (contexts, spans, vectors) in zip(batches[wanted], result,
                                                                     strict=True):
                yield Embedded(number, indices, contexts, spans, vectors)

    # -- helpers -----------------------------------------------------------------------

    def _payload(self, docs: list[_Embed], batch: list[tuple[int, range]]) -> list[Any]:
        if self.documents == "shared":
            return [(str(docs[n].doc.path), docs[n].doc.content_hash, docs[n].doc.metadata,
                     indices) for n, indices in batch]
        return [(docs[n].doc.metadata, indices, [docs[n].doc.passages[i] for i in indices])
                for n, indices in batch]

    def _start_actors(self, ray: Any, identity: str, precision: str,
                      loader: EncoderLoader | None, settings: IndexSettings) -> list[Any]:
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
        remote = ray.remote(_Worker).options(
            num_cpus=each, max_restarts=RETRIES, max_task_retries=RETRIES,
            scheduling_strategy="SPREAD")
        return [remote.remote(identity, precision, loader, settings, each)
                for _ in range(count)]

    def stop_workers(self) -> None:
        """Stop the workers (they free their CPUs); the next run starts them again."""
        for actor in self._actors:
            try:
                self._ray.kill(actor, no_restart=True)
            except Exception:  # noqa: BLE001 - already gone
                pass
        self._actors, self._key, self.pids = [], None, []

    def _wait(self, ray: Any, refs: list[Any]) -> list[Any]:
        try:
            return ray.wait(refs, num_returns=1)
        except Exception as error:  # noqa: BLE001
            raise self._failure(ray, error) from error

    def _get(self, ray: Any, refs: Any) -> Any:
        try:
            return ray.get(refs)
        except Exception as error:  # noqa: BLE001
            raise self._failure(ray, error) from error

    def _failure(self, ray: Any, error: Exception) -> ParallaxError:
        if isinstance(error, ParallaxError):
            return error
        cause = getattr(error, "cause", None)
        if isinstance(cause, ParallaxError):  # e.g. the model cannot load on a worker
            return cause
        if isinstance(error, ray.exceptions.RayActorError):
            return RayUnavailable(f"a Ray worker died {RETRIES + 1} times running the same "
                                  "batch; the parts published so far are kept "
                                  f"({_first_line(error)})",
                                  "Check the workers' memory and logs (ray status, ray logs), "
                                  "then run the same command again: it resumes.")
        return RayUnavailable(f"a Ray worker failed: {_first_line(error)}",
                              "The parts published so far are kept; run the same command "
                              "again to resume.")


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__


def _host_port(address: str) -> tuple[str, int] | None:
    """Where to knock before asking Ray to connect: None for "auto"."""
    if address == "auto":
        return None
    bare = address.removeprefix("ray://")
    default = 10001 if address.startswith("ray://") else 6379
    host, _, port = bare.rpartition(":") if ":" in bare else (bare, "", str(default))
    try:
        return host.strip("[]"), int(port)
    except ValueError:
        raise ParallaxError(f"not a Ray address: {address!r}",
                            "Give HOST:PORT of the head node (its GCS port, 6379 by default), "
                            "ray://HOST:10001 for Ray Client, or auto.", kind=Kind.usage) from None


def _connect(ray: Any, address: str, timeout: float, options: dict[str, Any]) -> None:
    """ray.init(address) that fails within `timeout` seconds: first a plain TCP connection
    (refused or unroutable fails at once), then ray.init in a thread, because Ray itself
    retries for half a minute or more."""
    where = _host_port(address)
    hint = ("Check the address of the head node (ray status on it prints it), that its ports "
            "are reachable from here, and that this machine runs the same Ray and Python "
            "versions; a cluster with token authentication (the default of ray start) also "
            "needs RAY_AUTH_MODE=token and its token here (RAY_AUTH_TOKEN, or "
            "~/.ray/auth_token). Or omit --address to start Ray on this machine.")
    began = time.monotonic()
    if where is not None:
        try:
            socket.create_connection(where, timeout=min(timeout, 3.0)).close()
        except OSError as error:
            raise RayUnavailable(f"no Ray cluster at {address}: {error.strerror or error}",
                                 hint) from None
    box: dict[str, BaseException] = {}

    def init() -> None:
        try:
            ray.init(address=address, **options)
        except BaseException as error:  # noqa: BLE001 - reported below
            box["error"] = error

    thread = threading.Thread(target=init, name="ray-connect", daemon=True)
    thread.start()
    thread.join(max(0.5, timeout - (time.monotonic() - began)))
    if thread.is_alive():
        raise RayUnavailable(f"no Ray cluster answered at {address} within {timeout:g} s",
                             hint)
    if "error" in box:
        raise RayUnavailable(f"could not connect to the Ray cluster at {address}: "
                             f"{_first_line(box['error'])}", hint)


class _Slim:
    """The parts of a ParsedDocument that `_passage_units` reads, for the passages sent."""

    def __init__(self, metadata: Metadata, passages: dict[int, Passage]) -> None:
        self.metadata, self.passages = metadata, passages


class _Worker:
    """A Ray actor: the model loaded once; one call per batch of passages."""

    def __init__(self, identity: str, precision: str, loader: EncoderLoader | None,
                 settings: IndexSettings, threads: int) -> None:
        from embed import load_encoder

        self.failed: tuple[str, str | None, str] | None = None  # a ParallaxError, told later
        try:
            if loader is not None:
                self.encoder = loader(identity)
            elif precision == "auto":
                self.encoder = load_encoder(identity)
            else:
                self.encoder = load_encoder(identity,
                                            precision=precision)  # type: ignore[call-arg]
        except ParallaxError as error:  # e.g. the model is not on this node
            self.failed = (error.message, error.hint, error.kind.value)
            return
        try:  # Ray sets OMP_NUM_THREADS; torch may have read the machine's count already
            import torch

            torch.set_num_threads(threads)
        except ImportError:
            pass
        self.settings = settings
        self.parsed: tuple[str, Any] | None = None  # the last file read (shared mode)

    def describe(self) -> dict[str, Any]:
        if self.failed is not None:
            return {"failed": self.failed, "node": socket.gethostname()}
        return {"pid": os.getpid(), "dimension": self.encoder.dimension,
                "precision": getattr(self.encoder, "precision", None),
                "note": getattr(self.encoder, "pooling_note", None),
                "max_tokens": getattr(self.encoder, "max_tokens", 0),
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}

    def embed(self, pieces: list[Any], shared: bool) -> Any:
        from embed.encoder import PoolingEncoder

        docs: list[tuple[_Slim, range]] = []
        for piece in pieces:
            if shared:
                path, content_hash, metadata, indices = piece
                passages = self._read(path, content_hash)
                if isinstance(passages, tuple):
                    return passages  # ("unreadable", …)
                docs.append((_Slim(metadata, {i: passages[i] for i in indices}), indices))
            else:
                metadata, indices, passages = piece
                docs.append((_Slim(metadata, dict(zip(indices, passages, strict=True))),
                             indices))
        units = [[_passage_units(slim, i, self.encoder, self.settings)  # type: ignore[arg-type]
                  for i in indices] for slim, indices in docs]
        flat = [unit for doc_units in units for unit in doc_units]
        advance = _Share(IndexProgress(), len(flat))
        pooled = (self.settings.sentence_vectors == "pooled"
                  and isinstance(self.encoder, PoolingEncoder))
        vectors = (_encode_pooled(flat, self.encoder, advance) if pooled  # type: ignore[arg-type]
                   else _encode_separately(flat, self.encoder, advance))
        out, offset = [], 0
        for doc_units in units:
            count = sum(len(unit.spans) for unit in doc_units)
            out.append(([u.context for u in doc_units], [u.spans for u in doc_units],
                        np.ascontiguousarray(vectors[offset:offset + count])))
            offset += count
        return out

    def _read(self, path: str, content_hash: str) -> Any:
        import corpus
        from corpus.errors import UnreadableDocument
        from corpus.reading import read_bytes

        if self.parsed is not None and self.parsed[0] == path:
            return self.parsed[1]
        node = socket.gethostname()
        try:
            raw = read_bytes(Path(path))
        except (OSError, UnreadableDocument) as error:
            reason = getattr(error, "reason", None) or getattr(error, "strerror", None) \
                or str(error)
            return ("unreadable", path, reason, node)
        if hashlib.sha256(raw).hexdigest() != content_hash:
            return ("unreadable", path, "the file there differs from the driver's (other "
                    "content at the same path, or it changed during the run)", node)
        try:
            passages = corpus.load_document(Path(path), None, raw=raw).passages
        except UnreadableDocument as error:
            return ("unreadable", path, error.reason, node)
        self.parsed = (path, passages)
        return passages
