"""Pure functions from results to JSON-ready dicts and to Rich renderables.

JSON keeps every string as it is; terminal views pass names and text from the documents
folder through parallax.printable, so that a file name or a title cannot drive the terminal."""

from __future__ import annotations

from typing import Any

from rich.console import Group
from rich.text import Text

from indexes import DocumentRecord, PassageRecord
from parallax import printable
from parallax.search.results import Answer, GroupedAnswer, Result
from parallax.search.scores import score_scale

PREVIEW_CHARS = 600


def document_json(doc: DocumentRecord) -> dict[str, Any]:
    inferred = [name for name, flag in (("title", doc.title_inferred),
                                        ("date", doc.date_inferred)) if flag]
    return {"id": doc.id, "path": doc.path, "title": doc.title, "date": doc.date,
            "author": doc.author, "publisher": doc.publisher, "inferred": inferred}


def passage_json(passage: PassageRecord, doc: DocumentRecord) -> dict[str, Any]:
    return {"passage_id": passage.id, "ordinal": passage.ordinal, "text": passage.text,
            "heading": passage.heading,
            "document": document_json(doc), "lines": [passage.line_start, passage.line_end],
            "chars": [passage.char_start, passage.char_end], **pages_json(passage)}


def pages_json(passage: Any) -> dict[str, Any]:
    """`pages`: [first, last] for paged formats (PDF), null for others; `ocr`: whether the
    text was read by OCR from a page image (so it may hold misread words)."""
    pages = passage.pages
    return {"pages": list(pages) if pages else None, "ocr": bool(passage.ocr)}


def pages_label(pages: tuple[int, int] | None, ocr: bool = False) -> str:
    """" p. 12", " pp. 12-13" (with " OCR" when read by OCR), or "" without pages."""
    if not pages:
        return ""
    first, last = pages
    label = f" p. {first}" if first == last else f" pp. {first}-{last}"
    return label + (" OCR" if ocr else "")


def result_json(result: Result) -> dict[str, Any]:
    body = passage_json(result.passage, result.document)
    return {"rank": result.rank, "score": round(result.score, 6),
            "passage_id": body.pop("passage_id"), "text": body.pop("text"),
            "highlight": result.highlight, **body}


def scale_json(mode: str) -> dict[str, str]:
    """What the scores of `mode` mean (the scales differ between modes)."""
    scale = score_scale(mode)
    return {"score_scale": scale.name, "score_meaning": scale.meaning}


def answer_json(answer: Answer) -> dict[str, Any]:
    return {"query": answer.query, "mode": answer.mode, **scale_json(answer.mode),
            "warnings": list(answer.warnings),
            "results": [result_json(r) for r in answer.results]}


# Terminal ----------------------------------------------------------------------------------

def document_label(doc: DocumentRecord) -> Text:
    title = printable.name(doc.title) if doc.title else "(untitled)"
    label = Text(title + (" (inferred title)" if doc.title_inferred else ""), style="bold")
    details = [d for d in (doc.date and printable.name(doc.date)
                           + (" (inferred)" if doc.date_inferred else ""),
                           doc.author and printable.name(doc.author),
                           doc.publisher and printable.name(doc.publisher)) if d]
    if details:
        label.append("  " + " · ".join(details), style="cyan")
    return label


def location(passage: PassageRecord, doc: DocumentRecord) -> Text:
    lines = (f"{passage.line_start}" if passage.line_start == passage.line_end
             else f"{passage.line_start}-{passage.line_end}")
    return Text.assemble((f"{printable.name(doc.path)}:{lines}", "dim"),
                         (pages_label(passage.pages, passage.ocr), "bold"),
                         ("  passage ", "dim"), (passage.id, "magenta"))


