"""Terms, log-odds and claim clustering as pure functions: strings and small arrays in."""

from __future__ import annotations

from parallax.stance.terms import count_terms, distinctive, log_odds, term_occurrences, topic_words


def test_terms_keep_acronyms_hyphenated_words_and_phrases_within_a_clause() -> None:
    found = [form for _, form in term_occurrences(
        "The U.S. side and China-U.S. ties; win-win cooperation. Climate change, again.")]
    assert {"U.S.", "China-U.S.", "win-win", "win-win cooperation", "Climate change"} <= set(
        found)
    assert "cooperation Climate" not in found  # no phrase across a sentence end
    assert "and" not in found and "The" not in found


def test_us_the_country_is_not_us_the_pronoun() -> None:
    counts, _ = count_terms(["Let us meet the US side.", "The US will act."])
    assert counts["US"] == 2 and "us" not in counts


def test_log_odds_favours_what_a_group_uses_more() -> None:
    group, _ = count_terms(["tariffs tariffs sanctions trade", "tariffs and trade"])
    others, _ = count_terms(["trade and investment", "investment in trade"])
    scores = log_odds(group, others, group + others)
    assert scores["tariff"] > 0 > scores["trade"]


def test_distinctive_terms_leave_out_shared_and_topic_words() -> None:
    mine = ["Taiwan independence separatist forces must stop.",
            "Separatist forces threaten Taiwan."]
    theirs = ["The Taiwan question concerns sovereignty.", "Sovereignty over Taiwan."]
    terms = [t.term for t in distinctive(mine, theirs, exclude=topic_words("Taiwan"))]
    assert terms[0].lower() == "separatist forces"  # twice here, never there
    assert "Taiwan" not in terms  # the topic itself is everyone's
    assert all("sovereignty" not in t.lower() for t in terms)  # theirs, not mine


def test_chinese_text_yields_words_not_whole_clauses() -> None:
    from parallax.stance.terms import term_occurrences, topic_words

    assert "气候变化" in topic_words("中美两国在气候变化方面的合作")
    text = "两国在应对气候变化方面开展合作，推动可再生能源的发展。"
    terms = [term for term, _ in term_occurrences(text)]
    assert "气候变化" in terms and "合作" in terms
    # Punctuation ends a phrase: no term spans the comma.
    assert not any("合作" in t and "推动" in t for t in terms)
