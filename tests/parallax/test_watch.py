"""`parallax watch`: real files, real inotify notifications, the fake encoder (what is tested
is the watcher's logic: debouncing, editors' saves, moves, one writer, fallbacks)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from indexes.reader import indexed_paths
from indexes.storage import layout
from parallax.indexing import build_index
from parallax.watching import WatcherRunning, after_watcher, read_watcher
from parallax.watching.changes import Change, Pending, relevant
from parallax.watching.notifications import file_system_of, mount_types, network_reason
from parallax.watching.presence import Presence
from tests.parallax.watch_helpers import contents, settle, wait_for, watching

SAMPLE = (Path(__file__).resolve().parents[3] / "shared" / "corpus" / "china-us").resolve()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "corpus"
    shutil.copytree(SAMPLE, folder)
    return folder


@pytest.fixture
def index_dir(tmp_path: Path, corpus: Path, fake_encoder) -> Path:  # noqa: ANN001
    target = tmp_path / "index"
    build_index([corpus], target, encoder_loader=lambda name: fake_encoder)
    return target


def note(folder: Path, name: str, words: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"A note\n\n{words}\n", encoding="utf-8")
    return path


def test_a_saved_file_reaches_the_index_and_is_said_in_one_line(corpus, index_dir,
                                                                fake_encoder) -> None:
    with watching(index_dir, None, fake_encoder, quiet=0.3) as (watcher, recorder):
        assert recorder.runs[0].trigger == ["catching up with changes made while not watching"]
        assert not recorder.runs[0].changed  # nothing changed while nobody watched
        new = note(corpus, "pandas.txt", "Two giant pandas were lent to the zoo.")
        run = wait_for(lambda: next((r for r in recorder.runs if str(new) in r.added), None),
                       "a run adding the new file")
    assert str(new) in indexed_paths(index_dir)
    assert run.generation == layout.current_name(index_dir)
    assert contents(index_dir)[str(new)][1] == ["Two giant pandas were lent to the zoo."]


def test_a_lone_save_does_not_wait_for_the_quiet_that_ends_a_burst(corpus, index_dir,
                                                                   fake_encoder) -> None:
    # A --quiet longer than the test's patience: only the lone save's short settle
    # (changes.SETTLE_SECONDS) lets the run come in time.
    with watching(index_dir, None, fake_encoder, quiet=600.0, max_wait=1200.0) as (
            watcher, recorder):
        new = note(corpus, "lone.txt", "A single save of a single file.")
        run = wait_for(lambda: next((r for r in recorder.runs if str(new) in r.added), None),
                       "the lone save indexed", patience=300)
        record = read_watcher(index_dir)
    assert run.waited is not None and run.waited < watcher.options.quiet
    assert record["last_run"]["waited"] == round(run.waited, 3)  # what /api/status shows
    assert record["last_run"]["cpu_seconds"] > 0


def test_a_burst_of_copied_files_is_one_run_or_few_and_equals_a_fresh_build(
        corpus, index_dir, fake_encoder, tmp_path) -> None:  # noqa: ANN001
    staging = tmp_path / "staging"
    for i in range(300):
        note(staging / f"part{i // 100}", f"copied{i:03d}.txt", f"Copied note number w{i}.")
    with watching(index_dir, None, fake_encoder, quiet=1.0) as (watcher, recorder):
        before = len(recorder.runs)
        shutil.copytree(staging, corpus / "copied")
        wait_for(lambda: len(indexed_paths(index_dir)) == 305, "all 300 copies indexed")
        settle(recorder)
        burst_runs = recorder.runs[before:]
    assert 1 <= len(burst_runs) <= 3, [r.as_dict() for r in burst_runs]
    fresh = tmp_path / "fresh"
    build_index([corpus], fresh, encoder_loader=lambda name: fake_encoder)
    assert contents(index_dir) == contents(fresh)


def test_an_editors_rename_over_save_updates_the_document_and_no_scratch_file_enters(
        corpus, index_dir, fake_encoder) -> None:  # noqa: ANN001
    document = note(corpus, "draft.md", "The first version.")
    with watching(index_dir, None, fake_encoder, quiet=0.3) as (watcher, recorder):
        wait_for(lambda: str(document) in indexed_paths(index_dir), "the draft indexed")
        # vim: a backup file, the probe 4913, the new text in place of the old by rename.
        shutil.copy(document, corpus / "draft.md~")
        (corpus / "4913").write_text("")
        (corpus / "4913").unlink()
        (corpus / ".draft.md.swp").write_bytes(b"\0swap")
        scratch = corpus / ".draft.md.tmp-1234"
        scratch.write_text("A note\n\nThe second version.\n", encoding="utf-8")
        os.replace(scratch, document)
        (corpus / "#draft.md#").write_text("emacs autosave")
        wait_for(lambda: contents(index_dir)[str(document)][1] == ["The second version."],
                 "the saved text in the index")
        settle(recorder)
    assert indexed_paths(index_dir) == {*(str(p) for p in SAMPLE_FILES(corpus)), str(document)}
    assert not [r for r in recorder.runs if r.added and str(document) not in r.added
                and r.number > 1]


def SAMPLE_FILES(corpus: Path) -> list[Path]:  # noqa: N802 - reads as a constant
    return sorted(p for p in corpus.glob("*.txt"))


def test_deleted_files_and_moved_or_deleted_folders_leave_the_index(corpus, index_dir,
                                                                    fake_encoder) -> None:
    with watching(index_dir, None, fake_encoder, quiet=0.3) as (watcher, recorder):
        kept = note(corpus / "reports" / "2024", "a.txt", "A report on trade.")
        gone = note(corpus / "reports" / "2024", "b.txt", "A report on tariffs.")
        wait_for(lambda: {str(kept), str(gone)} <= indexed_paths(index_dir), "both indexed")
        gone.unlink()
        wait_for(lambda: str(gone) not in indexed_paths(index_dir), "the deleted file gone")
        (corpus / "reports").rename(corpus / "archive")
        moved = corpus / "archive" / "2024" / "a.txt"
        wait_for(lambda: str(moved) in indexed_paths(index_dir)
                 and str(kept) not in indexed_paths(index_dir), "the moved folder re-indexed")
        # The moved folder is still watched: an edit in it reaches the index.
        moved.write_text("A note\n\nA report on trade, corrected.\n", encoding="utf-8")
        wait_for(lambda: contents(index_dir)[str(moved)][1] == ["A report on trade, corrected."],
                 "an edit inside the moved folder")
        shutil.rmtree(corpus / "archive")
        wait_for(lambda: not any("archive" in p for p in indexed_paths(index_dir)),
                 "the deleted folder gone")


def test_a_metadata_csv_edit_relabels_its_document(corpus, index_dir, fake_encoder) -> None:
    target = "000_66e27f2df0de6ee7.txt"
    with watching(index_dir, None, fake_encoder, quiet=0.3) as (watcher, recorder):
        table = corpus / "metadata.csv"
        text = table.read_text(encoding="utf-8")
        table.write_text(text.replace(f"{target},China-US Relations,",
                                      f"{target},Relations Between Two Powers,"),
                         encoding="utf-8")
        run = wait_for(lambda: next((r for r in recorder.runs if r.relabelled), None),
                       "a run re-labelling")
    assert run.relabelled == [str(corpus / target)]
    assert contents(index_dir)[str(corpus / target)][0] == "Relations Between Two Powers"


def test_a_change_made_during_a_run_is_picked_up_by_the_next_run(corpus, index_dir,
                                                                 fake_encoder) -> None:
    inside = threading.Event()
    release = threading.Event()

    class Slow:  # the fake encoder, held inside its first call until the test says
        dimension = fake_encoder.dimension
        max_tokens = fake_encoder.max_tokens
        token_offsets = staticmethod(fake_encoder.token_offsets)

        def encode(self, texts, progress=None):  # noqa: ANN001, ANN201
            inside.set()
            release.wait(60)
            return fake_encoder.encode(texts, progress)

    with watching(index_dir, None, Slow(), quiet=0.2) as (watcher, recorder):
        first = note(corpus, "first.txt", "Written before the run.")
        wait_for(inside.is_set, "a run embedding")
        assert watcher.running
        second = note(corpus, "second.txt", "Written while the run embeds.")
        release.set()
        wait_for(lambda: str(second) in indexed_paths(index_dir), "the second file indexed")
    assert str(first) in indexed_paths(index_dir)


def test_a_file_that_cannot_be_read_is_named_once(corpus, index_dir, fake_encoder) -> None:
    with watching(index_dir, None, fake_encoder, quiet=0.3) as (watcher, recorder):
        (corpus / "broken.txt").symlink_to(corpus / "nowhere.txt")
        wait_for(lambda: any("broken.txt" in n for n in recorder.notices), "the file named")
        for i in range(3):  # more changes, more runs: the broken file is not named again
            note(corpus, f"more{i}.txt", f"Another note w{i}.")
            wait_for(lambda i=i: str(corpus / f"more{i}.txt") in indexed_paths(index_dir),
                     "another note indexed")
    assert len([n for n in recorder.notices if "broken.txt" in n]) == 1


def test_the_index_folder_inside_a_watched_folder_starts_no_run_of_its_own(
        corpus, fake_encoder) -> None:  # noqa: ANN001
    inner = corpus / "index"
    build_index([corpus], inner, encoder_loader=lambda name: fake_encoder)
    with watching(inner, None, fake_encoder, quiet=0.2) as (watcher, recorder):
        note(corpus, "new.txt", "A new note.")
        wait_for(lambda: str(corpus / "new.txt") in indexed_paths(inner), "the note indexed")
        settle(recorder, quiet=2.0)  # publishing wrote into the index folder: no run follows
    assert [r.changed for r in recorder.runs] == [False, True]


def test_one_writer_the_watcher_waits_for_a_manual_index_and_resumes(corpus, index_dir,
                                                                     fake_encoder) -> None:
    with watching(index_dir, None, fake_encoder, quiet=0.2) as (watcher, recorder):
        with layout.write_lock(index_dir):  # what a manual `parallax index` holds
            new = note(corpus, "during.txt", "Saved while another index ran.")
            wait_for(lambda: any("another process is writing" in n for n in recorder.notices),
                     "the watcher saying it waits")
            assert str(new) not in indexed_paths(index_dir)
        wait_for(lambda: str(new) in indexed_paths(index_dir), "the watcher resuming")
        # The record says a watcher keeps this index; a second one is refused.
        record = read_watcher(index_dir)
        assert record is not None and record["pid"] == os.getpid()
        with pytest.raises(WatcherRunning):
            Presence(index_dir).claim({"pid": 0})
    assert read_watcher(index_dir) is None  # stopped: the record is no longer held


def test_a_manual_index_waits_for_the_watchers_run(index_dir) -> None:
    presence = Presence(index_dir)
    presence.claim({"pid": 4242, "since": "now", "running": True})
    said: list[dict] = []
    holding = layout.write_lock(index_dir)
    holding.__enter__()  # the watcher is in a run
    try:
        result: list[str] = []

        def manual() -> None:
            result.append(after_watcher(index_dir, lambda: _locked_write(index_dir),
                                        said.append))

        thread = threading.Thread(target=manual)
        thread.start()
        wait_for(lambda: said, "the manual index saying the watcher runs")
        assert said[0]["pid"] == 4242 and not result
    finally:
        holding.__exit__(None, None, None)
        presence.release()
    thread.join(30)
    assert result == ["written"]


def _locked_write(index_dir: Path) -> str:
    with layout.write_lock(index_dir):
        return "written"


def test_scratch_names_hidden_names_and_other_suffixes_start_no_run(tmp_path: Path) -> None:
    root = tmp_path / "notes"
    (root / "sub").mkdir(parents=True)
    index = root / "idx"

    def counts(kind: str, name: str) -> bool:
        return relevant(Change(kind, str(root / name)), [root], [index])

    assert counts("modified", "a.md") and counts("added", "sub/b.pdf")
    assert counts("modified", "metadata.csv") and counts("added", "sub")
    assert counts("deleted", "old-folder")  # a deleted path may have been a folder
    for scratch in (".a.md.swp", "a.md~", "#a.md#", "4913", ".#a.md", "sub/.hidden/c.txt",
                    ".goutputstream-X1", "a.md.tmp", "picture.jpg", "idx/CURRENT",
                    "idx/parallax-gen-1/x.txt"):
        assert not counts("modified", scratch), scratch


def test_a_burst_waits_for_quiet_but_never_longer_than_max_wait() -> None:
    pending = Pending(quiet=1.0, max_wait=5.0, settle=0.3)
    assert pending.due_in(0.0) is None
    pending.add([Change("added", "/a")], now=0.0)
    pending.add([Change("added", "/a2")], now=0.1)  # a second group: a burst
    assert pending.due_in(0.5) == pytest.approx(0.6)
    for t in range(1, 8):  # a change every second: quiet never comes
        pending.add([Change("modified", f"/b{t}")], now=t * 0.9)
    assert pending.due_in(5.0) == 0.0
    assert [c.path for c in pending.take()][:3] == ["/a", "/a2", "/b1"]
    assert not pending and pending.due_in(6.0) is None


def test_a_lone_save_after_a_calm_spell_runs_after_a_short_settle_and_a_stream_does_not(
        ) -> None:
    pending = Pending(quiet=1.0, max_wait=5.0, settle=0.3)
    pending.add([Change("modified", "/notes/a.md")], now=0.0)  # nothing changed before
    assert pending.due_in(0.1) == pytest.approx(0.2)
    assert [c.path for c in pending.take()] == ["/notes/a.md"]
    # The next change 0.5 s later: changes follow each other, the full quiet again.
    pending.add([Change("modified", "/notes/b.md")], now=0.5)
    assert pending.due_in(0.5) == pytest.approx(1.0)
    pending.take()
    # After a calm spell: a first group of many changes is the start of a copy...
    pending.add([Change("added", f"/notes/c{i}.md") for i in range(6)], now=10.0)
    assert pending.due_in(10.0) == pytest.approx(1.0)
    pending.take()
    # ... and so is a lone change followed by a second group before it settled.
    pending.add([Change("added", "/notes/d.md")], now=20.0)
    pending.add([Change("added", "/notes/e.md")], now=20.2)
    assert pending.due_in(20.2) == pytest.approx(1.0)
    pending.take()
    # A short --quiet is not lengthened by the settle.
    short = Pending(quiet=0.1, max_wait=5.0, settle=0.3)
    short.add([Change("modified", "/notes/a.md")], now=0.0)
    assert short.due_in(0.0) == pytest.approx(0.1)


MOUNTINFO = textwrap.dedent("""\
    22 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw
    40 22 0:35 / /mnt/share rw,relatime shared:20 - nfs4 server:/export rw,vers=4.2
    41 22 0:36 / /home/me/remote\\040drive rw - fuse.sshfs me@host:/ rw
    """)


def test_network_file_systems_are_recognised_from_the_mount_table() -> None:
    mounts = mount_types(MOUNTINFO)
    assert file_system_of(Path("/mnt/share/notes/a.txt"), mounts) == "nfs4"
    assert file_system_of(Path("/home/me/remote drive/x"), mounts) == "fuse.sshfs"
    assert file_system_of(Path("/home/me/notes"), mounts) == "ext4"
    assert "network file system (nfs4)" in network_reason([Path("/mnt/share/n")], MOUNTINFO)
    assert network_reason([Path("/home/me/notes")], MOUNTINFO) is None


def test_polling_can_be_asked_for_and_still_sees_changes(corpus, index_dir,
                                                         fake_encoder) -> None:
    with watching(index_dir, None, fake_encoder, quiet=0.2, poll=True,
                  poll_interval=0.3) as (watcher, recorder):
        assert recorder.mode.polling and recorder.mode.describe().startswith(
            "polling every 0.3 s")
        new = note(corpus, "polled.txt", "Found by polling.")
        wait_for(lambda: str(new) in indexed_paths(index_dir), "the polled change indexed")


USERNS_SCRIPT = """
import sys, time
from pathlib import Path
sys.path[:0] = [{root!r}]
from tests.conftest import FakeEncoder
from tests.parallax.watch_helpers import watching, wait_for
from indexes.reader import indexed_paths
index_dir, corpus = Path({index!r}), Path({corpus!r})
with watching(index_dir, None, FakeEncoder(), quiet=0.2, poll_interval=0.3) as (w, rec):
    print("MODE", rec.mode.describe(), flush=True)
    for i in range(12):
        (corpus / "new" / f"d{{i}}").mkdir(parents=True)
    if not w.mode.polling:  # at the start, the limit was reached at once
        wait_for(lambda: w.mode.polling, "the fall back to polling")
    # In a folder no notification covers: polling finds it.
    (corpus / "new" / "d11" / "late.txt").write_text("A note\\n\\nA late note.\\n")
    wait_for(lambda: str(corpus / "new" / "d11" / "late.txt") in indexed_paths(index_dir),
             "the late note indexed")
    print("NOTICES", rec.notices, flush=True)
    print("MODE", w.mode.describe(), flush=True)
