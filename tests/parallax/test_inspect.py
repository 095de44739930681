"""`parallax inspect FILE`: a user sees what a file yields and can trust the cleaning.

The acceptance criteria on the sample corpus: site menus, copyright footers and comment or
sign-up blocks are shown as dropped, with a reason, and no sentence of the statements' own
prose is dropped.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from parallax.cli import app

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
SAMPLE = (Path(__file__).resolve().parents[3] / "shared" / "corpus" / "china-us").resolve()
SAMPLE_FILES = sorted(SAMPLE.glob("*.txt"))
PROSE_CHARS = 200  # a line this long with lower-case words is the statement's own prose


def inspect_json(path: Path) -> dict:
    result = runner.invoke(app, ["inspect", str(path), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def inspect_text(path: Path) -> str:
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exit_code == 0, result.output
    return result.stdout


def file_lines(path: Path) -> list[str]:
    """The file's lines, numbered from 1 by their position in the list (index 0 unused)."""
    return ["", *path.read_text(encoding="utf-8").split("\n")]


def normalised(text: str) -> str:
    return " ".join(text.split())


def is_prose(line: str) -> bool:
    return len(line.strip()) >= PROSE_CHARS and re.search(r"\b[a-z]{3,}\b", line) is not None


def passages_covering(data: dict, line: int) -> list[dict]:
    return [p for p in data["passages"] if p["lines"][0] <= line <= p["lines"][1]]


def dropped_lines(data: dict) -> dict[int, dict]:
    return {d["line"]: d for d in data["dropped"]}


def metadata_rows() -> dict[str, dict[str, str | None]]:
    with (SAMPLE / "metadata.csv").open(encoding="utf-8", newline="") as handle:
        return {row["file"]: {k: (v or None) for k, v in row.items()}
                for row in csv.DictReader(handle)}


def short_name(path: Path) -> str:
    return path.name[:3]


def test_the_sample_corpus_has_the_five_statements() -> None:
    assert len(SAMPLE_FILES) == 5


# What is kept -------------------------------------------------------------------------------

@pytest.mark.parametrize("path", SAMPLE_FILES, ids=short_name)
def test_every_prose_line_of_a_sample_file_is_inside_a_passage(path: Path) -> None:
    data = inspect_json(path)
    lines = file_lines(path)
    prose = [n for n, line in enumerate(lines) if is_prose(line)]
    assert prose, "each statement has paragraphs of prose"
    for number in prose:
        covering = passages_covering(data, number)
        assert covering, f"line {number} is prose but in no passage: {lines[number][:80]!r}"
        assert normalised(lines[number]) in " ".join(p["text"] for p in covering)


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=short_name)
def test_no_dropped_line_is_prose(path: Path) -> None:
    data = inspect_json(path)
    lines = file_lines(path)
    for dropped in data["dropped"]:
        line = lines[dropped["line"]]
        assert dropped["text"] == line.strip()
        assert dropped["reason"], "every dropped line says why"
        all_caps = not any(ch.islower() for ch in line)
        assert len(line) <= PROSE_CHARS or all_caps, f"prose dropped: {line[:80]!r}"
        assert not passages_covering(data, dropped["line"])


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=short_name)
def test_dropped_lines_are_only_at_the_edges_of_a_document(path: Path) -> None:
    # Menus come before the statement and footers after it; nothing is cut from its middle.
    data = inspect_json(path)
    first = min(p["lines"][0] for p in data["passages"])
    last = max(p["lines"][1] for p in data["passages"])
    for dropped in data["dropped"]:
        assert not first <= dropped["line"] <= last, dropped


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=short_name)
def test_every_non_blank_line_is_a_passage_a_heading_or_dropped(path: Path) -> None:
    data = inspect_json(path)
    lines = file_lines(path)
    headings = {h["line"] for h in data["headings"]}
    dropped = set(dropped_lines(data))
    for number, line in enumerate(lines[1:], start=1):
        if not line.strip():
            continue
        accounted = (number in headings or number in dropped
                     or bool(passages_covering(data, number)))
        assert accounted, f"line {number} vanished: {line[:80]!r}"


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=short_name)
def test_passage_lines_and_chars_point_into_the_file(path: Path) -> None:
    data = inspect_json(path)
    text = path.read_text(encoding="utf-8")
    assert data["path"] == str(path)
    assert [p["ordinal"] for p in data["passages"]] == list(range(len(data["passages"])))
    for passage in data["passages"]:
        start, end = passage["chars"]
        assert normalised(text[start:end]) == passage["text"]
        assert text.count("\n", 0, start) + 1 == passage["lines"][0]
        assert text.count("\n", 0, end) + 1 == passage["lines"][1]


