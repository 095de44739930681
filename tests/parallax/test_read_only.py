"""An index in a folder nobody may write: queries work, `index` says why it cannot."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest


def _set_read_only(folder: Path, read_only: bool) -> bool:
    """Make a folder read-only even for root (the immutable attribute; root ignores file
    modes), or writable again; False when this file system cannot."""
    if os.geteuid() != 0:
        folder.chmod(0o555 if read_only else 0o755)
        return True
    flag = "+i" if read_only else "-i"
    done = subprocess.run(["chattr", flag, str(folder)], capture_output=True)
    return done.returncode == 0


@pytest.fixture
def read_only_index(sample_index: Path, tmp_path: Path) -> Iterator[Path]:
    index = tmp_path / "index"
    shutil.copytree(sample_index, index)
    folders = [index, *(p for p in index.iterdir() if p.is_dir())]
    if not all(_set_read_only(folder, True) for folder in folders):
        for folder in folders:
            _set_read_only(folder, False)
        pytest.skip("this file system cannot make a folder read-only for root (chattr +i)")
    try:
        yield index
    finally:
        for folder in folders:
            _set_read_only(folder, False)


def _parallax(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parallax", *args], capture_output=True,
                          text=True, timeout=300)


def test_queries_work_and_index_explains_a_read_only_folder(read_only_index: Path,
                                                            tmp_path: Path) -> None:
    with pytest.raises(OSError):
        (read_only_index / "probe").write_text("")
    for args in (["ask", "Taiwan", "--mode", "lexical"], ["ask", "Taiwan"], ["sources"],
                 ["check"]):
        result = _parallax(*args, "--index", str(read_only_index))
        assert result.returncode == 0, result.stderr
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "new.txt").write_text("Pandas are envoys of friendship.\n", encoding="utf-8")
    for extra in ([], ["--rebuild"]):
        result = _parallax("index", str(docs), "--index", str(read_only_index), *extra)
        assert result.returncode == 1, result.stderr
        assert f"Error: the index folder {read_only_index} is read-only" in result.stderr
        assert "Loading model" not in result.stderr  # said before any work
        assert "Traceback" not in result.stderr
