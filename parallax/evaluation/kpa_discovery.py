"""Key point discovery measured on a KPA folder (ArgKP): the key point builder of `compare`
(parallax.stance.key_points) run on each topic × stance's arguments as if they were passages
of one sentence each, with the same matcher and threshold as `compare`.

Because the proposed key points are arguments, the gold labels say what each expresses: an
argument labelled as matching gold key point K expresses K. Per topic × stance, pooled over
the split (issue 23):

- precision: share of proposed key points whose argument matches some gold key point;
- coverage: share of gold key points with at least MIN_GOLD_SUPPORT matching arguments that
  some proposed key point expresses;
- redundancy: share of proposed key points expressing a gold key point that a better-ranked
  proposed key point of the same topic × stance already expresses;
- grouping: adjusted Rand index between the builder's assignment (each argument to at most
  one proposed key point; an unassigned argument is a group of its own) and the gold groups,
  over the arguments that match exactly one gold key point; the mean over topic × stance.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from parallax.evaluation.kpa import Item, Split
from parallax.evaluation.kpa_metrics import adjusted_rand_index
from parallax.stance.claim_check import mention_of
from parallax.stance.key_points import Selection, Sentence, key_points, min_support
from parallax.stance.point_match import PointMatch

MIN_GOLD_SUPPORT = 3
# vectors(texts) -> the model's unit vectors of the texts, one row each.
Vectors = Callable[[Sequence[str]], np.ndarray]


def propose(arguments: list[Item], vectors: Vectors) -> list[Selection]:
    """The key points the builder proposes for one topic × stance's arguments, as `compare`
    proposes them for passages: the same candidates, matcher, mention rival and threshold;
    an argument's closeness to the topic is its cosine with it."""
    topic = arguments[0].topic
    # Four in five of ArgKP's arguments were typed without a capital; each is a whole
    # sentence, so its first letter is raised, as an editor would, or the builder would take
    # them for fragments and never propose one. The model is uncased: the argument's own
    # vector serves, and nothing but the candidate filter sees the change.
    texts = [as_sentence(a.text) for a in arguments]
    typed = dict(zip(texts, (a.text for a in arguments), strict=True))
    match = PointMatch(texts, topic, lambda ts: vectors([typed.get(t, t) for t in ts]))
    closeness = match.vectors @ match.topic_vector
    sentences = [Sentence(t, i, float(closeness[i])) for i, t in enumerate(texts)]
    return key_points(sentences, match, match.threshold,
                      min_support=min_support(len(arguments)))


def as_sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def texts_to_embed(split: Split) -> list[str]:
    topics = sorted({a.topic for a in split.arguments})
    return [a.text for a in split.arguments] + topics + [mention_of(t) for t in topics]


def discovery(split: Split, vectors: Vectors,
              proposer: Callable[[list[Item], Vectors], list[Selection]] | None = None
              ) -> dict:
    """The four measures over the split; `proposer` is `propose` unless a test gives one."""
    proposer = proposer or propose
    expresses: dict[str, set[str]] = {}
    for (argument, kp), label in split.labels.items():
        if label == 1:
            expresses.setdefault(argument, set()).add(kp)
    proposed = matching = redundant = gold_total = gold_covered = 0
    ari: list[float] = []
    points_per_group: list[int] = []
    for _group, arguments in sorted(split.arguments_of().items()):
        found = proposer(arguments, vectors)
        points_per_group.append(len(found))
        said: set[str] = set()
        for point in found:
            gold = expresses.get(arguments[point.sentence].id, set())
            proposed += 1
            matching += bool(gold)
            redundant += bool(gold & said)
            said |= gold
        support: dict[str, int] = {}
        for a in arguments:
            for kp in expresses.get(a.id, ()):
                support[kp] = support.get(kp, 0) + 1
        wanted = {kp for kp, n in support.items() if n >= MIN_GOLD_SUPPORT}
        gold_total += len(wanted)
        gold_covered += len(wanted & said)
        ari.append(_grouping(arguments, found, expresses))
    return {"groups": len(points_per_group), "key_points": proposed,
            "key_points_per_group": round(proposed / max(1, len(points_per_group)), 2),
            "precision": _share(matching, proposed), "coverage": _share(gold_covered, gold_total),
            "redundancy": _share(redundant, proposed),
            "ari": round(float(np.mean(ari)), 4) if ari else 0.0}


def _grouping(arguments: Sequence[Item], found: Sequence[Selection],
              expresses: dict[str, set[str]]) -> float:
    group_of = {i: k for k, point in enumerate(found) for i in point.assigned}
    members = [i for i, a in enumerate(arguments) if len(expresses.get(a.id, ())) == 1]
    if len(members) < 2:
        return 0.0
    truth = [next(iter(expresses[arguments[i].id])) for i in members]
    predicted = [f"k{group_of[i]}" if i in group_of else f"alone{i}" for i in members]
    return adjusted_rand_index(truth, predicted)


def _share(part: int, whole: int) -> float:
    return round(part / whole, 4) if whole else 0.0
