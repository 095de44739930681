"""Files a user did not mean to index, or that are damaged, never hang, crash or vanish silently.

Only regular files are read: a FIFO would block forever and a device never ends. Dangling
links, link loops, FIFOs, devices and sockets are each named with the reason they are skipped.
A UTF-8 file with a few bad bytes is read with U+FFFD in their place and a warning, not lost.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from corpus import UnreadableDocument, discover, load_document
from corpus.reading import read_bytes

needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
STATEMENT = ("Joint Statement\n\n"
             "Both sides reaffirmed the “one China” policy and agreed to résumé talks.\n\n"
             "They will meet again in Beijing next spring.\n")


def finishes_within(seconds: float, call: Callable[[], Any]) -> Any:
    """`call()`'s result or exception; fails (instead of hanging the suite) if it blocks."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["result"] = call()
        except BaseException as error:  # noqa: BLE001 - handed to the test
            outcome["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still blocked after {seconds} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def unblock(fifo: Path) -> None:
    """Open the FIFO's writing end without blocking, so a reader stuck on it is released."""
    try:
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        pass


# Invalid UTF-8 (item 13) -----------------------------------------------------------------------

def test_one_invalid_byte_in_a_utf8_file_is_replaced_and_the_rest_indexed(tmp_path: Path) -> None:
    path = tmp_path / "statement.txt"
    raw = STATEMENT.encode("utf-8")
    at = raw.index(b"They")
    path.write_bytes(raw[:at] + b"\xff" + raw[at:])
    doc = load_document(path)
    assert doc.encoding == "utf-8"
    assert "“one China”" in doc.text and "résumé" in doc.text  # not read as a code page
    assert "\ufffdThey will meet again" in doc.text
    assert doc.passages[-1].text == "\ufffdThey will meet again in Beijing next spring."
    [warning] = doc.warnings
    assert warning.startswith(f"{path}: 1 byte that is not valid UTF-8 replaced by U+FFFD")
    assert "line 5" in warning


def test_an_invalid_byte_in_text_no_encoding_explains_is_replaced_not_the_file_lost(
    tmp_path: Path,
) -> None:
    path = tmp_path / "cities.txt"
    path.write_bytes(("北京 上海 广州 深圳。" * 20).encode("utf-8") + b"\xff\xfe\n")
    doc = load_document(path)
    assert doc.encoding == "utf-8" and doc.text.startswith("北京 上海")
    assert doc.text.endswith("\ufffd\ufffd\n")  # one U+FFFD per damaged byte
    [warning] = doc.warnings
    assert warning.startswith(f"{path}: 2 bytes that are not valid UTF-8 replaced by U+FFFD")


def test_a_clean_file_has_no_warnings(tmp_path: Path) -> None:
    path = tmp_path / "clean.txt"
    path.write_text(STATEMENT, encoding="utf-8")
    assert load_document(path).warnings == ()


def test_latin1_text_is_still_read_as_latin1_not_as_damaged_utf8(tmp_path: Path) -> None:
    path = tmp_path / "old.txt"
    path.write_bytes(("Les élèves étudient à Paris. Ça va très bien. " * 10).encode("latin-1"))
    doc = load_document(path)
    assert doc.text.startswith("Les élèves étudient") and doc.warnings == ()


def test_text_that_is_mostly_invalid_bytes_is_still_undecodable(tmp_path: Path) -> None:
    path = tmp_path / "noise.txt"
    path.write_bytes(bytes(range(0x80, 0x100)) * 8)
    with pytest.raises(UnreadableDocument):
        load_document(path)


# Only regular files are read (item 10) ---------------------------------------------------------

@needs_fifo
def test_reading_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.txt"
    os.mkfifo(fifo)
    try:
        with pytest.raises(UnreadableDocument, match="named pipe") as caught:
            finishes_within(10, lambda: read_bytes(fifo))
    finally:
        unblock(fifo)
    assert caught.value.path == fifo and str(fifo) in str(caught.value)


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero")
def test_a_device_is_refused_before_it_is_read() -> None:
    with pytest.raises(UnreadableDocument, match="device"):
        finishes_within(10, lambda: read_bytes(Path("/dev/zero")))


def test_a_link_loop_and_a_dangling_link_are_unreadable_documents(tmp_path: Path) -> None:
    loop, dangling = tmp_path / "loop.txt", tmp_path / "dangling.txt"
    os.symlink(loop.name, loop)
    os.symlink("gone.txt", dangling)
    with pytest.raises(UnreadableDocument, match="symbolic link loop"):
        load_document(loop)
    with pytest.raises(UnreadableDocument, match=r"dangling symbolic link \(its target gone.txt"):
        load_document(dangling)


def test_a_size_cap_refuses_a_larger_file(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text("word " * 1000, encoding="utf-8")
    with pytest.raises(UnreadableDocument, match="too large"):
        read_bytes(path, max_bytes=1000)
    assert read_bytes(path, max_bytes=5000) == path.read_bytes()


@needs_fifo
def test_discover_names_every_file_it_cannot_read_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "ok.txt").write_text("Text.", encoding="utf-8")
    os.mkfifo(tmp_path / "pipe.txt")
    os.symlink("loop.txt", tmp_path / "loop.txt")
    os.symlink("gone.md", tmp_path / "dangling.md")
    os.mkfifo(tmp_path / "pipe-without-suffix")  # unsupported names stay ignored, as always
    sock = tmp_path / "s.txt"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(sock))
    except OSError:
        sock = None  # path too long for a socket on this system: the rest still holds
    try:
        for named in ([tmp_path], sorted(p for p in tmp_path.iterdir() if p.suffix)):
            files, skipped = finishes_within(10, lambda named=named: discover(named))
            assert files == [tmp_path / "ok.txt"]
            reasons = {s.path.name: s.reason for s in skipped}
            assert "named pipe (FIFO)" in reasons.pop("pipe.txt")
            assert "symbolic link loop" in reasons.pop("loop.txt")
            assert "dangling symbolic link" in reasons.pop("dangling.md")
            if sock is not None:
                assert "socket" in reasons.pop("s.txt")
            assert reasons == {}
    finally:
        server.close()