# What is dropped ----------------------------------------------------------------------------

def test_the_site_menu_of_000_is_dropped_and_the_page_title_kept() -> None:
    path = SAMPLE / "000_66e27f2df0de6ee7.txt"
    data = inspect_json(path)
    lines = file_lines(path)
    dropped = dropped_lines(data)
    first_prose = next(n for n, line in enumerate(lines) if is_prose(line))
    caps = [n for n in range(1, first_prose)
            if lines[n].strip() and not any(ch.islower() for ch in lines[n])]
    assert caps, "000 opens with an all-caps menu line"
    for number in caps:
        assert "navigation" in dropped[number]["reason"]
    # Everything above the first paragraph is menu, except the page's own title.
    headings = {h["line"]: h["text"] for h in data["headings"]}
    menu = [n for n in range(1, first_prose) if lines[n].strip() and n not in headings]
    assert len(menu) >= 5
    for number in menu:
        assert number in dropped and "navigation" in dropped[number]["reason"], lines[number]
    assert data["metadata"]["title"] in headings.values()


@pytest.mark.parametrize(("name", "needle", "reason"), [
    ("000_66e27f2df0de6ee7.txt", "Copyright ©", "copyright"),
    ("001_eff43aaf35981dd4.txt", "Copyright ©", "copyright"),
    ("001_eff43aaf35981dd4.txt", "Not to be republished", "copyright"),
    ("004_f8739ae2d684661e.txt", "Leave a Reply", "prompt"),
    ("004_f8739ae2d684661e.txt", "Download Whitepaper", "prompt"),
    ("004_f8739ae2d684661e.txt", "enter your email address", "prompt"),
])
def test_footers_and_reply_blocks_are_dropped_with_a_reason(name: str, needle: str,
                                                            reason: str) -> None:
    path = SAMPLE / name
    data = inspect_json(path)
    dropped = dropped_lines(data)
    matching = [n for n, line in enumerate(file_lines(path)) if needle in line]
    assert matching, f"{name} has a line with {needle!r}"
    for number in matching:
        assert number in dropped and reason in dropped[number]["reason"]
    assert not any(needle in p["text"] for p in data["passages"])


def test_files_without_boilerplate_lose_nothing() -> None:
    for name in ("002_98b7338e0901f976.txt", "003_dce9cd8685041cb8.txt"):
        assert inspect_json(SAMPLE / name)["dropped"] == []


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=short_name)
def test_text_output_marks_each_dropped_line_and_shows_title_and_date(path: Path) -> None:
    data = inspect_json(path)
    output = inspect_text(path)
    marked = [line for line in output.splitlines() if "DROPPED" in line]
    assert len(marked) == len(data["dropped"])
    for line, dropped in zip(marked, data["dropped"], strict=True):
        assert line.split()[0] == str(dropped["line"])
        assert dropped["reason"] in line
    assert f"Title: {data['metadata']['title']}" in output
    assert f"Date:  {data['metadata']['date']}" in output
    assert f"{len(data['passages'])} passages" in output


# Metadata -----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", SAMPLE_FILES, ids=short_name)
def test_metadata_comes_from_metadata_csv(path: Path) -> None:
    row = metadata_rows()[path.name]
    meta = inspect_json(path)["metadata"]
    for field in ("title", "date", "author", "publisher"):
        assert meta[field] == row[field], field
    assert not meta["title_inferred"] and not meta["date_inferred"]


def test_a_file_outside_any_metadata_folder_gets_an_inferred_title(tmp_path: Path) -> None:
    path = tmp_path / "orchard.txt"
    path.write_text("Orchard Notes\n\nThe apple trees flowered early this spring. Bees arrived "
                    "late and the yield suffered.\n", encoding="utf-8")
    meta = inspect_json(path)["metadata"]
    assert meta["title"] == "Orchard Notes" and meta["title_inferred"] is True
    assert meta["author"] is None
    output = inspect_text(path)
    assert "Title: Orchard Notes (inferred)" in output


