"""Shared fixtures: a fake deterministic encoder for unit tests, the real model once per
session for integration tests, and an index location that never touches the user's data."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SAMPLE = (SHARED / "corpus" / "china-us").resolve()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--run-slow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--run-slow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --run-slow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


class FakeEncoder:
    """Deterministic bag-of-words vectors: texts sharing words are close. Records every
    text it encodes so tests can count what was (re-)embedded."""

    name = "fake-encoder"
    max_tokens = 12

    class Crash(Exception):
        """What `crash_at` raises: the machine dying part way through a run."""

    def __init__(self, dimension: int = 64) -> None:
        self._dimension = dimension
        self.encoded: list[str] = []
        self._crash_at: int | None = None
        self._calls = 0

    def crash_at(self, call: int | None) -> None:
        """Make the `call`-th call of `encode` from now raise FakeEncoder.Crash, before it
        encodes anything (None: never)."""
        self._crash_at, self._calls = call, 0

    @property
    def dimension(self) -> int:
        return self._dimension

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        return [m.span() for m in re.finditer(r"\S+", text)]

    def encode(self, texts: Sequence[str], progress=None) -> np.ndarray:  # noqa: ANN001
        self._calls += 1
        if self._calls == self._crash_at:
            raise self.Crash
        self.encoded.extend(texts)
        out = np.zeros((len(texts), self._dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.md5(word.encode()).digest()
                out[row, digest[0] % self._dimension] += 1.0
        if progress:
            progress(len(texts))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1, norms)


@pytest.fixture
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture(autouse=True)
def _isolated_index(tmp_path_factory: pytest.TempPathFactory,
                    monkeypatch: pytest.MonkeyPatch) -> None:
    # No test may read or write the user's real index, nor the evaluation indexes cached
    # beside it.
    monkeypatch.setenv("PARALLAX_INDEX", str(tmp_path_factory.mktemp("default-index")))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture(scope="session")
def real_encoder():  # noqa: ANN201
    from embed import load_encoder

    return load_encoder()


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory, real_encoder) -> Path:  # noqa: ANN001
    """The sample corpus indexed once with the real model; tests must not modify it."""
    from parallax.indexing import build_index

    index_dir = tmp_path_factory.mktemp("sample-index")
    build_index([SAMPLE], index_dir, encoder_loader=lambda name: real_encoder)
    return index_dir
