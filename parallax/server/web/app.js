// Parallax web page: plain JavaScript over the JSON API of `parallax serve`.
// Every view is a URL (/?q=…, /compare?topic=…&claim=…&claim=…) that reproduces it.
"use strict";

const $ = (id) => document.getElementById(id);
const SEARCH_FIELDS = ["q", "mode", "source", "author", "since", "until", "k"];
const COMPARE_FIELDS = { topic: "topic", by: "by", mode: "cmode", source: "csource",
  author: "cauthor", since: "csince", until: "cuntil" };
const MAX_CLAIMS = 20;  // the API's bound (SERVER_LIMITS.claims); checked here to say it sooner

// API -------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super(body.error || `HTTP ${status}`);
    this.status = status;
    this.hint = body.hint;
  }
}

/** A query string; an array value becomes a repeated parameter (claim=…&claim=…). */
function queryString(params) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    for (const one of [].concat(value)) {
      if (one !== undefined && one !== null && one !== "") query.append(key, one);
    }
  }
  return query;
}

async function api(path, params, as = "json") {
  const query = queryString(params);
  const headers = {};
  const token = sessionStorage.getItem("parallax-token");
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(`${path}?${query}`, { headers });
  if (response.status === 401) $("token-form").hidden = false;
  if (!response.ok) {
    let body = {};
    try { body = await response.json(); } catch (e) { body = {}; }
    throw new ApiError(response.status, body);
  }
  return as === "json" ? response.json() : response.text();
}

function showError(target, error) {
  target.textContent = "";
  target.classList.add("error");
  target.append(el("strong", {}, error.message));
  if (error.hint) target.append(el("span", { class: "hint" }, " " + error.hint));
}

function setStatus(target, text) {
  target.classList.remove("error");
  target.textContent = text;
}

// DOM helpers ----------------------------------------------------------------------------

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === false || value === undefined || value === null) continue;
    if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false) node.append(child);
  }
  return node;
}

/** The passage text with its best sentence in <mark>. */
function highlighted(text, highlight) {
  const at = highlight ? text.indexOf(highlight) : -1;
  if (at < 0) return [text];
  return [text.slice(0, at), el("mark", {}, highlight), text.slice(at + highlight.length)];
}

/** " p. 12" for a passage of a paged file (PDF), linked to that page of the file as the
 * server serves it (a browser's PDF viewer opens at #page=N); nothing for other formats. */
function pageLink(p, doc) {
  if (!p.pages) return null;
  const [a, b] = p.pages;
  const label = a === b ? `p. ${a}` : `pp. ${a}–${b}`;
  const href = `/api/passages/${encodeURIComponent(p.passage_id)}/file#page=${a}`;
  return el("span", {}, " ",
    el("a", { href, class: "page", target: "_blank", rel: "noopener",
              title: `Open ${fileName(doc.path)} at page ${a}` }, label),
    p.ocr ? el("span", { class: "ocr", title: "Text read by OCR from a page image" }, " OCR") : null);
}

function lines(result) {
  const [a, b] = result.lines;
  return a === b ? `${a}` : `${a}-${b}`;
}

function fileName(path) {
  return path.split(/[\\/]/).pop();
}

function docMeta(doc) {
  return [doc.date, doc.author, doc.publisher].filter(Boolean).join(" · ");
}

/** One passage: title, date, author, text with highlight, file and line. */
function resultItem(result, onOpen) {
  const doc = result.document;
  const open = el("button", { type: "button", class: "open",
    "aria-label": `Open passage ${result.passage_id} in context`,
    onclick: () => onOpen(result.passage_id) }, doc.title || "(untitled)");
  return el("li", { class: "result", "data-passage": result.passage_id, "data-document": doc.id },
    el("h3", {}, open),
    el("p", { class: "meta" }, docMeta(doc) || "undated",
       el("span", { class: "score" }, ` score ${result.score.toFixed(3)}`)),
    el("p", { class: "passage" }, highlighted(result.text, result.highlight)),
    el("p", { class: "loc" }, el("code", { title: doc.path }, `${fileName(doc.path)}:${lines(result)}`),
       pageLink(result, doc),
       " · passage ", el("code", {}, result.passage_id)));
}

