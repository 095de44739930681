"""The measures of key point discovery on a KPA folder, on a proposal given by hand: the
proposed key points are arguments, so the gold labels say what each expresses."""

from __future__ import annotations

import pytest

from parallax.evaluation.kpa import Item, Split
from parallax.evaluation.kpa_discovery import discovery
from parallax.evaluation.kpa_metrics import adjusted_rand_index
from parallax.stance.key_points import Selection

TOPIC = "We should ban cars in city centres"
# a0, a1, a4 express k0 (pollution); a2, a3, a5 express k1 (shopping); a6 expresses nothing.
GOLD = {0: "k0", 1: "k0", 4: "k0", 2: "k1", 3: "k1", 5: "k1"}


def split() -> Split:
    arguments = [Item(f"a{i}", f"argument {i}", TOPIC, 1) for i in range(7)]
    key_points = [Item("k0", "Cars pollute", TOPIC, 1), Item("k1", "Cars help shopping", TOPIC, 1)]
    labels = {(f"a{i}", k.id): int(GOLD.get(i) == k.id) for i in range(7) for k in key_points}
    return Split("dev", arguments, key_points, labels)


def proposing(*selections: Selection):
    return lambda arguments, vectors: list(selections)


def point(sentence: int, assigned: list[int]) -> Selection:
    return Selection(sentence, {i: 0.9 for i in assigned}, {i: i for i in assigned}, assigned)


def test_every_gold_point_stated_once_by_an_argument_expressing_it_scores_full_marks() -> None:
    found = discovery(split(), lambda texts: None, proposing(point(0, [0, 1, 4]),
                                                             point(2, [2, 3, 5])))
    assert found["precision"] == found["coverage"] == found["ari"] == 1.0
    assert found["redundancy"] == 0.0 and found["key_points"] == 2


def test_a_second_statement_of_a_point_is_redundant_and_a_point_expressing_nothing_imprecise(
) -> None:
    found = discovery(split(), lambda texts: None, proposing(
        point(0, [0, 1]), point(4, [4]), point(6, [6])))
    assert found["precision"] == pytest.approx(2 / 3, abs=1e-4)
    assert found["redundancy"] == pytest.approx(1 / 3, abs=1e-4)
    assert found["coverage"] == 0.5  # k1 is never stated
    # a2, a3, a5 unassigned: each a group of its own; a4 split from a0 and a1.
    truth = ["k0", "k0", "k1", "k1", "k0", "k1"]
    assert found["ari"] == pytest.approx(adjusted_rand_index(
        truth, ["p0", "p0", "x2", "x3", "p1", "x5"]), abs=1e-4)