"""


def _in_user_namespace(watches: int, script: str) -> subprocess.CompletedProcess:
    """Run `script` where the kernel's inotify watch limit is `watches`: a user namespace of
    its own (the limit is per namespace), so the rest of the machine is unaffected."""
    if shutil.which("unshare") is None:
        pytest.skip("unshare is not installed")
    command = (f"echo {watches} > /proc/sys/user/max_inotify_watches && "
               f"exec {sys.executable} -c \"$SCRIPT\"")
    done = subprocess.run(["unshare", "-U", "-r", "sh", "-c", command], capture_output=True,
                          text=True, timeout=120, env={**os.environ, "SCRIPT": script})
    if "Operation not permitted" in done.stderr or "unshare:" in done.stderr:
        pytest.skip(f"no user namespaces here: {done.stderr.strip()[:200]}")
    return done


def test_the_watch_limit_reached_later_falls_back_to_polling_and_misses_nothing(
        corpus, index_dir) -> None:  # noqa: ANN001
    root = Path(__file__).resolve().parents[2]
    script = USERNS_SCRIPT.format(root=str(root), index=str(index_dir), corpus=str(corpus))
    # The corpus has one folder: 4 watches leave room for 3 of the 12 new folders.
    done = _in_user_namespace(4, script)
    assert done.returncode == 0, done.stderr[-2000:]
    first, notices, last = done.stdout.splitlines()[-3:]
    assert first == "MODE file notifications"
    assert "could not be watched" in notices and "max_user_watches" in notices
    assert last.startswith("MODE polling every 0.3 s")


def test_the_watch_limit_reached_at_start_falls_back_to_polling(corpus, index_dir) -> None:
    root = Path(__file__).resolve().parents[2]
    script = USERNS_SCRIPT.format(root=str(root), index=str(index_dir), corpus=str(corpus))
    (corpus / "sub1" / "sub2").mkdir(parents=True)
    done = _in_user_namespace(1, script)  # three folders, one watch
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.splitlines()[0].startswith("MODE polling every 0.3 s")
    assert "limit on file watches" in done.stdout.splitlines()[0]


def _fake():  # noqa: ANN202
    from tests.conftest import FakeEncoder

    return FakeEncoder()