/** A passage as its best sentence only, for the compare timeline's narrow columns. */
function quoteItem(result, onOpen) {
  const at = result.highlight ? result.text.indexOf(result.highlight) : -1;
  const quote = at < 0 ? [result.text.slice(0, 240) + (result.text.length > 240 ? " …" : "")]
    : [at > 0 ? "… " : "", el("mark", {}, result.highlight),
       at + result.highlight.length < result.text.length ? " …" : ""];
  return el("li", { class: "result quote", "data-passage": result.passage_id,
                    "data-document": result.document.id },
    el("p", { class: "passage" }, quote),
    el("p", { class: "loc" }, el("code", { title: result.document.path },
                                 `${fileName(result.document.path)}:${lines(result)}`),
       el("span", { class: "score" }, ` · ${result.score.toFixed(3)} · `),
       el("button", { type: "button", class: "open",
         "aria-label": `Read passage ${result.passage_id} in context`,
         onclick: () => onOpen(result.passage_id) }, "in context")));
}

// Views and URLs -----------------------------------------------------------------------------

function route() {
  const params = new URLSearchParams(location.search);
  const comparing = location.pathname.replace(/\/+$/, "") === "/compare";
  $("search-view").hidden = comparing;
  $("compare-view").hidden = !comparing;
  $("nav-search").toggleAttribute("aria-current", !comparing);
  $("nav-compare").toggleAttribute("aria-current", comparing);
  if (comparing) {
    for (const [param, id] of Object.entries(COMPARE_FIELDS)) {
      if (params.has(param)) $(id).value = params.get(param);
    }
    // Always set, so going back to a comparison without claims empties the field.
    $("claims").value = params.getAll("claim").join("\n");
    countClaims();
    document.title = params.get("topic") ? `${params.get("topic")} · Parallax compare`
      : "Parallax compare";
    if (params.get("topic")) runCompare(params);
  } else {
    for (const name of SEARCH_FIELDS) if (params.has(name)) $(name).value = params.get(name);
    document.title = params.get("q") ? `${params.get("q")} · Parallax` : "Parallax";
    if (params.get("q")) runSearch(params);
    if (params.get("passage")) openPassage(params.get("passage"), false);
    else $("reader").hidden = true;
  }
}

function go(path, params) {
  history.pushState(null, "", `${path}?${queryString(params)}`);
  route();
}

/** A link to a passage in context (the search view's reader): a real address, so it opens
 * in a new tab too, followed in place on a plain click. */
