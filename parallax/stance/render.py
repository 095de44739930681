"""`compare` results as JSON, as a terminal layout (Rich) and as a Markdown report. Pure
functions from a Comparison to dicts, renderables and strings."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text

from parallax import printable
from parallax.render import document_json, emphasised, location, pages_label, result_json
from parallax.stance.compare import ClaimCheck, Comparison, KeyPoint, Source
from parallax.stance.groups import GroupBy

MARKDOWN_PREVIEW = 700
KEY_POINT_PASSAGES = 2  # passages shown under each key point in the terminal
# An undated document heads a matrix column by its title cut to this many characters.
SHORT_TITLE = 18


def comparison_json(c: Comparison) -> dict[str, Any]:
    keys = [s.key for s in c.sources]
    return {
        "topic": c.topic, "mode": c.mode, "by": c.by, "threshold": c.threshold,
        "specific_words": c.specific_words,
        "sources": [source_json(s, c.by, c.threshold) for s in c.sources],
        "key_points": [key_point_json(point, keys) for point in c.key_points],
        "distinctive_terms": [{"source": s.key, "terms": [
            {"term": t.term, "z": t.z, "count": t.count}
            for t in c.distinctive_terms.get(s.key, [])]} for s in c.sources],
        **({"claim_threshold": c.claim_threshold,
            "claim_checks": [claim_check_json(check, c) for check in c.claim_checks]}
           if c.claim_checks else {}),
    }


def key_point_json(point: KeyPoint, keys: list[str]) -> dict[str, Any]:
    counts = point.sources
    return {"key_point": point.number, "text": point.text, "source": point.source,
            "passage_id": point.stated_in.passage.id, "terms": point.terms,
            "prevalence": {k: counts.get(k, 0) for k in keys},
            "made_by": [k for k in keys if k in counts],
            "silent": [k for k in keys if k not in counts],
            "passages": [{"source": p.source, **result_json(p.result)}
                         for p in point.passages]}


def claim_check_json(check: ClaimCheck, c: Comparison) -> dict[str, Any]:
    threshold = c.claim_threshold or 0.0
    return {"claim": check.claim,
            "made_by": [v.key for v in check.sources if v.makes],
            "sources": [{"key": v.key, "makes": v.makes,
                         "score": None if v.score is None else round(v.score, 6),
                         "margin": None if v.score is None else round(v.score - threshold, 6),
                         "passages_making_it": v.count,
                         "passages": [result_json(r) for r in v.passages]}
                        for v in check.sources]}


def source_json(s: Source, by: str, threshold: float) -> dict[str, Any]:
    return {"key": s.key, "label": s.label,
            "document": document_json(s.documents[0]) if by == GroupBy.document.value else None,
            "documents": [document_json(d) for d in s.documents],
            "addressed": s.addressed,
            "score": None if s.score is None else round(s.score, 6),
            "margin": None if s.score is None else round(s.score - threshold, 6),
            "relevant_passages": s.relevant,
            "passages": [result_json(r) for r in s.passages]}


def short_labels(c: Comparison) -> dict[str, str]:
    """Column headings for the matrices: a document's year (its full date, then a number,
    when two share it), an undated document's title cut to a few words (three undated
    columns all headed "undated" tell the reader nothing); a group's own label."""
    out: dict[str, str] = {}
    taken: set[str] = set()
    for s in c.sources:
        label = s.label
        if c.by == GroupBy.document.value:
            document = s.documents[0]
            if document.date:
                label = (document.date[:4] if document.date[:4] not in taken
                         else document.date)
            else:
                label = short_title(document.title)
        base, n = label, 1
        while label in taken:
            n += 1
            label = f"{base} ({n})"
        taken.add(label)
        out[s.key] = printable.name(label)
    return out


