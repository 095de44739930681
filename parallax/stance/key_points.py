"""Key points of a topic: short sentences the sources wrote, each with the passages that make it.

Extractive Key Point Analysis (Bar-Haim et al., "From Arguments to Key Points", 2020, and
"Every Bite Is an Experience", 2021), over the sentences of the passages that address a topic:

1. Candidates are sentences that can be read alone as one point: a whole sentence of a few
   words to a couple of lines, not a question or a heading, not opening on a pronoun or a
   connective that points elsewhere ("It", "They", "However", "Such ..."), no list of clauses.
   Of those, the ones closest to the topic are kept (at most MAX_CANDIDATES).
2. The claim matcher of `compare --claims` (parallax.stance.claim_match, learned on ArgKP) gives,
   for every sentence and every candidate, the probability that the sentence makes the
   candidate's point. A passage makes it when one of its sentences does.
3. Candidates are taken greedily by how many passages they cover that no key point taken
   before covers (maximum coverage), so the second key point is not the first in other
   words; a candidate that makes a taken key point's point, or whose point a taken key point
   makes, is a duplicate and is merged into it. A candidate must cover at least
   `min_support` passages of its own.
4. Each sentence then makes at most one key point: the one it matches best (for the
   assignment measured on ArgKP); a passage may make several.

Pure functions over plain data: the caller supplies the sentences and the match function.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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

# Match(candidates) -> (len(sentences), len(candidates)) probabilities that each sentence
# makes each candidate's point.
Match = Callable[[Sequence[int]], np.ndarray]


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
    if any(w.lower() in POINTERS for w in words[1:3]):
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
    """At most `limit` key points, each covering at least `min_support` passages not
    covered by a key point taken before it; most prevalent first."""
    chosen = candidates(sentences)
    if not chosen or limit <= 0:
        return []
    p = np.asarray(match(chosen), dtype=np.float64)
    for j, i in enumerate(chosen):
        p[i, j] = max(p[i, j], 1.0)  # a sentence makes its own point
    passages = np.array([s.passage for s in sentences])
    makes = p >= threshold
    covers = [set(passages[makes[:, j]].tolist()) for j in range(len(chosen))]
    taken: list[int] = []  # columns
    covered: set[int] = set()
    while len(taken) < limit:
        best, gain = None, 0
        for j in range(len(chosen)):
            if j in taken or _duplicate(j, taken, p, chosen, threshold):
                continue
            new = len(covers[j] - covered)
            if new > gain or (new == gain and best is not None and new > 0
                              and _ahead(j, best, covers, p, sentences, chosen)):
                best, gain = j, new
        if best is None or gain < min_support:
            break
        taken.append(best)
        covered |= covers[best]
    scores, making = [], []
    for j in taken:
        best_of: dict[int, float] = {}
        which: dict[int, int] = {}
        for i in np.flatnonzero(makes[:, j]):
            passage, score = int(passages[i]), float(min(p[i, j], 1.0))
            if score > best_of.get(passage, -1.0):
                best_of[passage], which[passage] = score, int(i)
        scores.append(best_of)
        making.append(which)
    assigned: list[list[int]] = [[] for _ in taken]
    if taken:
        sub = p[:, taken]
        for i in range(len(sentences)):
            j = int(np.argmax(sub[i]))
            if sub[i, j] >= threshold:
                assigned[j].append(i)
    out = [Selection(chosen[j], scores[k], making[k], assigned[k]) for k, j in enumerate(taken)]
    order = sorted(range(len(out)), key=lambda k: (-len(out[k].scores), k))
    return [out[k] for k in order]


def _duplicate(j: int, taken: list[int], p: np.ndarray, chosen: Sequence[int],
               threshold: float) -> bool:
    """Whether candidate j makes a taken key point's point, or a taken one makes j's."""
    i = chosen[j]
    return any(p[i, k] >= threshold or p[chosen[k], j] >= threshold for k in taken)


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
