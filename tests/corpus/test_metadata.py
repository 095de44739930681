"""metadata.csv: parsed strictly but forgivingly, and found for each file of an indexed tree."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from corpus import (
    Metadata,
    MetadataCatalog,
    MetadataError,
    MetadataProblem,
    load_metadata,
    metadata_for,
)


def write(folder: Path, csv_text: str, *documents: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "metadata.csv").write_text(csv_text, encoding="utf-8")
    for name in documents:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text("Text.", encoding="utf-8")


def test_the_sample_metadata_is_read_with_quoted_commas(sample_dir: Path) -> None:
    problems: list[MetadataProblem] = []
    table = load_metadata(sample_dir, problems)
    assert problems == [] and len(table) == 5
    entry = table[sample_dir.absolute() / "003_dce9cd8685041cb8.txt"]  # in the tree, links kept
    assert entry == Metadata(
        title="Respect History, Look to the Future and Firmly Safeguard and Stabilize "
        "China-US Relations",
        date="2020-08-07",
        author="Yang Jiechi",
    )
    assert table[sample_dir.absolute() / "000_66e27f2df0de6ee7.txt"].date == "2005"


def test_extra_columns_empty_cells_and_whitespace(tmp_path: Path) -> None:
    write(
        tmp_path,
        "File, Title ,date,author,publisher,Language,url\n a.txt , A title ,2025-01, ,,en,\n",
        "a.txt",
    )
    assert load_metadata(tmp_path) == {
        (tmp_path / "a.txt").resolve(): Metadata(
            title="A title", date="2025-01", extra={"Language": "en"}
        )
    }


def test_invalid_dates_are_left_empty_and_reported(tmp_path: Path) -> None:
    write(tmp_path, "file,date\na.txt,2021-13-01\nb.txt,April 2021\nc.txt,2017-04-06\n",
          "a.txt", "b.txt", "c.txt")  # fmt: skip
    problems: list[MetadataProblem] = []
    table = load_metadata(tmp_path, problems)
    assert [table[(tmp_path / n).resolve()].date for n in ("a.txt", "b.txt", "c.txt")] == [
        None,
        None,
        "2017-04-06",
    ]
    assert [p.line for p in problems] == [2, 3]
    assert "2021-13-01" in str(problems[0]) and "metadata.csv" in str(problems[0])


def test_rows_for_missing_files_are_kept_and_reported(tmp_path: Path) -> None:
    write(tmp_path, "file,title\nghost.txt,Ghost\n../outside.txt,Out\n")
    problems: list[MetadataProblem] = []
    table = load_metadata(tmp_path, problems)
    assert list(table) == [(tmp_path / "ghost.txt").resolve()]
    assert ["does not exist" in p.message for p in problems] == [True, False]
    assert "outside" in problems[1].message


def test_no_metadata_csv_means_no_entries(tmp_path: Path) -> None:
    assert load_metadata(tmp_path) == {}


def test_a_csv_without_file_column_is_an_error_naming_it(tmp_path: Path) -> None:
    write(tmp_path, "name,title\na.txt,A\n")
    with pytest.raises(MetadataError, match="no 'file' column") as caught:
        load_metadata(tmp_path)
    assert caught.value.path == tmp_path / "metadata.csv"


def test_each_file_gets_the_row_of_the_nearest_metadata_csv(tmp_path: Path) -> None:
    write(tmp_path, "file,title\nsub/deep/x.txt,From root\nsub/y.txt,Root y\n")
    write(tmp_path / "sub", "file,title\ny.txt,Nearest y\n", "y.txt", "deep/x.txt", "z.txt")
    catalog = MetadataCatalog([tmp_path])
    assert catalog.get(tmp_path / "sub" / "y.txt").title == "Nearest y"
    assert catalog.get(tmp_path / "sub" / "deep" / "x.txt").title == "From root"
    assert catalog.get(tmp_path / "sub" / "z.txt") is None
    assert catalog.problems == []


def test_metadata_above_the_indexed_root_is_not_used(tmp_path: Path) -> None:
    write(tmp_path, "file,title\nsub/y.txt,Outside the root\n", "sub/y.txt")
    assert metadata_for(tmp_path / "sub" / "y.txt", [tmp_path / "sub"]) is None
    assert metadata_for(tmp_path / "sub" / "y.txt", [tmp_path]).title == "Outside the root"


def test_a_file_indexed_by_name_uses_its_folders_metadata(tmp_path: Path) -> None:
    write(tmp_path, "file,title\ny.txt,Named\n", "y.txt")
    assert metadata_for(tmp_path / "y.txt", [tmp_path / "y.txt"]).title == "Named"


def test_csv_from_excel_with_bom_and_cp1252(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("Text.")
    (tmp_path / "metadata.csv").write_bytes(
        "file,title\r\na.txt,Caf\u00e9 talks\r\n".encode("utf-8-sig")
    )
    assert load_metadata(tmp_path)[(tmp_path / "a.txt").resolve()].title == "Café talks"


@pytest.mark.parametrize(
    ("csv_bytes", "reason"),
    [
        (b"name,title\na.txt,A\n", "no 'file' column"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x01", "cannot be read"),  # binary
    ],
)
def test_an_unusable_metadata_csv_is_a_problem_for_the_catalog_not_an_error(
    tmp_path: Path, csv_bytes: bytes, reason: str
) -> None:
    write(tmp_path, "file,title\nsub/a.txt,From root\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.txt").write_text("Text.", encoding="utf-8")
    (tmp_path / "sub" / "metadata.csv").write_bytes(csv_bytes)
    catalog = MetadataCatalog([tmp_path])
    assert catalog.get(tmp_path / "sub" / "a.txt").title == "From root"  # as if it had no rows
    assert catalog.get(tmp_path / "sub" / "a.txt").title == "From root"  # reported only once
    [problem] = catalog.problems
    assert problem.csv_path == tmp_path / "sub" / "metadata.csv" and problem.line is None
    assert str(problem).startswith(f"{tmp_path / 'sub' / 'metadata.csv'}: {reason}")
    assert str(problem).endswith("; its rows are ignored")
    assert str(problem).count("metadata.csv") == 1


# Malformed CSV: reported with its line, rows never merged --------------------------------------

def titles(folder: Path, problems: list[MetadataProblem]) -> dict[str, str | None]:
    return {path.name: meta.title for path, meta in load_metadata(folder, problems).items()}


def test_an_unbalanced_quote_does_not_swallow_the_rows_after_it(tmp_path: Path) -> None:
    write(tmp_path, 'file,title,date\n'
                    'a.txt,"Unclosed title,2020\n'
                    'b.txt,Title B,2021\n'
                    'c.txt,Title C,2022\n', "a.txt", "b.txt", "c.txt")
    problems: list[MetadataProblem] = []
    assert titles(tmp_path, problems) == {"a.txt": "Unclosed title", "b.txt": "Title B",
                                          "c.txt": "Title C"}
    assert load_metadata(tmp_path)[tmp_path / "a.txt"].date == "2020"
    [problem] = problems
    assert problem.line == 2 and "unbalanced quote" in problem.message
    assert "the 2 lines after it are read as rows of their own" in problem.message
    assert str(problem).startswith(f"{tmp_path / 'metadata.csv'}, line 2: ")


def test_rows_swallowed_up_to_a_later_quote_are_recovered(tmp_path: Path) -> None:
    write(tmp_path, 'file,title,date\n'
                    'a.txt,"Unclosed,2020\n'
                    'b.txt,Title B,2021\n'
                    'c.txt,"Talks, in Geneva",2022\n'
                    'd.txt,Title D,2023\n', "a.txt", "b.txt", "c.txt", "d.txt")
    problems: list[MetadataProblem] = []
    assert titles(tmp_path, problems) == {"a.txt": "Unclosed", "b.txt": "Title B",
                                          "c.txt": "Talks, in Geneva", "d.txt": "Title D"}
    assert [p.line for p in problems] == [2]


def test_a_row_whose_unbalanced_quote_hides_its_cells_is_ignored_not_merged(
    tmp_path: Path,
) -> None:
    write(tmp_path, 'file,title,date\n'
                    'a.txt,"Talks, then more, 2020\n'  # without quoting: four cells, not three
                    'b.txt,Title B,2021\n', "a.txt", "b.txt")
    problems: list[MetadataProblem] = []
    assert titles(tmp_path, problems) == {"b.txt": "Title B"}
    assert [(p.line, p.message.split(";")[0]) for p in problems] == [
        (2, "unbalanced quote: row ignored, fix its quotes")]


def test_an_unbalanced_quote_on_the_last_line_is_reported(tmp_path: Path) -> None:
    write(tmp_path, 'file,title,date\nb.txt,Title B,2021\nz.txt,"Last,2020\n', "b.txt", "z.txt")
    problems: list[MetadataProblem] = []
    table = load_metadata(tmp_path, problems)
    assert (table[tmp_path / "z.txt"].title, table[tmp_path / "z.txt"].date) == ("Last", "2020")
    assert [(p.line, "unbalanced quote" in p.message) for p in problems] == [(3, True)]


def test_a_title_with_a_line_break_is_one_row_read_on_one_line_and_reported(
    tmp_path: Path,
) -> None:
    write(tmp_path, 'file,title,date\n'
                    'a.txt,"Joint Statement\n'
                    'on Trade",2020\n'
                    'b.txt,Title B,2021\n', "a.txt", "b.txt")
    problems: list[MetadataProblem] = []
    table = load_metadata(tmp_path, problems)
    assert table[tmp_path / "a.txt"] == Metadata(title="Joint Statement on Trade", date="2020")
    assert table[tmp_path / "b.txt"].title == "Title B"
    [problem] = problems
    assert problem.line == 2
    assert problem.message.startswith("the 'title' cell spans lines 2-3")


def test_a_column_named_twice_is_reported_and_the_first_one_read(tmp_path: Path) -> None:
    write(tmp_path, "file,title,date,Title\na.txt,First,2020,Second\n", "a.txt")
    problems: list[MetadataProblem] = []
    assert titles(tmp_path, problems) == {"a.txt": "First"}
    [problem] = problems
    assert problem.line == 1 and "'title' appears twice" in problem.message
    assert "columns 2 and 4" in problem.message


def test_malformed_rows_reach_the_catalogs_problems(tmp_path: Path) -> None:
    write(tmp_path, 'file,title\na.txt,"Open\nb.txt,B\n', "a.txt", "b.txt")
    catalog = MetadataCatalog([tmp_path])
    assert catalog.get(tmp_path / "b.txt").title == "B"
    assert [p.line for p in catalog.problems] == [2]


def test_an_invalid_byte_in_metadata_csv_is_replaced_and_reported(tmp_path: Path) -> None:
    write(tmp_path, "", "a.txt", "b.txt")
    (tmp_path / "metadata.csv").write_bytes("file,title\na.txt,Café talks\nb.txt,B".encode()
                                            + b"\xff\n")
    problems: list[MetadataProblem] = []
    assert titles(tmp_path, problems) == {"a.txt": "Café talks", "b.txt": "B\ufffd"}
    assert [(p.line, p.message.split(" replaced")[0]) for p in problems] == [
        (3, "1 byte that is not valid UTF-8")]


def test_a_linked_document_is_described_by_the_row_for_the_links_name(tmp_path: Path) -> None:
    write(tmp_path / "elsewhere", "file,title\n", "statement.txt")
    os.symlink(tmp_path / "elsewhere" / "statement.txt", tmp_path / "corpus-link.txt")
    write(tmp_path, "file,title\ncorpus-link.txt,Linked statement\n")
    problems: list[MetadataProblem] = []
    assert titles(tmp_path, problems) == {"corpus-link.txt": "Linked statement"}
    assert problems == []
    assert metadata_for(tmp_path / "corpus-link.txt", [tmp_path]).title == "Linked statement"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this system")
@pytest.mark.parametrize(("make", "reason"), [
    (os.mkfifo, "named pipe (FIFO)"),
    (lambda path: os.symlink("gone.csv", path), "dangling symbolic link"),
])
def test_a_metadata_csv_that_is_no_regular_file_is_a_problem_not_a_hang(
    tmp_path: Path, make, reason: str,  # noqa: ANN001
) -> None:
    write(tmp_path / "sub", "file,title\n", "a.txt")
    (tmp_path / "sub" / "metadata.csv").unlink()
    make(tmp_path / "sub" / "metadata.csv")
    catalog = MetadataCatalog([tmp_path])
    assert catalog.get(tmp_path / "sub" / "a.txt") is None
    [problem] = catalog.problems
    assert problem.csv_path == tmp_path / "sub" / "metadata.csv" and reason in problem.message