def short_title(title: str | None, width: int = SHORT_TITLE) -> str:
    """The title's first words up to `width` characters ("…" when cut); "untitled" without."""
    words = (title or "").split()
    if not words:
        return "untitled"
    if len(words[0]) > width:
        return words[0][:width] + "…"
    out = words[0]
    for word in words[1:]:
        if len(out) + 1 + len(word) > width:
            return out + "…"
        out += " " + word
    return out


# Terminal ----------------------------------------------------------------------------------

def comparison_view(c: Comparison, marks: bool = False) -> Group:
    parts: list[Any] = [Text.assemble(("Topic: ", "bold"), (printable.line(c.topic), "bold yellow"),
                                      (f"   {c.mode}, grouped by {c.by}, relevance threshold "
                                       f"{c.threshold:g} (see docs/compare.md)", "dim")),
                        Text("")]
    if not c.sources:
        parts.append(Text("No document passes the filters given.", style="yellow"))
        return Group(*parts)
    if c.specific_words:
        parts += [Text(f"Some of the topic's words are common in this index; the verdicts "
                       f"also require: {', '.join(c.specific_words)}", style="dim"), Text("")]
    for s in c.sources:
        parts += _source_view(s, marks, c.threshold)
    if c.claim_checks:
        parts += [_claim_checks_table(c), Text("")]
        parts += _claim_passages_view(c, marks)
    if not any(s.addressed for s in c.sources):
        parts.append(Text("No source addresses this topic.", style="yellow"))
        return Group(*parts)
    parts += _key_points_view(c, marks)
    parts += _terms_view(c)
    return Group(*parts)


def margin(score: float | None, threshold: float) -> str:
    """How far a score is from the threshold, signed: borderline calls show as small."""
    return "" if score is None else f"{score - threshold:+.3f}"


def _source_view(s: Source, marks: bool, threshold: float) -> list[Any]:
    head = Text(printable.name(s.label), style="bold")
    if s.addressed:
        head.append(f"   addresses it ({s.relevant} passage{'' if s.relevant == 1 else 's'}"
                    f", best {s.score:.3f}, {margin(s.score, threshold)} to the threshold)",
                    style="green")
    else:
        best = ("" if s.score is None else
                f", best passage {s.score:.3f}, {margin(s.score, threshold)} to the threshold")
        head.append(f"   silent{best}", style="dim red")
    out: list[Any] = [head]
    for r in s.passages:
        loc = location(r.passage, r.document)
        loc.pad_left(3)
        out.append(Text.assemble((f"   {r.rank}. ", "bold"), (f"{r.score:.3f}  ", "green"))
                   + loc)
        body = emphasised(r.passage.text, r.highlight, limit=400, marks=marks)
        body.pad_left(6)
        out.append(body)
    out.append(Text(""))
    return out


