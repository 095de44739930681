"""Key points of a topic: short sentences the sources wrote, each with the passages that make it.

Extractive Key Point Analysis (Bar-Haim et al., "From Arguments to Key Points", 2020, and
"Every Bite Is an Experience", 2021), over the sentences of the passages that address a topic:

1. Candidates are sentences that can be read alone as one point: a whole sentence of a few
   words to a couple of lines, not a question or a heading, not opening on a pronoun or a
   connective that points elsewhere ("It", "They", "However", "Such ..."), no list of clauses.
   Of those, the ones closest to the topic are kept (at most MAX_CANDIDATES).
2. The claim matcher of `compare --claims` (parallax.stance.claim_match, learned on ArgKP) gives,
   for every sentence and every candidate, the probability that the sentence makes the
   candidate's point (parallax.stance.point_match). A passage makes it when one of its
   sentences does. What the probability means depends on the other claims it is scored
   beside: each candidate is first scored alone (which passages would make it if it were
   the one point), the key points taken then together (which passages make which of them).
3. Candidates are taken greedily by how many passages they would make, alone, that make no
   key point taken before (maximum coverage), so the second key point is not the first in
   other words. After each one taken, the sentences are scored against the key points
   taken together; a candidate whose own sentence makes one of them is a duplicate, merged
   into it. A candidate must gain at least `min_support` passages, and a key point that
   fewer than `min_support` passages make once all are scored together is dropped.
4. Prevalence and assignment come from the key points scored together: a passage makes
   every key point one of its sentences makes; each sentence is assigned to at most one,
   the one it makes most surely (the assignment measured on ArgKP).

Pure functions over plain data: the caller supplies the sentences and the match function.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

MAX_KEY_POINTS = 8
MAX_CANDIDATES = 60
MIN_WORDS, MAX_WORDS = 5, 32
# A key point must cover this share of the passages (and at least one) that no key point
# before it covers: in a few passages a point made once is what a source said; in hundreds it
# is noise.
MIN_SHARE = 0.02
# Words that make a sentence lean on the one before it when they open it.
LEANING = frozenset("""
it its it's this that these those they them their theirs he him his she her hers we us our
ours you your i me my such both either neither another others other same former latter
however but and or nor also so thus hence therefore moreover furthermore besides meanwhile
instead otherwise still yet then later because since although though while whereas which
who whom whose where when what as here there accordingly consequently likewise similarly
indeed further additionally nevertheless nonetheless finally first firstly second secondly
third thirdly lastly meaning then
""".split())
LEANING_PHRASES = ("in addition", "on the other hand", "as a result", "for example",
                   "for instance", "in this", "in that", "to this end", "in other words",
                   "at the same time", "in short", "in fact", "of course", "as mentioned",
                   "as noted", "as such", "in turn", "in response")
POINTERS = frozenset({"this", "that", "these", "those", "such", "which", "it", "them"})
_WORD = re.compile(r"\w+(?:[-'’]\w+)*", re.UNICODE)
# A phrase that points back at what came before, anywhere in the sentence: "The US side
# went on to state that within that context, …" reads only after its neighbour.
_REFERS_BACK = re.compile(
    r"\b(?:(?:in|within|on|to|for|under|from|by|with|of) (?:that|this|these|those|such)"
    r" (?:context|regard|respect|basis|end|case|point|matter|spirit|sense|light|framework"
    r"|premise|connection|score)|went on to|as (?:mentioned|noted|stated|said) (?:above|before"
    r"|earlier)|the above|aforementioned)\b", re.IGNORECASE)


class Match(Protocol):
    """Probabilities (len(sentences) × len(chosen)) that each sentence makes each chosen
    candidate's point (parallax.stance.point_match.PointMatch)."""

    def __call__(self, chosen: Sequence[int]) -> np.ndarray:
        """The chosen candidates scored together, as one set of key points."""
        ...

    def alone(self, chosen: Sequence[int]) -> np.ndarray:
        """Each chosen candidate scored as if it were the only point."""
        ...


@dataclass(frozen=True)
class Sentence:
    text: str
    passage: int  # the caller's number of the passage it belongs to
    relevance: float  # how closely it addresses the topic (higher is closer)


@dataclass(frozen=True)
class Selection:
    sentence: int  # the candidate sentence that states it (index into the sentences)
    scores: dict[int, float]  # passage -> its best sentence's probability of making it
    making: dict[int, int]  # passage -> that sentence
    assigned: list[int]  # sentences whose best key point this is

    @property
    def passages(self) -> list[int]:
        """The passages that make it, most surely first."""
        return sorted(self.scores, key=lambda p: (-self.scores[p], p))


def min_support(passages: int) -> int:
    return max(1, math.ceil(MIN_SHARE * passages))


