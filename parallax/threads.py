"""One thread budget for the query path, chosen from the cores this process may run on.

A question is small work done by several libraries at once: numpy's BLAS (the question's
forward pass, re-scoring candidates), FAISS's OpenMP, torch when a model has no numpy path,
and the lexical half of a hybrid question on a thread of its own. Left to themselves each
library starts one thread per core and spins while it waits for work, so on two cores a
question ran four to six busy threads: its median went from about 20 ms to 80–110 ms as soon
as another process kept the cores busy, and one question in four took 0.3–0.8 s even on an
idle machine (issue 27). The matrices of one question are too small to gain from a second
thread, so every library gets one, and the lexical half runs beside the dense half only
when a second core is there for it: as many busy threads as cores, never more.

Tried and not kept: the question's forward pass on two BLAS threads when no other process
runs at that moment. On an idle 2-core EPYC it took a SciFact hybrid question from p50 26.9
to 24.0 ms (all of a question on two threads was slower: 35.5 against 29.9 ms), and beside
two spinning processes it cost nothing once the check saw them; but OpenBLAS's threaded
kernel sums in another order, so every question vector changed in its last bits (up to
9e-8), and the same question would score differently with the machine's load, and the CLI
differently from the server. Answers that do not depend on the moment come first.

Indexing is not the query path: the model there has the cores to itself
(embed.openvino_bert's throughput streams, torch's own threads) and nothing here limits it.
"""

from __future__ import annotations

import os
import sys
import threading
from dataclasses import dataclass

from indexes import set_lexical_thread

# PARALLAX_QUERY_THREADS=N overrides the number of cores the budget is made for (a
# container whose CPU quota is smaller than the cores it sees, a benchmark).
ENV_VAR = "PARALLAX_QUERY_THREADS"


@dataclass(frozen=True)
class QueryThreads:
    """How many threads each part of a question may use."""

    cores: int  # the cores this process may run on
    blas: int = 1  # numpy's BLAS (OpenBLAS, MKL): the question's forward pass, re-scoring
    openmp: int = 1  # FAISS (and any other OpenMP library loaded)
    torch: int = 1  # the query encoder of a model without a numpy path

    @property
    def lexical_beside(self) -> bool:
        """The lexical half of a hybrid question on its own thread (one per core in use)."""
        return self.cores >= 2

    def describe(self) -> str:
        beside = "beside the dense half" if self.lexical_beside else "after the dense half"
        return (f"{self.cores} core(s): BLAS {self.blas}, OpenMP {self.openmp}, "
                f"torch {self.torch} thread(s); lexical search {beside}")


def available_cores() -> int:
    """Cores this process may run on (`affinity_cores`), or the PARALLAX_QUERY_THREADS
    override."""
    value = os.environ.get(ENV_VAR, "").strip()
    if value.isdigit() and int(value) > 0:
        return int(value)
    return affinity_cores()


def affinity_cores() -> int:
    """Cores this process may run on: its affinity (which a container or `taskset`
    narrows), not the machine's count."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # not on macOS or Windows
        return max(1, os.cpu_count() or 1)


def query_budget() -> QueryThreads:
    return QueryThreads(cores=available_cores())


_applied: QueryThreads | None = None
_local = threading.local()  # which threads have their OpenMP limit set


def apply_query_budget(budget: QueryThreads | None = None) -> QueryThreads:
    """Set the budget for this process (BLAS, torch, the lexical thread: process-wide) and
    for the calling thread (OpenMP keeps its thread count per thread). Cheap to call again:
    a long-lived server calls `enter_query_thread` in each thread that answers."""
    global _applied
    budget = budget or query_budget()
    if budget != _applied:
        _limit_blas(budget.blas)
        torch = sys.modules.get("torch")  # never imported for this: it costs seconds
        if torch is not None:
            torch.set_num_threads(budget.torch)
        set_lexical_thread(budget.lexical_beside)
        _applied = budget
        _local.openmp = None
    enter_query_thread()
    return budget


def enter_query_thread() -> None:
    """Limit OpenMP in the calling thread to the budget (once per thread): OpenMP reads its
    thread count from the thread that starts a parallel region, and a server answers from
    a pool of threads that the process-wide settings do not reach."""
    if _applied is None or getattr(_local, "openmp", None) == _applied.openmp:
        return
    import faiss

    faiss.omp_set_num_threads(_applied.openmp)
    _local.openmp = _applied.openmp


def _limit_blas(threads: int) -> None:
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # without it BLAS keeps its own default; answers are the same
        return
    # Process-wide for OpenBLAS and MKL (their settings are global), and for the OpenMP
    # runtimes loaded so far in this thread; the returned object is not used to undo it.
    threadpool_limits(limits=threads, user_api="blas")

