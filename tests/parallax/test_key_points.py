"""The key point builder on its own: which sentences may state a key point, and how
candidates become key points, with a fake matcher that knows which point each sentence makes."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from parallax.stance.key_points import Sentence, can_stand_alone, key_points, min_support


@pytest.mark.parametrize("text", [
    "The Taiwan question concerns China's sovereignty and territorial integrity.",
    "Trade between the two countries is mutually beneficial.",
    "Climate change is a common challenge for all countries!",
])
def test_a_whole_sentence_making_one_point_can_state_a_key_point(text: str) -> None:
    assert can_stand_alone(text)


@pytest.mark.parametrize("text", [
    "It concerns China's sovereignty and territorial integrity.",  # pronoun
    "However, trade between the two countries is mutually beneficial.",  # connective
    "Such moves hurt the relationship between the two countries.",  # pointer
    "On such basis, the US reached agreement with China on Taiwan.",  # pointer after a word
    # a phrase pointing back, later in the sentence
    "The US side went on to state that within that context, the people of the US would "
    "maintain unofficial relations with the people of Taiwan.",
    "The two sides reached a broad consensus in this regard at the summit in Bali.",
    "In addition, the two sides agreed to resume military talks.",  # connective phrase
    "Is trade between the two countries mutually beneficial?",  # a question
    "Trade and investment.",  # too short to be a point
    "trade between the two countries is mutually beneficial.",  # a fragment
    "Trade grew; investment grew; tourism grew; students came and went again.",  # a list
    " ".join(["Trade between the two countries is mutually beneficial"] * 5) + ".",  # too long
    "The following points were agreed:",  # a heading
])
def test_a_sentence_that_leans_on_others_or_makes_several_points_cannot(text: str) -> None:
    assert not can_stand_alone(text)


# Sentences as (point they make, passage); the fake matcher says a sentence makes a
# candidate's point when both make the same point.
POINT_TEXT = {
    "a": "Trade between the two countries is mutually beneficial.",
    "b": "Taiwan is a matter of China's sovereignty and territorial integrity.",
    "c": "Climate change is a common challenge for the whole world.",
}


def sentences_of(points: Sequence[tuple[str, int]]) -> list[Sentence]:
    out = []
    for n, (point, passage) in enumerate(points):
        stem = POINT_TEXT[point].rstrip(".")
        out.append(Sentence(f"{stem}, as sentence number {n} says.", passage, 1.0 - n / 100))
    return out


class fake_match:  # noqa: N801 (read as a function of the points)
    """Alone or together, a sentence makes a candidate's point when both make the same."""

    def __init__(self, points: Sequence[tuple[str, int]]) -> None:
        self.points = points

    def __call__(self, chosen: Sequence[int]) -> np.ndarray:
        return np.array([[0.9 if self.points[i][0] == self.points[j][0] else 0.05
                          for j in chosen] for i in range(len(self.points))])

    alone = __call__


def test_each_point_made_becomes_one_key_point_most_prevalent_first() -> None:
    points = [("b", 0), ("a", 1), ("a", 2), ("b", 2), ("a", 3), ("c", 4)]
    found = key_points(sentences_of(points), fake_match(points), threshold=0.5)
    stated = [points[k.sentence][0] for k in found]
    assert stated == ["a", "b", "c"]  # three passages make a, two b, one c
    assert found[0].passages[0] == 1  # the passage it is taken from, then the others
    assert sorted(found[0].passages) == [1, 2, 3]
    assert set(found[1].scores) == {0, 2}
    # The best sentence of each passage making the point is recorded.
    assert all(points[found[1].making[p]][0] == "b" for p in found[1].scores)


def test_candidates_making_the_same_point_are_merged_into_one() -> None:
    points = [("a", 0), ("a", 1), ("a", 2), ("a", 3)]
    found = key_points(sentences_of(points), fake_match(points), threshold=0.5)
    assert len(found) == 1 and sorted(found[0].passages) == [0, 1, 2, 3]
    assert found[0].sentence == 0  # of equals, the one closest to the topic states it


def test_a_point_made_by_fewer_passages_than_the_minimum_is_left_out() -> None:
    points = [("a", 0), ("a", 1), ("b", 2)]
    found = key_points(sentences_of(points), fake_match(points), threshold=0.5, min_support=2)
    assert [points[k.sentence][0] for k in found] == ["a"]


def test_at_most_limit_key_points_and_each_sentence_assigned_to_at_most_one() -> None:
    points = [("a", 0), ("b", 1), ("c", 2), ("a", 3)]
    found = key_points(sentences_of(points), fake_match(points), threshold=0.5, limit=2)
    assert len(found) == 2
    assigned = [i for k in found for i in k.assigned]
    assert len(assigned) == len(set(assigned))
    assert 2 not in assigned  # its point was not among the two kept


def test_no_candidate_no_key_point() -> None:
    leaning = [Sentence("However, it was said.", 0, 1.0), Sentence("They agreed.", 1, 1.0)]
    assert key_points(leaning, lambda chosen: np.zeros((2, len(chosen))), 0.5) == []


def test_the_minimum_support_grows_with_the_number_of_passages() -> None:
    assert min_support(6) == 1
    assert min_support(100) > min_support(10) >= 1


def test_a_candidate_scored_alone_is_scored_as_a_users_only_claim() -> None:
    # PointMatch.alone scores every candidate in one pass; each column must be what
    # --claims gives for that one claim beside the mention rival.
    from parallax.stance.claim_match import claim_probabilities
    from parallax.stance.point_match import PointMatch

    def encode(texts):
        rows = np.array([np.random.default_rng(sum(map(ord, t))).normal(size=384)
                         for t in texts])
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)

    texts = [POINT_TEXT[k] for k in "abc"] + ["Trade is good for both countries."]
    match = PointMatch(texts, "China-US relations", encode)
    for j in range(len(texts)):
        p = claim_probabilities(texts, [texts[j], match.mention], match.topic, match.encode)
        expected = np.where(p[:, 0] > p[:, 1], p[:, 0], 0.0)
        assert np.allclose(match.alone(range(len(texts)))[:, j], expected)