def emphasised(text: str, highlight: str, limit: int = PREVIEW_CHARS,
               marks: bool = False) -> Text:
    """The passage with its best sentence in bold, shortened around that sentence; with
    `marks`, the sentence is also wrapped in »…« for output that shows no bold."""
    # Escaping works character by character, so the escaped highlight is still a part of
    # the escaped text.
    text, highlight = printable.text(text), printable.text(highlight or "")
    start = text.find(highlight) if highlight else -1
    prefix = ""
    if len(text) > limit and start > limit // 2:
        cut = text.rfind(" ", 0, max(0, start - limit // 4)) + 1
        prefix, text, start = "… ", text[cut:], start - cut
    if len(text) > limit:
        text = text[: max(limit, start + len(highlight))].rstrip() + " …"
    if start < 0:
        return Text(prefix + text)
    end = start + len(highlight)
    if marks:
        text = text[:start] + "»" + text[start:end] + "«" + text[end:]
        end += 2
    out = Text(prefix + text)
    out.stylize("bold yellow", len(prefix) + start, len(prefix) + end)
    return out


def scale_view(mode: str) -> Text:
    """One dim line above the results: the scale their scores are on."""
    return Text(f"Scores ({mode}): {score_scale(mode).short}", style="dim")


def result_view(result: Result, marks: bool = False) -> Group:
    head = Text.assemble((f"{result.rank}. ", "bold"), (f"{result.score:.4g}  ", "green"))
    head.append_text(document_label(result.document))
    body = emphasised(result.passage.text, result.highlight, marks=marks)
    body.pad_left(3)
    loc = location(result.passage, result.document)
    loc.pad_left(3)
    parts = [head, loc]
    if result.passage.heading and result.passage.heading != result.document.title:
        parts.append(Text("   § " + printable.name(result.passage.heading), style="italic"))
    return Group(*parts, body, Text(""))


def answer_view(answer: Answer, marks: bool = False) -> Group:
    if not answer.results:
        return Group(Text(f"No passage matches {answer.query!r} (with the filters given).",
                          style="yellow"))
    return Group(scale_view(answer.mode), *(result_view(r, marks) for r in answer.results))


def ask_json(answer: Any) -> dict[str, Any]:
    """`ask --json`, with or without --by-document (a grouped answer has `documents`)."""
    return (grouped_answer_json(answer) if isinstance(answer, GroupedAnswer)
            else answer_json(answer))


def ask_view(answer: Any, marks: bool = False) -> Group:
    return (grouped_answer_view(answer, marks) if isinstance(answer, GroupedAnswer)
            else answer_view(answer, marks))


# ask --by-document and related -------------------------------------------------------------

def grouped_answer_json(answer: Any) -> dict[str, Any]:
    """`ask --by-document`: the documents in order, each with its passages; `results` also
    lists every passage shown, flat, as plain `ask --json` does."""
    return {"query": answer.query, "mode": answer.mode, "by": "document",
            **scale_json(answer.mode), "warnings": list(answer.warnings),
            "documents": [{"document": document_json(d.document), "score": round(d.score, 6),
                           "results": [result_json(r) for r in d.results]}
                          for d in answer.documents],
            "results": [result_json(r) for d in answer.documents for r in d.results]}


def grouped_answer_view(answer: Any, marks: bool = False) -> Group:
    if not answer.documents:
        return Group(Text(f"No passage matches {answer.query!r} (with the filters given).",
                          style="yellow"))
    parts: list[Any] = [scale_view(answer.mode)]
    for number, hits in enumerate(answer.documents, start=1):
        head = Text.assemble((f"{number}. ", "bold"), (f"{hits.score:.4g}  ", "green"))
        head.append_text(document_label(hits.document))
        head.append(f"  ({plural(len(hits.results), 'passage')})", style="dim")
        parts.append(head)
        for result in hits.results:
            loc = Text.assemble((f"   #{result.rank} ", "bold"), (f"{result.score:.4g}  ",
                                                                   "green"))
            loc.append_text(location(result.passage, result.document))
            body = emphasised(result.passage.text, result.highlight, marks=marks)
            body.pad_left(6)
            parts += [loc, body]
        parts.append(Text(""))
    return Group(*parts)


def related_json(found: Any) -> dict[str, Any]:
    return {"passage": (passage_json(found.passage, found.document)
                        if found.passage is not None else None),
            "text": found.text, "mode": found.mode, **scale_json(found.mode),
            "warnings": list(found.warnings),
            "other_sources": found.other_sources,
            "results": [result_json(r) for r in found.results]}


def related_view(found: Any, marks: bool = False) -> Group:
    if found.passage is not None:
        head = Text.assemble(("Passages related to ", "bold"), (found.passage.id, "magenta"),
                             "  ")
        head.append_text(document_label(found.document))
        quoted = Text(printable.text(shorten(found.passage.text, 300)), style="dim")
    else:
        head = Text("Passages related to the text given", style="bold")
        quoted = Text(printable.text(shorten(found.text, 300)), style="dim")
    quoted.pad_left(3)
    scope = " (other documents only)" if found.other_sources else ""
    parts: list[Any] = [head, quoted, Text(f"{found.mode}{scope}", style="dim"),
                        scale_view(found.mode), Text("")]
    if not found.results:
        parts.append(Text("No related passage (with the filters given).", style="yellow"))
    parts += [result_view(r, marks) for r in found.results]
    return Group(*parts)


# index -------------------------------------------------------------------------------------

def index_report_json(report: Any) -> dict[str, Any]:
    return {"index": str(report.index_dir), "model": report.model, "changed": report.changed,
            "added": report.added, "updated": report.updated, "removed": report.removed,
            "metadata_updated": report.metadata_updated, "unchanged": report.unchanged,
            "skipped": [{"path": str(s.path), "reason": s.reason} for s in report.skipped],
            "embedded_windows": report.embedded_windows, "counts": report.counts,
            "precision": report.precision, "resumed_passages": report.resumed_passages,
            "store": {"segments": report.segments, "backends": report.backends,
                      "tombstoned_documents": report.deleted,
                      "segments_merged": report.compacted}}


# `index` lists the files it changed one per line up to about a screenful; past it, the
# first few of each kind and a count (a first run over 5,000 files is not 5,000 lines).
LIST_CHANGES_UP_TO = 20
CHANGES_SHOWN = 3


def index_report_view(report: Any, verbose: bool = False) -> Group:
    """The summary line, the files changed (all of them with `verbose` or when they fit a
    screen, else the first CHANGES_SHOWN of each kind and how many more) and the store."""
    kinds = (("added", report.added, "green"), ("updated", report.updated, "yellow"),
             ("removed", report.removed, "red"),
             ("metadata updated", report.metadata_updated, "cyan"))
    every = verbose or sum(len(paths) for _, paths, _ in kinds) <= LIST_CHANGES_UP_TO
    lines = []
    for label, paths, style in kinds:
        shown = paths if every else paths[:CHANGES_SHOWN]
        lines += [Text.assemble((f"  {label:<17}", style), printable.name(path))
                  for path in shown]
        if len(paths) > len(shown):
            lines.append(Text(f"  {'':<17}… and {len(paths) - len(shown):,} more {label}",
                              style="dim"))
    if not every:
        lines.append(Text("  (--verbose lists every file, --json too)", style="dim"))
    counts = report.counts
    summary = (f"{plural(counts.get('documents', 0), 'document')}, "
               f"{plural(counts.get('passages', 0), 'passage')} in "
               f"{printable.name(str(report.index_dir))}")
    if not report.changed:
        head = Text(f"Index up to date: {summary}.", style="bold")
    else:
        head = Text(f"Indexed {summary} ({len(report.added)} added, {len(report.updated)} "
                    f"updated, {len(report.removed)} removed, {report.unchanged} unchanged).",
                    style="bold")
    details = []
    if report.precision:
        details.append(f"embedded with {report.precision}")
    if report.resumed_passages:
        details.append(f"{report.resumed_passages:,} passages saved by an interrupted run "
                       "taken up again")
    if report.segments:
        store = (f"{plural(report.segments, 'segment')} "
                 f"({', '.join(report.backends) or 'empty'})")
        if report.compacted:
            store += f", {plural(report.compacted, 'segment')} merged"
        if report.deleted:
            store += f", {plural(report.deleted, 'replaced document')} awaiting compaction"
        details.append(store)
    tail = [Text("  " + "; ".join(details), style="dim")] if details else []
    return Group(head, *lines, *tail)


# sources and show ----------------------------------------------------------------------------

def sizes_json(report: Any) -> dict[str, Any]:
    passages = max(1, report.passages)
    return {"generation": report.generation, "passages": report.passages,
            "units": report.units, "bytes": report.total,
            "bytes_per_passage": round(report.total / passages),
            "components": [{"component": name, "bytes": size,
                            "bytes_per_passage": round(size / passages)}
                           for name, size in sorted(report.components.items(),
                                                    key=lambda item: -item[1])],
            "other_generations_bytes": report.other}


def sizes_view(report: Any) -> Group:
    data = sizes_json(report)
    lines = [Text(f"{report.generation}: {_mb(report.total)} for "
                  f"{plural(report.passages, 'passage')} ({report.units:,} units), "
                  f"{data['bytes_per_passage']:,} bytes per passage", style="bold")]
    width = max((len(c["component"]) for c in data["components"]), default=10)
    for row in data["components"]:
        share = row["bytes"] / max(1, report.total)
        lines.append(Text(f"  {row['component']:<{width}}  {_mb(row['bytes']):>10}  "
                          f"{row['bytes_per_passage']:>7,} B/passage  {share:>4.0%}"))
    if report.other >= 100_000:
        lines.append(Text(f"  and {_mb(report.other)} of earlier generations kept for "
                          "readers that may still hold them", style="dim"))
    return Group(*lines)


def _mb(size: int) -> str:
    return f"{size / 1e6:,.1f} MB"


def source_json(doc: DocumentRecord) -> dict[str, Any]:
    return {**document_json(doc), "passages": doc.n_passages, "extra": doc.extra}


def sources_json(listing: Any) -> dict[str, Any]:
    """`sources --json`: the index, its model and its documents in date order."""
    return {"index": str(listing.index_dir), "model": listing.model,
            "documents": [source_json(d) for d in listing.documents]}


def in_context_json(shown: Any) -> dict[str, Any]:
    return {"passage": passage_json(shown.passage, shown.document),
            "before": [passage_json(p, shown.document) for p in shown.before],
            "after": [passage_json(p, shown.document) for p in shown.after]}


def in_context_view(shown: Any) -> Group:
    parts: list[Any] = [document_label(shown.document)]
    for passage in [*shown.before, shown.passage, *shown.after]:
        current = passage.id == shown.passage.id
        parts.append(location(passage, shown.document))
        if passage.heading and passage.heading != shown.document.title:
            parts.append(Text("§ " + printable.name(passage.heading), style="italic"))
        parts.append(Text(printable.text(passage.text), style="" if current else "dim"))
        parts.append(Text(""))
    return Group(*parts)


# inspect -----------------------------------------------------------------------------------

def inspection_json(doc: Any) -> dict[str, Any]:
    meta = doc.metadata
    return {
        "path": str(doc.path), "encoding": doc.encoding,
        "metadata": {"title": meta.title, "date": meta.date, "author": meta.author,
                     "publisher": meta.publisher, "extra": meta.extra,
                     "title_inferred": meta.title_inferred, "date_inferred": meta.date_inferred},
        "passages": [{"ordinal": p.ordinal, "heading": p.heading, "text": p.text,
                      "lines": [p.line_start, p.line_end], "chars": [p.char_start, p.char_end],
                      **pages_json(p)}
                     for p in doc.passages],
        "headings": [{"line": h.line, "text": h.text} for h in doc.headings],
        "dropped": [{"line": d.line, "text": d.text, "reason": d.reason, "page": d.page}
                    for d in doc.dropped],
        "warnings": list(doc.warnings),
        # Paged formats: how many pages, and which were read by OCR (null/[] for others).
        "pages": len(doc.page_starts) or None, "ocr_pages": sorted(doc.ocr_pages),
    }


def inspection_view(doc: Any) -> Group:
    """The file in line order: headings, passages with their line spans, dropped lines."""
    meta = doc.metadata
    rows: list[tuple[int, Text]] = []
    for heading in doc.headings:
        rows.append((heading.line, Text(f"{heading.line:>5}  heading   "
                                        f"{printable.name(heading.text)}",
                                        style="bold")))
    for p in doc.passages:
        span = f"{p.line_start}-{p.line_end}" if p.line_end != p.line_start else f"{p.line_start}"
        rows.append((p.line_start, Text.assemble((f"{span:>5}  ", "dim"),
                                                 (f"passage {p.ordinal:<3}", "green"),
                                                 (pages_label(p.pages, p.ocr).strip() + " "
                                                  if p.pages else "", "bold"),
                                                 printable.line(shorten(p.text, 160)))))
    for d in doc.dropped:
        page = f"p. {d.page} " if d.page is not None else ""
        rows.append((d.line, Text.assemble((f"{d.line:>5}  ", "dim"), ("DROPPED  ", "red"),
                                           (page, "bold"),
                                           (f"[{d.reason}] ", "red"),
                                           (printable.line(shorten(d.text, 120)),
                                                                       "strike dim"))))
    title = printable.name(meta.title) if meta.title else "(untitled)"
    head = Text.assemble(("Title: ", "bold"), title, (" (inferred)" if meta.title_inferred
                                                      else "", "dim"))
    date = Text.assemble(("Date:  ", "bold"), printable.name(meta.date or "unknown"),
                         (" (inferred)" if meta.date_inferred else "", "dim"))
    summary = Text(f"{plural(len(doc.passages), 'passage')}, "
                   f"{plural(len(doc.headings), 'heading')}, "
                   f"{plural(len(doc.dropped), 'dropped line')} · "
                   f"{printable.name(str(doc.path))} ({doc.encoding}{_page_count(doc)})",
                   style="dim")
    warnings = [Text.assemble(("Warning: ", "bold yellow"), printable.line(warning))
                for warning in doc.warnings]
    return Group(head, date, summary, *warnings, Text(""),
                 *(text for _, text in sorted(rows, key=lambda r: r[0])))


def _page_count(doc: Any) -> str:
    if not doc.page_starts:
        return ""
    ocr = f", {len(doc.ocr_pages)} read by OCR" if doc.ocr_pages else ""
    return f", {plural(len(doc.page_starts), 'page')}{ocr}"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"