def can_stand_alone(text: str) -> bool:
    """Whether a sentence reads as one point without the sentences around it."""
    text = text.strip()
    words = _WORD.findall(text)
    if not MIN_WORDS <= len(words) <= MAX_WORDS:
        return False
    if not text[0].isupper() or text[-1] in "?:;,":
        return False
    if text[-1] not in ".!\"'”’)" and not text[-1].isalnum():
        return False
    lowered = " ".join(w.lower() for w in words[:4])
    if words[0].lower() in LEANING or lowered.startswith(LEANING_PHRASES):
        return False
    # "On such basis", "In this regard", "For that reason": a pointer in the opening words.
    if any(w.lower() in POINTERS for w in words[1:3]) or _REFERS_BACK.search(text):
        return False
    # A list of clauses is several points; a quoted fragment is not the source's sentence.
    return ";" not in text and text.count(",") <= 3 and text.count("\"") % 2 == 0


def candidates(sentences: Sequence[Sentence], limit: int = MAX_CANDIDATES) -> list[int]:
    """The sentences that can state a key point, closest to the topic first."""
    able = [i for i, s in enumerate(sentences) if can_stand_alone(s.text)]
    able.sort(key=lambda i: (-sentences[i].relevance, i))
    # One candidate per wording: the same sentence repeated across passages is one point.
    seen: set[str] = set()
    out = []
    for i in able:
        key = " ".join(w.lower() for w in _WORD.findall(sentences[i].text))
        if key not in seen:
            seen.add(key)
            out.append(i)
    return out[:limit]


def key_points(sentences: Sequence[Sentence], match: Match, threshold: float,
               limit: int = MAX_KEY_POINTS, min_support: int = 1) -> list[Selection]:
    """At most `limit` key points, each made by at least `min_support` passages; most
    prevalent first."""
    chosen = candidates(sentences)
    if not chosen or limit <= 0:
        return []
    passages = np.array([s.passage for s in sentences])
    alone = _own(np.asarray(match.alone(chosen), dtype=np.float64), chosen)
    covers = [set(passages[alone[:, j] >= threshold].tolist()) for j in range(len(chosen))]
    taken: list[int] = []  # columns of `alone`
    made = np.zeros(len(sentences), dtype=bool)  # sentences making a taken key point
    covered: set[int] = set()  # their passages
    while len(taken) < limit:
        best, gain = None, 0
        for j, i in enumerate(chosen):
            if j in taken or made[i]:  # a candidate making a taken point is a duplicate
                continue
            new = len(covers[j] - covered)
            if new > gain or (new == gain and best is not None and new > 0
                              and _ahead(j, best, covers, alone, sentences, chosen)):
                best, gain = j, new
        if best is None or gain < min_support:
            break
        taken.append(best)
        together = _together(match, chosen, taken)
        made = together.max(axis=1) >= threshold
        covered = set(passages[made].tolist())
    if not taken:
        return []
    # Scored together, a key point may keep fewer passages than it gained alone (the
    # sentences that make a later point better leave it): below the minimum, it goes.
    together = _together(match, chosen, taken)
    while len(taken) > 1:
        best_point = np.argmax(together, axis=1)
        made = together.max(axis=1) >= threshold
        support = [len(set(passages[made & (best_point == k)].tolist()))
                   for k in range(len(taken))]
        weakest = int(np.argmin(support))
        if support[weakest] >= min_support:
            break
        del taken[weakest]
        together = _together(match, chosen, taken)
    out = []
    best_point = np.argmax(together, axis=1)
    for k, j in enumerate(taken):
        scores: dict[int, float] = {}
        making: dict[int, int] = {}
        for i in np.flatnonzero(together[:, k] >= threshold):
            passage, score = int(passages[i]), float(min(together[i, k], 1.0))
            if score > scores.get(passage, -1.0):
                scores[passage], making[passage] = score, int(i)
        assigned = [int(i) for i in np.flatnonzero((best_point == k)
                                                   & (together[:, k] >= threshold))]
        out.append(Selection(chosen[j], scores, making, assigned))
    order = sorted(range(len(out)), key=lambda k: (-len(out[k].scores), k))
    return [out[k] for k in order]


def _own(p: np.ndarray, columns: Sequence[int]) -> np.ndarray:
    """A candidate sentence makes its own point."""
    for j, i in enumerate(columns):
        p[i, j] = max(p[i, j], 1.0)
    return p


def _together(match: Match, chosen: Sequence[int], taken: list[int]) -> np.ndarray:
    rows = [chosen[j] for j in taken]
    return _own(np.asarray(match(rows), dtype=np.float64), rows)


def _ahead(j: int, best: int, covers: list[set[int]], p: np.ndarray,
           sentences: Sequence[Sentence], chosen: Sequence[int]) -> bool:
    """Between two candidates of equal gain: the one more passages make, then the one the
    sentences make more surely, then the one closer to the topic."""
    a, b = len(covers[j]), len(covers[best])
    if a != b:
        return a > b
    sa, sb = round(float(p[:, j].sum()), 6), round(float(p[:, best].sum()), 6)
    if sa != sb:
        return sa > sb
    return sentences[chosen[j]].relevance > sentences[chosen[best]].relevance