# Other formats ------------------------------------------------------------------------------

HTML_PAGE = """<!DOCTYPE html>
<html><head><title>Harbour Times</title>
<script>var trackingCode = "SCRIPTNOISE";</script><style>.menu { color: red }</style></head>
<body>
<nav><a href="/">Home</a> <a href="/news">Newsroom</a> <a href="/sport">Sport</a></nav>
<h1>Harbour Trade in Winter</h1>
<p>The harbour handled more containers this winter than in any previous year.
Officials credited the new cranes.</p>
<p>Fishermen, however, complained that the dredging disturbed the breeding grounds.</p>
<footer>Copyright © Harbour Times</footer>
<script>console.log("MORENOISE")</script>
</body></html>
"""


def test_html_yields_its_paragraphs_without_navigation_or_scripts(tmp_path: Path) -> None:
    path = tmp_path / "harbour.html"
    path.write_text(HTML_PAGE, encoding="utf-8")
    data = inspect_json(path)
    texts = [p["text"] for p in data["passages"]]
    assert texts == [
        "The harbour handled more containers this winter than in any previous year. "
        "Officials credited the new cranes.",
        "Fishermen, however, complained that the dredging disturbed the breeding grounds.",
    ]
    everything = json.dumps(data["passages"] + data["headings"])
    for noise in ("SCRIPTNOISE", "MORENOISE", "color: red", "Newsroom", "Copyright"):
        assert noise not in everything
    assert data["metadata"]["title"] == "Harbour Trade in Winter"


def test_markdown_headings_become_passage_headings(tmp_path: Path) -> None:
    path = tmp_path / "orchard.md"
    path.write_text("# Orchard Notes\n\nThe apple trees flowered two weeks early this spring.\n"
                    "\n## Pruning\n\nWe pruned the pear trees in February, before the sap "
                    "rose.\n", encoding="utf-8")
    data = inspect_json(path)
    assert [(p["heading"], p["text"]) for p in data["passages"]] == [
        ("Orchard Notes", "The apple trees flowered two weeks early this spring."),
        ("Pruning", "We pruned the pear trees in February, before the sap rose."),
    ]
    assert [h["text"] for h in data["headings"]] == ["Orchard Notes", "Pruning"]
    assert data["metadata"]["title"] == "Orchard Notes"
    text = path.read_text(encoding="utf-8")
    for passage in data["passages"]:
        start, end = passage["chars"]
        assert normalised(text[start:end]) == passage["text"]


# Errors -------------------------------------------------------------------------------------

def write_binary(path: Path) -> Path:
    path.write_bytes(b"\x00\x01\x02\xff" * 50)
    return path


def write_empty(path: Path) -> Path:
    path.write_text("", encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "make", "code"), [
    ("missing.txt", lambda path: path, 3),  # not found
    ("binary.txt", write_binary, 1),
    ("empty.txt", write_empty, 1),
    ("folder.txt", lambda path: path.mkdir() or path, 1),
])
def test_an_unreadable_file_is_one_error_line_naming_it(tmp_path: Path, name: str,
                                                        make, code: int) -> None:  # noqa: ANN001
    path = make(tmp_path / name)
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exit_code == code
    assert result.stderr.startswith("Error: ")
    assert str(path) in result.stderr.replace("\n", "")  # see the long-path test below
    assert result.stdout == ""
    assert isinstance(result.exception, SystemExit)  # handled, not a crash
    assert "Traceback" not in result.output


def test_the_error_stays_on_one_line_for_a_long_path(tmp_path: Path) -> None:
    path = tmp_path / ("a-rather-long-folder-name-" * 3) / "missing-statement.txt"
    result = runner.invoke(app, ["inspect", str(path)], env={"COLUMNS": "80"})  # as in a log
    assert result.exit_code == 3
    first = result.stderr.splitlines()[0]
    assert first.startswith("Error: ") and str(path) in first


