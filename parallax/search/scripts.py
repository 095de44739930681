"""Whether the index's model can read the question's script.

An English model embeds a Chinese, Russian or Arabic question into vectors that still score
(0.69, 0.75, 0.80 against English passages) but mean little: the question's words are
unknown word pieces or single letters to it. Which scripts a model was trained on shows in
its tokenizer's vocabulary: all-MiniLM-L6-v2's 30,522 entries hold 27,762 Latin ones but 488
Han characters, 86 Cyrillic and 86 Arabic ones (most of them single letters), while a
multilingual or a Chinese model holds thousands for each script it reads. A question whose
letters are mostly in a script the vocabulary barely has gets one warning, suggesting
lexical mode or a multilingual model; the answer itself is unchanged.
"""

from __future__ import annotations

import json
import unicodedata
from collections import Counter
from functools import lru_cache
from pathlib import Path

# Vocabulary entries a script needs for the model to count as trained on it: an English
# model has at most a few hundred per foreign script (its stray letters and characters), a
# model trained on a script thousands.
KNOWN_SCRIPT_ENTRIES = 1000
# Share of the question's letters in scripts the model does not know from which it warns:
# an English question naming one Chinese place keeps its meaning for the model.
UNKNOWN_SHARE = 0.5
# Words that open a letter's Unicode name without naming its script.
_NOT_SCRIPTS = frozenset({"FULLWIDTH", "HALFWIDTH", "MATHEMATICAL", "MODIFIER", "SMALL",
                          "SUPERSCRIPT", "SUBSCRIPT", "CIRCLED", "PARENTHESIZED"})
_DISPLAY = {"CJK": "Han (Chinese)", "JAPANESE KANA": "Japanese kana",
            "HANGUL": "Hangul (Korean)"}


def script_of(letter: str) -> str:
    """The script of a letter, as the first word of its Unicode name that names one
    ("LATIN", "CYRILLIC", "CJK", …); "" when it has no name."""
    for word in unicodedata.name(letter, "").split():
        if word not in _NOT_SCRIPTS:
            return "JAPANESE KANA" if word in ("HIRAGANA", "KATAKANA") else word
    return ""


def letters_by_script(text: str) -> Counter[str]:
    return Counter(script_of(ch) for ch in text if ch.isalpha())


def unfamiliar_script(question: str, model: str, model_dir: Path | None) -> str | None:
    """A warning when most of the question's letters are in scripts the model's vocabulary
    barely holds, else None (also when the model's vocabulary cannot be read here)."""
    if question.isascii() or model_dir is None:  # the fast path: plain English
        return None
    letters = letters_by_script(question)
    total = sum(letters.values())
    vocabulary = vocabulary_scripts(str(model_dir))
    if not total or vocabulary is None:
        return None
    unknown = {s: n for s, n in letters.items() if vocabulary.get(s, 0) < KNOWN_SCRIPT_ENTRIES}
    if sum(unknown.values()) < UNKNOWN_SHARE * total:
        return None
    main = max(unknown, key=lambda s: unknown[s])
    name = _DISPLAY.get(main, main.title() if main else "an unnamed")
    return (f"the question is written in {name} script, which the index's model "
            f"({model}) was not trained on (its vocabulary holds {vocabulary.get(main, 0)} "
            f"entries of that script): its dense scores for this question mean little. "
            f"Use --mode lexical, or index with a multilingual model (--model; see the "
            f"README's 'Formats, languages and models').")


@lru_cache(maxsize=8)
def vocabulary_scripts(model_dir: str) -> dict[str, int] | None:
    """How many entries of the model's tokenizer vocabulary are in each script (by their
    first letter); None when the folder holds no vocabulary this can read."""
    tokens = _vocabulary(Path(model_dir))
    if tokens is None:
        return None
    counts: Counter[str] = Counter()
    for token in tokens:
        letter = next((ch for ch in token if ch.isalpha()), None)
        if letter is not None:  # most entries are ASCII: no name to look up for those
            counts["LATIN" if letter.isascii() else script_of(letter)] += 1
    return dict(counts)


def _vocabulary(folder: Path) -> list[str] | None:
    """WordPiece's vocab.txt, else tokenizer.json's vocabulary (WordPiece and BPE keep a
    dict of pieces, Unigram a list of [piece, score]). None for a byte-level BPE, whose
    pieces spell every script's bytes in Latin-looking characters."""
    try:
        if (folder / "vocab.txt").is_file():
            return (folder / "vocab.txt").read_text(encoding="utf-8").splitlines()
        if (folder / "tokenizer.json").is_file():
            tokenizer = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
            if "ByteLevel" in json.dumps(tokenizer.get("pre_tokenizer")):
                return None
            vocab = tokenizer.get("model", {}).get("vocab")
            if isinstance(vocab, dict):
                return list(vocab)
            if isinstance(vocab, list):
                return [entry[0] for entry in vocab if entry]
    except (OSError, ValueError, AttributeError, TypeError, IndexError):
        return None
    return None
