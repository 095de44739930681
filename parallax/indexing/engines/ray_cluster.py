"""Reaching a Ray cluster (with the `ray` module the engine imported: Ray is imported only in
engines/ray.py), and what the Ray engine reports when Ray is missing, a cluster cannot be
reached, a worker fails or cannot read a document."""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

from corpus.errors import Kind, ParallaxError

INSTALL_HINT = "Install the Ray extra: pip install 'parallax[ray]'"


class RayUnavailable(ParallaxError):
    """Ray is not installed, or the cluster cannot be reached or cannot run the workers."""

    kind = Kind.unavailable


class WorkerCannotRead(ParallaxError):
    """A worker could not read a document by its path (documents="shared")."""

    kind = Kind.io


def first_line(error: BaseException) -> str:
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


def connect(ray: Any, address: str, timeout: float, options: dict[str, Any]) -> None:
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
                             f"{first_line(box['error'])}", hint)


def worker_failure(ray: Any, error: Exception, retries: int) -> ParallaxError:
    """What to tell of a batch that failed on a worker (after Ray's `retries`)."""
    if isinstance(error, ParallaxError):
        return error
    cause = getattr(error, "cause", None)
    if isinstance(cause, ParallaxError):  # e.g. the model cannot load on a worker
        return cause
    if isinstance(error, ray.exceptions.RayActorError):
        return RayUnavailable(f"a Ray worker died {retries + 1} times running the same "
                              "batch; the parts published so far are kept "
                              f"({first_line(error)})",
                              "Check the workers' memory and logs (ray status, ray logs), "
                              "then run the same command again: it resumes.")
    return RayUnavailable(f"a Ray worker failed: {first_line(error)}",
                          "The parts published so far are kept; run the same command "
                          "again to resume.")


def cannot_read(path: str, reason: str, node: str) -> WorkerCannotRead:
    """A worker cannot read a document by its path (documents="shared")."""
    return WorkerCannotRead(
        f"a Ray worker on {node} cannot read {path}: {reason}",
        "With PARALLAX_RAY_DOCUMENTS=shared every worker must see the documents at the same "
        "path (a shared file system mounted alike on every node); or leave it unset, and "
        "the driver ships the documents' text to the workers.")