def test_inspect_finds_the_metadata_row_in_a_folder_above(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "mid.md").write_text("Mid doc\n\nA paragraph of text.\n", encoding="utf-8")
    (tmp_path / "metadata.csv").write_text("file,title,date,author,publisher\n"
                                           "a/mid.md,Mid Title,2020,Someone,\n", encoding="utf-8")
    result = runner.invoke(app, ["inspect", str(tmp_path / "a" / "mid.md"), "--json"])
    assert result.exit_code == 0, result.output
    meta = json.loads(result.stdout)["metadata"]
    assert (meta["title"], meta["date"], meta["title_inferred"]) == ("Mid Title", "2020", False)


# Files that are not documents, and damaged ones ------------------------------------------------

def inspect_in_a_process(path: Path) -> subprocess.CompletedProcess[str]:
    """`parallax inspect PATH` in its own process, so that a hang fails the test, not the suite."""
    return subprocess.run([sys.executable, "-m", "parallax", "inspect", str(path)],
                          capture_output=True, text=True, timeout=20, cwd=REPO)


def make_fifo(path: Path) -> Path:
    if not hasattr(os, "mkfifo"):
        pytest.skip("no FIFOs on this system")
    os.mkfifo(path)
    return path


def make_loop(path: Path) -> Path:
    os.symlink(path.name, path)
    return path


def make_dangling(path: Path) -> Path:
    os.symlink("gone.txt", path)
    return path


def the_zero_device(_: Path) -> Path:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    return Path("/dev/zero")


@pytest.mark.parametrize(("name", "make", "reason"), [
    ("pipe.txt", make_fifo, "named pipe (FIFO)"),
    ("loop.txt", make_loop, "symbolic link loop"),
    ("dangling.txt", make_dangling, "dangling symbolic link"),
    ("zero", the_zero_device, "device"),
])
def test_inspect_refuses_what_is_not_a_regular_file_at_once_naming_it(
    tmp_path: Path, name: str, make, reason: str,  # noqa: ANN001
) -> None:
    path = make(tmp_path / name)
    result = inspect_in_a_process(path)  # raises TimeoutExpired if it hangs
    assert result.returncode == 1, result.stderr
    assert result.stderr.startswith(f"Error: {path}: ") and reason in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""


def test_inspect_refuses_a_file_larger_than_its_cap(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "long.txt"
    path.write_text("A sentence of a long report.\n" * 100, encoding="utf-8")
    monkeypatch.setattr("parallax.inspection.INSPECT_MAX_BYTES", 1000)
    result = runner.invoke(app, ["inspect", str(path)])
    assert result.exit_code == 1 and "too large" in result.stderr and str(path) in result.stderr


def test_inspect_shows_the_bytes_replaced_in_a_damaged_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "damaged.txt"
    path.write_bytes("Talks “resumed” in Geneva.\n\nBoth sides ".encode() + b"\xff"
                     + b" agreed.\n")  # one byte that is not UTF-8
    data = inspect_json(path)
    assert data["encoding"] == "utf-8"
    assert [p["text"] for p in data["passages"]][-1] == "Both sides \ufffd agreed."
    [warning] = data["warnings"]
    assert warning.startswith(f"{path}: 1 byte that is not valid UTF-8 replaced by U+FFFD")
    assert f"Warning: {warning}" in " ".join(inspect_text(path).split())
    assert inspect_json(SAMPLE_FILES[0])["warnings"] == []


def test_inspect_names_a_linked_file_by_the_links_own_path(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "notes.txt"
    target.write_text("Orchard Notes\n\nThe apple trees flowered early.\n", encoding="utf-8")
    link = tmp_path / "link.txt"
    os.symlink(target, link)
    assert inspect_json(link)["path"] == str(link)


def test_inspect_warns_of_a_malformed_metadata_csv_naming_its_line(tmp_path: Path) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("Orchard Notes\n\nThe apple trees flowered early.\n",
                                     encoding="utf-8")
    (tmp_path / "metadata.csv").write_text('file,title\nb.txt,"Open\na.txt,Orchard\n',
                                           encoding="utf-8")
    data = inspect_json(tmp_path / "a.txt")
    assert data["metadata"]["title"] == "Orchard"  # not swallowed into b.txt's title
    [warning] = data["warnings"]
    assert warning.startswith(f"{tmp_path / 'metadata.csv'}, line 2: unbalanced quote")
