"""The README's claims about the program match it: examples on no particular machine, and
tests described as the command that runs them."""

from __future__ import annotations

import re
from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_examples_show_no_path_of_the_machine_they_were_written_on() -> None:
    assert "/work/" not in README  # the machine the examples were first run on


def test_a_slow_test_the_readme_describes_says_how_it_runs() -> None:
    sentence = README.split("8 clients × 50 requests", 1)[1][:300]
    assert "--run-slow" in sentence and ".ci/run" in sentence


def test_the_example_answer_shows_what_ask_prints_first() -> None:
    example = README.split('$ parallax ask "What did China say about Taiwan?" -k 2\n', 1)[1]
    assert re.match(r"Scores \(hybrid\): ", example)
