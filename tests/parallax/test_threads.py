"""The query path's thread budget: one thread per library, as many busy threads as cores."""

import threading
from pathlib import Path

import pytest
from threadpoolctl import threadpool_info

from indexes import Mode
from parallax import threads
from parallax.indexing import build_index
from parallax.search.ask import ask
from parallax.service import Service
from parallax.session import Session


@pytest.fixture(autouse=True)
def _restore_budget():  # noqa: ANN202
    yield
    threads.apply_query_budget(threads.query_budget())


def _blas_threads() -> set[int]:
    return {pool["num_threads"] for pool in threadpool_info() if pool["user_api"] == "blas"}


def test_the_budget_is_made_for_the_cores_this_process_may_use(monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.delenv(threads.ENV_VAR, raising=False)
    import os

    assert threads.query_budget().cores == len(os.sched_getaffinity(0))
    monkeypatch.setenv(threads.ENV_VAR, "1")
    assert threads.query_budget() == threads.QueryThreads(cores=1)
    assert not threads.QueryThreads(cores=1).lexical_beside
    assert threads.QueryThreads(cores=2).lexical_beside


def test_opening_a_session_gives_blas_and_openmp_one_thread(tmp_path: Path,
                                                            fake_encoder) -> None:  # noqa: ANN001
    import faiss

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Pandas are envoys of friendship.\n", encoding="utf-8")
    build_index([docs], tmp_path / "index", encoder_loader=lambda name: fake_encoder)
    with Session(tmp_path / "index", encoder_loader=lambda name: fake_encoder):
        assert _blas_threads() == {1}
        assert faiss.omp_get_max_threads() == 1


def test_each_thread_of_a_server_gets_the_openmp_limit(tmp_path: Path,
                                                       fake_encoder) -> None:  # noqa: ANN001
    import faiss

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text("Pandas are envoys of friendship.\n", encoding="utf-8")
    build_index([docs], tmp_path / "index", encoder_loader=lambda name: fake_encoder)
    service = Service(tmp_path / "index", Session(tmp_path / "index",
                                                  encoder_loader=lambda name: fake_encoder))
    seen: list[int] = []

    def answer() -> None:  # a fresh thread starts with OpenMP's default, every core
        service.ask("pandas", 3, Mode.dense)
        seen.append(faiss.omp_get_max_threads())

    worker = threading.Thread(target=answer)
    worker.start()
    worker.join()
    service.close()
    assert seen == [1]


def test_answers_are_the_same_with_the_lexical_half_beside_or_after(sample_index: Path,
                                                                    real_encoder) -> None:  # noqa: ANN001
    questions = ["What did China say about Taiwan?", "climate change cooperation",
                 "human rights dialogue in 2005"]
    with Session(sample_index, encoder_loader=lambda name: real_encoder) as session:
        answers = {}
        for cores in (1, 2):
            threads.apply_query_budget(threads.QueryThreads(cores=cores))
            answers[cores] = [[(r.passage.id, r.score) for r in ask(session, q, 8).results]
                              for q in questions]
    assert answers[1] == answers[2]
