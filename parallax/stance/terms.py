"""Terms and phrases of short texts, and which of them one group of texts uses more than
another: the weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi
and Quinn, "Fightin' Words", 2008). Pure functions over strings; no index, no model."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from indexes.lexical.fts import STOPWORDS, split_cjk

# Words that carry no stance in statements of any kind: function words beyond the query
# stopwords, and the filler of diplomatic and official prose.
EXTRA_STOPWORDS = frozenset("""
also among another around because become becomes been being both can cannot could does
done each either else even ever every first get gets give given go going good great has
however just last less let like made make makes making many may might more most much must
never new next now often one ones other others ours part per put rather really same second
several shall since so still such take takes taken than thank thanks third three time times
two upon us use used very way ways well whether within without would year years yet
""".split())

# Words, with inner hyphens and apostrophes ("win-win", "China's") and dotted acronyms
# ("U.S.", "China-U.S.") kept whole.
_TOKEN = re.compile(r"(?:\w+[-'’])*(?:[A-Z]\.){2,}|\w+(?:[-'’]\w+)*", re.UNICODE)
# Phrases do not run across punctuation; a dot ends a clause unless it belongs to an acronym.
# Chinese and full-width punctuation ends a phrase as its Western counterparts do.
_BREAK = re.compile(r"(?<![A-Z])\.|\.(?=\s+[A-Z][a-z])|\s-\s"
                    r"|[,;:!?()\[\]\"“”«»—–，。、；：！？（）「」《》]")


@dataclass(frozen=True)
class WeightedTerm:
    term: str  # as it is most often written in the texts
    z: float  # log-odds z-score: how much more this group uses it than the others
    count: int  # occurrences in the group's texts


def term_key(token: str) -> str:
    """What counts as the same term: case folded (acronyms such as US or UN kept apart from
    the words us and un) and a plural -s removed."""
    if len(token) > 1 and token.isupper():
        return token
    word = token.lower().replace("’", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word


def _is_stopword(token: str) -> bool:
    word = token.lower()
    return (word in STOPWORDS or word in EXTRA_STOPWORDS or len(word) < 2
            or word.replace("-", "").isdigit())


def term_occurrences(text: str, phrases: bool = True) -> list[tuple[str, str]]:
    """(key, surface form) of every content word of `text` and, with `phrases`, of every
    pair of adjacent content words within a clause ("climate change", "Taiwan question")."""
    return list(_occurrences(text, phrases))


# `compare` counts the terms of the same passages again for each key point (its passages
# against the others): tokenised once each, a broad topic's compare took a second less CPU.
@lru_cache(maxsize=4096)
def _occurrences(text: str, phrases: bool) -> tuple[tuple[str, str], ...]:
    out: list[tuple[str, str]] = []
    for clause in _BREAK.split(split_cjk(text)):  # Chinese cut into words first
        previous: str | None = None
        for match in _TOKEN.finditer(clause):
            token = match.group()
            if _is_stopword(token) and not (len(token) > 1 and token.isupper()):
                previous = None
                continue
            out.append((term_key(token), token))
            if phrases and previous is not None:
                out.append((term_key(previous) + " " + term_key(token), previous + " " + token))
            previous = token
    return tuple(out)


def count_terms(texts: Iterable[str]) -> tuple[Counter[str], dict[str, Counter[str]]]:
    """Counts per term key, and the surface forms seen for each key."""
    counts: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    for text in texts:
        for key, form in _occurrences(text, True):
            counts[key] += 1
            forms.setdefault(key, Counter())[form] += 1
    return counts, forms


def log_odds(group: Counter[str], others: Counter[str], prior: Counter[str],
             prior_share: float = 0.1) -> dict[str, float]:
    """z-scores of the log-odds ratio of each term in `group` against `others`, with a
    Dirichlet prior proportional to `prior` holding `prior_share` of its counts as
    pseudo-counts. A positive z means the group uses the term more; |z| > 1.96 is the usual
    95 % level, rarely reached by the few passages a source has on one topic."""
    alpha = {term: prior_share * count for term, count in prior.items() if count > 0}
    a0 = sum(alpha.values())
    n_group, n_others = sum(group.values()), sum(others.values())
    scores: dict[str, float] = {}
    for term, count in group.items():
        a = alpha.get(term, 0.0)
        if a <= 0:
            continue
        other = others.get(term, 0)
        delta = (math.log((count + a) / (n_group + a0 - count - a))
                 - math.log((other + a) / (n_others + a0 - other - a)))
        scores[term] = delta / math.sqrt(1.0 / (count + a) + 1.0 / (other + a))
    return scores


def distinctive(group_texts: Sequence[str], other_texts: Sequence[str], limit: int = 6,
                min_z: float = 0.5, exclude: Iterable[str] = ()) -> list[WeightedTerm]:
    """The terms and phrases `group_texts` use that `other_texts` do not (or far less),
    best first: at most `limit`, each with z >= `min_z`. A phrase replaces its words when
    it scores at least as well. Terms whose key is in `exclude` (the topic's own words) are
    left out: every group shares them by construction."""
    group, forms = count_terms(group_texts)
    others, other_forms = count_terms(other_texts)
    for key, seen in other_forms.items():
        forms.setdefault(key, Counter()).update(seen)
    skip = {term_key(word) for word in exclude}
    scores = log_odds(group, others, group + others)
    ranked = sorted((t for t in scores if scores[t] >= min_z and t not in skip
                     and not set(t.split()) <= skip),
                    key=lambda t: (-scores[t], -group[t], t))
    chosen: list[str] = []
    for term in ranked:
        words = term.split()
        if len(words) == 1 and any(term in c.split() for c in chosen):
            continue  # already said by a phrase holding it, which scored at least as well
        if len(words) == 2:
            if group[term] < 2 and any(w in chosen for w in words):
                continue  # a one-off phrase around a word already chosen adds nothing
            # A phrase that scores (nearly) as well as its words says more than they do.
            chosen = [c for c in chosen if not (c in words and scores[c] - scores[term] < 0.25)]
        chosen.append(term)
        if len(chosen) == limit:
            break
    return [WeightedTerm(forms[t].most_common(1)[0][0], round(scores[t], 3), group[t])
            for t in chosen]


def topic_words(topic: str) -> list[str]:
    """The content words of a topic, as they are written in it."""
    return [token for token in _TOKEN.findall(split_cjk(topic)) if not _is_stopword(token)]