function passageLink(topic, passageId, text) {
  const href = `/?${queryString({ q: topic, passage: passageId })}`;
  return el("a", { href, class: "in-context", "aria-label": `Read passage ${passageId} in context`,
    onclick: (event) => {
      if (event.button || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      history.pushState(null, "", href);
      route();
    } }, text);
}

// Search -------------------------------------------------------------------------------------

function searchParams() {
  const out = {};
  for (const name of SEARCH_FIELDS) out[name] = $(name).value.trim();
  if (out.mode === "hybrid") delete out.mode;
  if (out.k === "10") delete out.k;
  return out;
}

async function runSearch(params) {
  const status = $("search-status");
  const list = $("results");
  setStatus(status, "Searching…");
  list.textContent = "";
  const query = Object.fromEntries(params);
  delete query.passage;
  query.k = query.k || "10";
  try {
    const answer = await api("/api/ask", query);
    setStatus(status, answer.results.length
      ? `${answer.results.length} passages for “${answer.query}” (${answer.mode})`
      : `No passage matches “${answer.query}” with these filters.`);
    list.append(...answer.results.map((r) => resultItem(r, (id) => openPassage(id, true))));
  } catch (error) {
    showError(status, error);
  }
}

async function openPassage(passageId, push) {
  if (push) {
    const params = new URLSearchParams(location.search);
    params.set("passage", passageId);
    history.pushState(null, "", `/?${params}`);
  }
  const reader = $("reader");
  reader.hidden = false;
  reader.dataset.passage = passageId;
  const context = $("context");
  context.textContent = "Loading…";
  try {
    const shown = await api(`/api/passages/${encodeURIComponent(passageId)}`, { context: 1 });
    const doc = shown.passage.document;
    reader.dataset.document = doc.id;
    context.textContent = "";
    context.append(
      el("p", { class: "doc" }, el("strong", {}, doc.title || "(untitled)"), " ", docMeta(doc)),
      ...[...shown.before, shown.passage, ...shown.after].map((p) => el("div", {
        class: p.passage_id === passageId ? "ctx current" : "ctx" },
        el("p", { class: "loc" }, el("code", {}, `${fileName(doc.path)}:${lines(p)}`),
           pageLink(p, doc), " · ", el("code", {}, p.passage_id)),
        p.heading && p.heading !== doc.title ? el("p", { class: "heading" }, `§ ${p.heading}`) : null,
        el("p", {}, p.text))));
    context.querySelector(".ctx.current").setAttribute("tabindex", "-1");
    if (push) context.querySelector(".ctx.current").focus();
  } catch (error) {
    showError(context, error);
  }
  loadRelated();
}

async function loadRelated() {
  const passageId = $("reader").dataset.passage;
  const list = $("related");
  list.textContent = "";
  list.append(el("li", { class: "status" }, "Loading…"));
  try {
    const found = await api("/api/related", { passage_id: passageId, k: 5,
      other_sources: $("other-sources").checked ? "true" : "" });
    list.textContent = "";
    if (!found.results.length) list.append(el("li", { class: "status" }, "No related passage."));
    list.append(...found.results.map((r) => resultItem(r, (id) => openPassage(id, true))));
  } catch (error) {
    list.textContent = "";
    const item = el("li", { class: "status" });
    showError(item, error);
    list.append(item);
  }
}

function closeReader() {
  const params = new URLSearchParams(location.search);
  params.delete("passage");
  history.pushState(null, "", `/?${params}`);
  $("reader").hidden = true;
  const back = document.querySelector(`#results [data-passage="${$("reader").dataset.passage}"] .open`);
  if (back) back.focus();
}

// Compare ------------------------------------------------------------------------------------

let lastCompare = null;

/** The claims field as the API takes them: one a line, empty lines left out. */
function claimLines() {
  return $("claims").value.split("\n").map((line) => line.trim()).filter(Boolean);
}

function countClaims() {
  const n = claimLines().length;
  const over = n > MAX_CLAIMS;
  $("claims").setAttribute("aria-invalid", over ? "true" : "false");
  $("claims-count").classList.toggle("error", over);
  $("claims-count").textContent = !n ? ""
    : over ? `${n} claims: at most ${MAX_CLAIMS} at once.`
      : `${n} claim${n === 1 ? "" : "s"} to check.`;
}

function compareParams() {
  const out = {};
  for (const [param, id] of Object.entries(COMPARE_FIELDS)) out[param] = $(id).value.trim();
  if (out.by === "document") delete out.by;
  if (out.mode === "hybrid") delete out.mode;
  out.claim = claimLines();
  return out;
}

/** A comparison's URL parameters as the API takes them: the claims stay a list. */
function compareQuery(params) {
  const out = Object.fromEntries(params);
  delete out.claim;
  if (params.getAll("claim").length) out.claim = params.getAll("claim");
  return out;
}

async function runCompare(params) {
  const status = $("compare-status");
  setStatus(status, "Comparing…");
  $("report").hidden = true;
  lastCompare = compareQuery(params);
  try {
    const report = await api("/api/compare", lastCompare);
    renderTimeline(report);
    renderChecks(report);
    renderKeyPoints(report);
    renderTerms(report);
    setStatus(status, compareSummary(report));
    $("report").hidden = false;
  } catch (error) {
    showError(status, error);
  }
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function compareSummary(report) {
  const addressed = report.sources.filter((s) => s.addressed).length;
  const parts = [`“${report.topic}”: ${addressed} of ${report.sources.length} sources address it`];
  parts.push(plural(report.key_points.length, "key point"));
  const yours = (report.claim_checks || []).length;
  if (yours) parts.push(`your ${yours === 1 ? "claim" : `${yours} claims`} checked`);
  return `${parts.join("; ")} (${report.mode}, by ${report.by}).`;
}

/** A date prefix as a year with a fraction ("2020-08" -> 2020.58), or null. */
function when(date) {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(date || "");
  if (!m) return null;
  return +m[1] + ((+(m[2] || 1)) - 1) / 12 + ((+(m[3] || 1)) - 1) / 365;
}

function sourceDate(source) {
  const dates = source.documents.map((d) => d.date).filter(Boolean).sort();
  return dates[0] || (/^\d{4}$/.test(source.key) ? source.key : null);
}

function renderTimeline(report) {
  const axis = $("axis");
  const times = report.sources.map((s) => when(sourceDate(s)));
  const known = times.filter((t) => t !== null);
  const first = Math.min(...known);
  const last = Math.max(...known);
  axis.textContent = "";
  if (known.length) {
    axis.append(el("span", { class: "tick start" }, String(Math.floor(first))),
                el("span", { class: "tick end" }, String(Math.floor(last))));
    report.sources.forEach((s, i) => {
      if (times[i] === null) return;
      const at = last > first ? (times[i] - first) / (last - first) : 0.5;
      axis.append(el("span", { class: `dot ${s.addressed ? "addressed" : "silent"}`,
        style: `left: calc(${(at * 100).toFixed(2)}% - 0.45rem)`,
        title: `${s.label}: ${s.addressed ? "addresses it" : "silent"}` }));
    });
  }
  const list = $("timeline");
  list.textContent = "";
  for (const s of report.sources) {
    const verdict = s.addressed
      ? `addresses it: ${s.relevant_passages} passage${s.relevant_passages === 1 ? "" : "s"}, best ${s.score.toFixed(3)}`
      : `silent${s.score === null ? "" : `, best passage ${s.score.toFixed(3)}`}`;
    list.append(el("li", { class: `source ${s.addressed ? "addressed" : "silent"}`,
      "data-source": s.key },
      el("h3", {}, s.label),
      el("p", { class: "verdict" }, verdict),
      el("ol", { class: "results compact" },
         s.passages.map((r) => quoteItem(r, (id) => go("/", { q: report.topic, passage: id }))))));
  }
}

function shortLabel(source, by) {
  if (by !== "document") return source.label;
  const doc = source.documents[0];
  return doc.date ? doc.date.slice(0, 7) : shortTitle(doc.title);
}

/** An undated document's column heading: its title's first words (as the terminal's). */
function shortTitle(title, width = 18) {
  const words = (title || "").split(/\s+/).filter(Boolean);
  if (!words.length) return "untitled";
  let out = words[0].slice(0, width);
  if (words[0].length > width) return out + "…";
  for (const word of words.slice(1)) {
    if (out.length + 1 + word.length > width) return out + "…";
    out += " " + word;
  }
  return out;
}

// Matrices: rows (your claims, or the key points) × sources ---------------------------------

/**
 * A rows × sources table, the sources in the report's (date) order, shared by every matrix
 * of the compare view so they read and work alike. The spec gives:
 *   rows, heading (of the rows' column), noun ("Claim"), empty (caption when no rows),
 *   row(item, i) -> {number, text, detail?},
 *   cell(item, source) -> {kind, text, label, passages?, note?},
 *   score(result) -> how a passage's score reads ("probability 0.94").
 * A cell with passages is a button opening them in `panel`, below the table.
 */
function renderMatrix(table, panel, report, spec) {
  table.textContent = "";
  closeCell(panel, false);
  if (!spec.rows.length || !report.sources.length) {
    table.append(el("caption", {}, spec.empty));
    return;
  }
  table.append(el("thead", {}, el("tr", {}, el("th", { scope: "col" }, spec.heading),
    report.sources.map((s) => el("th", { scope: "col", title: s.label }, shortLabel(s, report.by))))));
  const body = el("tbody");
  spec.rows.forEach((item, i) => {
    const row = spec.row(item, i);
    body.append(el("tr", { "data-row": row.number },
      el("th", { scope: "row", class: "row-head" }, el("span", { class: "num" }, `${row.number}.`),
         " ", row.text, row.detail ? el("span", { class: "detail" }, row.detail) : null),
      report.sources.map((source) => {
        const cell = spec.cell(item, source);
        const td = el("td", { class: `cell ${cell.kind}`, "data-source": source.key });
        if (cell.passages && cell.passages.length) {
          td.append(el("button", { type: "button", class: "cell-open", "aria-expanded": "false",
            "aria-controls": panel.id, "aria-label": cell.label, title: cell.label,
            onclick: (event) => toggleCell(event.currentTarget, panel, report, spec, row,
                                           source, cell) }, cell.text));
        } else {
          td.setAttribute("title", cell.label);
          td.append(el("span", { "aria-hidden": "true" }, cell.text),
                    el("span", { class: "visually-hidden" }, cell.label));
        }
        return td;
      })));
  });
  table.append(body);
}

/** Open a cell's passages below its table (closing the one open before), or close them. */
function toggleCell(button, panel, report, spec, row, source, cell) {
  const wasOpen = button.getAttribute("aria-expanded") === "true";
  closeCell(panel, false);
  if (wasOpen) {
    button.focus();
    return;
  }
  button.setAttribute("aria-expanded", "true");
  button.closest("td").classList.add("open");
  const heading = el("h3", { tabindex: "-1" }, `${spec.noun} ${row.number} · ${source.label}`);
  const list = el("ol", { class: "results compact" },
                  cell.passages.map((r) => passageItem(r, report.topic, spec.score(r))));
  panel.append(el("div", { class: "cell-head" }, heading,
                  el("button", { type: "button", class: "close", "aria-label": "Close (Escape)",
                                 onclick: () => closeCell(panel, true) }, "×")),
               el("p", { class: "said" }, row.text),
               el("p", { class: "note" }, `${cell.label}.`, cell.note ? ` ${cell.note}` : ""),
               list);
  panel.hidden = false;
  heading.focus();
}

/** Close a matrix's open passages; with `refocus`, back to the cell that opened them. */
function closeCell(panel, refocus) {
  const opener = document.querySelector(`[aria-controls="${panel.id}"][aria-expanded="true"]`);
  if (opener) {
    opener.setAttribute("aria-expanded", "false");
    opener.closest("td").classList.remove("open");
    if (refocus) opener.focus();
  }
  panel.hidden = true;
  panel.textContent = "";
}

/** One passage of a matrix cell: title, date, author, its text with the sentence that makes
 * the point marked, file and line, and a link to read it in context. */
function passageItem(result, topic, score) {
  const doc = result.document;
  return el("li", { class: "result", "data-passage": result.passage_id, "data-document": doc.id },
    el("h3", {}, doc.title || "(untitled)"),
    el("p", { class: "meta" }, docMeta(doc) || "undated",
       score ? el("span", { class: "score" }, ` · ${score}`) : null),
    el("p", { class: "passage" }, highlighted(result.text, result.highlight)),
    el("p", { class: "loc" }, el("code", { title: doc.path }, `${fileName(doc.path)}:${lines(result)}`),
       pageLink(result, doc),
       " · ", passageLink(topic, result.passage_id, "read in context")));
}

function madeBy(n, of) {
  return n ? `made by ${n} of ${plural(of, "source")}` : "no source makes it";
}

function shownOf(shown, total) {
  return shown < total ? `The best ${shown} of the ${total} passages making it.`
    : `${plural(total, "passage")} making it.`;
}

/** A source's verdict on one of your claims: makes it, does not, or no passage came near. */
function verdictCell(verdict, source) {
  if (!verdict || verdict.score === null) {
    return { kind: "none", text: "–", label: `${source.label}: no passage came near` };
  }
  const p = verdict.score.toFixed(2);
  if (!verdict.makes) {
    return { kind: "not", text: `· ${p}`,
      label: `${source.label}: does not make it (best passage ${p})` };
  }
  return { kind: "made", text: `● ${p}`, passages: verdict.passages,
    label: `${source.label}: makes it (probability ${p})`,
    note: shownOf(verdict.passages.length, verdict.passages_making_it) };
}

/** A count of a source's passages making a point: ● n, or · silent. */
function countCell(n, passages, source) {
  if (!n) return { kind: "silent", text: "·", label: `${source.label}: silent` };
  return { kind: "made", text: `● ${n}`, passages,
    label: `${source.label}: ${plural(n, "passage")} making it`,
    note: passages.length < n ? `The best ${passages.length} of them.` : "" };
}

function decimals(places, word) {
  return (r) => (typeof r.score === "number" ? `${word} ${r.score.toFixed(places)}` : "");
}

function renderChecks(report) {
  const checks = report.claim_checks;
  $("checks-section").hidden = !checks;
  if (!checks) return;
  $("checks-note").textContent = "For each claim and source: ● the source makes it, · it does " +
    "not, – no passage came near. The number is the probability that the source makes the " +
    `claim, from its best passage; a source makes it from ${report.claim_threshold}. ` +
    "Choose a ● to read the passages making it.";
  renderMatrix($("checks"), $("check-passages"), report, {
    rows: checks, heading: "claim", noun: "Claim", empty: "No source to check the claims in.",
    row: (check, i) => ({ number: i + 1, text: check.claim,
      detail: madeBy(check.made_by.length, report.sources.length) }),
    cell: (check, source) => verdictCell(check.sources.find((v) => v.key === source.key), source),
    score: decimals(2, "probability"),
  });
}

/** The key points: sentences a source wrote, each with where it was taken from, and how many
 * passages of each source make it. */
function renderKeyPoints(report) {
  const points = report.key_points;
  const labels = Object.fromEntries(report.sources.map((s) => [s.key, s.label]));
  const list = $("key-points");
  list.textContent = "";
  for (const kp of points) {
    const from = kp.passages.find((p) => p.passage_id === kp.passage_id);
    list.append(el("li", { class: "key-point", value: kp.key_point, "data-key-point": kp.key_point },
      el("p", { class: "said" }, kp.text),
      el("p", { class: "loc" }, "from ", el("strong", {}, labels[kp.source] || kp.source),
         from ? [" · ", el("code", { title: from.document.path },
                           `${fileName(from.document.path)}:${lines(from)}`)] : null,
         " · ", passageLink(report.topic, kp.passage_id, "in context"),
         " · ", madeBy(kp.made_by.length, report.sources.length)),
      kp.terms && kp.terms.length ? el("p", { class: "kp-terms" }, "terms: ",
                                       kp.terms.join(" · ")) : null));
  }
  renderMatrix($("key-point-matrix"), $("key-point-passages"), report, {
    rows: points, heading: "key point", noun: "Key point",
    empty: "No key point: no source addresses this topic.",
    row: (kp) => ({ number: kp.key_point, text: kp.text }),
    cell: (kp, source) => countCell(kp.prevalence[source.key] || 0,
                                    kp.passages.filter((p) => p.source === source.key), source),
    score: decimals(2, "match"),
  });
}

function renderTerms(report) {
  const terms = $("terms");
  terms.textContent = "";
  const labels = Object.fromEntries(report.sources.map((s) => [s.key, s.label]));
  for (const entry of report.distinctive_terms) {
    if (!entry.terms.length) continue;
    terms.append(el("dt", {}, labels[entry.source] || entry.source),
                 el("dd", {}, entry.terms.map((t) => t.term).join(", ")));
  }
}

async function exportMarkdown() {
  try {
    const text = await api("/api/compare", { ...lastCompare, format: "md" }, "text");
    const url = URL.createObjectURL(new Blob([text], { type: "text/markdown" }));
    const link = el("a", { href: url, download: `${(lastCompare.topic || "compare")
      .replace(/[^\w-]+/g, "-").toLowerCase()}.md` });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
  } catch (error) {
    showError($("compare-status"), error);
  }
}

// Wiring -------------------------------------------------------------------------------------

document.addEventListener("DOMContentLoaded", () => {
  $("search-form").addEventListener("submit", (event) => {
    event.preventDefault();
    go("/", searchParams());
  });
  $("compare-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const params = compareParams();
    if (params.claim.length > MAX_CLAIMS) {  // the API's own words, without the round trip
      showError($("compare-status"), { message: `${params.claim.length} claims given; at most ` +
        `${MAX_CLAIMS} at once`, hint: "Check the claims in smaller groups." });
      $("claims").focus();
      return;
    }
    go("/compare", params);
  });
  $("claims").addEventListener("input", countClaims);
  $("claims").addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      $("compare-form").requestSubmit();
    }
  });
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem("parallax-token", $("token").value);
    $("token-form").hidden = true;
    route();
  });
  $("close-reader").addEventListener("click", closeReader);
  $("other-sources").addEventListener("change", loadRelated);
  $("export").addEventListener("click", exportMarkdown);
  document.addEventListener("keydown", (event) => {
    const typing = /^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName);
    const panel = document.activeElement.closest(".cell-passages");
    if (event.key === "Escape" && panel) closeCell(panel, true);
    else if (event.key === "Escape" && !$("reader").hidden) closeReader();
    else if (event.key === "/" && !typing) {
      event.preventDefault();
      ($("compare-view").hidden ? $("q") : $("topic")).focus();
    }
  });
  for (const link of document.querySelectorAll("header a[href^='/']:not([href='/docs'])")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      history.pushState(null, "", link.getAttribute("href"));
      route();
    });
  }
  window.addEventListener("popstate", route);
  route();
});