def _key_points_view(c: Comparison, marks: bool) -> list[Any]:
    if not c.key_points:
        note = ("Key points need the model: run without --mode lexical." if c.mode == "lexical"
                else "No sentence of the relevant passages states a key point on its own.")
        return [Text(note, style="dim"), Text("")]
    labels = short_labels(c)
    table = Table(title="Key points: sentences the sources wrote, and how many passages of "
                        "each source make the same point (● passages, · silent)",
                  title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("key point (who wrote it)", min_width=30, ratio=1)
    for s in c.sources:
        table.add_column(labels[s.key], justify="center")
    for point in c.key_points:
        counts = point.sources
        stated = Text(printable.line(point.text))
        stated.append(f"  ({labels[point.source]}", style="cyan")
        stated.append(f"; {', '.join(point.terms)})" if point.terms else ")", style="dim")
        table.add_row(str(point.number), stated,
                      *[Text(f"● {counts[s.key]}", style="green") if s.key in counts
                        else Text("·", style="dim") for s in c.sources])
    out: list[Any] = [table, Text("")]
    for point in c.key_points:
        out.append(Text.assemble((f"Key point {point.number}: ", "bold"),
                                 printable.line(point.text)))
        shown = 0
        for p in point.passages:
            if shown == KEY_POINT_PASSAGES:
                break
            r = p.result
            if r.passage.rowid == point.stated_in.passage.rowid and len(point.passages) > 1:
                continue  # the passage it is taken from says nothing new
            shown += 1
            loc = location(r.passage, r.document)
            out.append(Text.assemble((f"   {labels[p.source]}  ", "cyan"),
                                     (f"{r.score:.2f}  ", "green")) + loc)
            body = emphasised(r.passage.text, r.highlight, limit=300, marks=marks)
            body.pad_left(6)
            out.append(body)
        out.append(Text(""))
    return out


def _claim_checks_table(c: Comparison) -> Table:
    labels = short_labels(c)
    table = Table(title=f"Your claims: ● the source makes it, · it does not, – no passage came "
                        f"near; the number is the probability that it makes the claim, from "
                        f"its best passage (makes it from {c.claim_threshold:g}; see "
                        f"docs/compare.md)",
                  title_justify="left")
    table.add_column("#", justify="right")
    table.add_column("claim", min_width=30, ratio=1)
    for s in c.sources:
        table.add_column(labels[s.key], justify="center")
    for number, check in enumerate(c.claim_checks, start=1):
        cells = []
        for v in check.sources:
            score = "–" if v.score is None else f"{v.score:.2f}"
            cells.append(Text(f"● {score}", style="green") if v.makes
                         else Text(f"· {score}", style="dim"))
        table.add_row(str(number), printable.line(check.claim), *cells)
    return table


def _claim_passages_view(c: Comparison, marks: bool) -> list[Any]:
    labels = short_labels(c)
    threshold = c.claim_threshold or 0.0
    out: list[Any] = []
    for number, check in enumerate(c.claim_checks, start=1):
        out.append(Text.assemble((f"Claim {number}: ", "bold"), printable.line(check.claim)))
        if not any(v.makes for v in check.sources):
            out.append(Text("   no source makes it", style="dim red"))
        for v in check.sources:
            for r in v.passages:
                loc = location(r.passage, r.document)
                out.append(Text.assemble((f"   {labels[v.key]}  ", "cyan"),
                                         (f"{r.score:.2f} ({margin(r.score, threshold)})  ",
                                          "green")) + loc)
                body = emphasised(r.passage.text, r.highlight, limit=300, marks=marks)
                body.pad_left(6)
                out.append(body)
        out.append(Text(""))
    return out


def _terms_view(c: Comparison) -> list[Any]:
    labels = short_labels(c)
    out: list[Any] = [Text("Distinctive terms (used in this source's relevant passages, "
                           "not in the others'):", style="bold")]
    for s in c.sources:
        terms = c.distinctive_terms.get(s.key)
        if terms:
            out.append(Text.assemble((f"  {labels[s.key]}: ", "cyan"),
                                     ", ".join(t.term for t in terms)))
    return out


# Markdown ----------------------------------------------------------------------------------

def comparison_markdown(c: Comparison) -> str:
    labels = short_labels(c)
    lines = [f"# {c.topic}", "",
             f"How each source addresses *{_md(c.topic)}*: Parallax `compare`, {c.mode} mode, "
             f"grouped by {c.by}, relevance threshold {c.threshold:g}.", "",
             "| source | verdict | best score | margin to the threshold | relevant passages |",
             "|---|---|---|---|---|"]
    for s in c.sources:
        verdict = "addresses it" if s.addressed else "silent"
        score = "–" if s.score is None else f"{s.score:.3f}"
        lines.append(f"| {_md(s.label)} | {verdict} | {score} | "
                     f"{margin(s.score, c.threshold) or '–'} | {s.relevant} |")
    if c.claim_checks:
        lines += _claims_markdown(c, labels)
    for s in c.sources:
        lines += ["", f"## {_md(s.label)}", ""]
        if not s.addressed:
            lines.append("Silent: no passage passes the relevance threshold.")
            continue
        for r in s.passages:
            lines += [_quote(r.passage.text, r.highlight), "",
                      f"— score {r.score:.3f}, `{r.document.path}:{r.passage.line_start}`"
                      f"{pages_label(r.passage.pages, r.passage.ocr)}, "
                      f"passage `{r.passage.id}`", ""]
    if c.key_points:
        lines += ["## Key points", "",
                  "Sentences the sources wrote; each cell counts the passages of a source that "
                  "make the same point.", "",
                  "| # | key point | written by | "
                  + " | ".join(_md(labels[s.key]) for s in c.sources) + " |",
                  "|---|---|---|" + "---|" * len(c.sources)]
        for point in c.key_points:
            counts = point.sources
            cells = [str(counts[s.key]) if s.key in counts else "–" for s in c.sources]
            lines.append(f"| {point.number} | {_md(point.text)} | {_md(labels[point.source])} | "
                         + " | ".join(cells) + " |")
        for point in c.key_points:
            lines += ["", f"**Key point {point.number}**: {_md(point.text)} "
                          f"(`{point.stated_in.passage.id}`"
                          + (f"; {_md(', '.join(point.terms))})" if point.terms else ")"), ""]
            lines += [f"- {_md(labels[p.source])}, {p.result.score:.2f}: "
                      f"“{_md(p.result.highlight)}” (`{p.result.passage.id}`)"
                      for p in point.passages]
    if any(c.distinctive_terms.values()):
        lines += ["", "## Distinctive terms", ""]
        lines += [f"- **{_md(labels[s.key])}**: "
                  + ", ".join(_md(t.term) for t in c.distinctive_terms[s.key])
                  for s in c.sources if c.distinctive_terms.get(s.key)]
    return "\n".join(lines) + "\n"


def _claims_markdown(c: Comparison, labels: dict[str, str]) -> list[str]:
    threshold = c.claim_threshold or 0.0
    lines = ["", "## Your claims", "",
             f"● the source makes the claim, · it does not, – no passage came near; the "
             f"number is the probability that it makes the claim, from its best passage "
             f"(makes it from {threshold:g}).",
             "",
             "| # | claim | " + " | ".join(_md(labels[s.key]) for s in c.sources) + " |",
             "|---|---|" + "---|" * len(c.sources)]
    for number, check in enumerate(c.claim_checks, start=1):
        cells = [("● " if v.makes else "· ") + ("–" if v.score is None else f"{v.score:.2f}")
                 for v in check.sources]
        lines.append(f"| {number} | {_md(check.claim)} | " + " | ".join(cells) + " |")
    for number, check in enumerate(c.claim_checks, start=1):
        lines += ["", f"**Claim {number}**: {_md(check.claim)}", ""]
        making = [(v, r) for v in check.sources for r in v.passages]
        if not making:
            lines.append("No source makes it.")
        lines += [f"- {_md(labels[v.key])}, score {r.score:.2f} "
                  f"({margin(r.score, threshold)}): “{_md(r.highlight)}” "
                  f"(`{r.passage.id}`)" for v, r in making]
    return lines


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell or emphasis."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("*", "\\*").replace("\n", " ")


def _quote(text: str, highlight: str) -> str:
    if len(text) > MARKDOWN_PREVIEW:
        start = max(0, text.find(highlight))
        cut = max(0, min(start - MARKDOWN_PREVIEW // 4, len(text) - MARKDOWN_PREVIEW))
        end = max(cut + MARKDOWN_PREVIEW, start + len(highlight))
        text = ("… " if cut else "") + text[cut:end] + (" …" if end < len(text) else "")
    escaped = _md(text)
    mark = _md(highlight)
    if highlight and mark in escaped:
        escaped = escaped.replace(mark, f"**{mark}**", 1)
    return "> " + escaped
