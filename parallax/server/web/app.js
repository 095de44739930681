// Parallax web page: plain JavaScript over the JSON API of `parallax serve`.
// Every view is a URL (/?q=…, /compare?topic=…) that reproduces it.
"use strict";

const $ = (id) => document.getElementById(id);
const SEARCH_FIELDS = ["q", "mode", "source", "author", "since", "until", "k"];
const COMPARE_FIELDS = { topic: "topic", by: "by", mode: "cmode", source: "csource",
  author: "cauthor", since: "csince", until: "cuntil" };

// API -------------------------------------------------------------------------------------

class ApiError extends Error {
  constructor(status, body) {
    super(body.error || `HTTP ${status}`);
    this.status = status;
    this.hint = body.hint;
  }
}

async function api(path, params, as = "json") {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value !== undefined && value !== null && value !== "") query.set(key, value);
  }
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
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) query.set(key, value);
  history.pushState(null, "", `${path}?${query}`);
  route();
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
           " · ", el("code", {}, p.passage_id)),
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

function compareParams() {
  const out = {};
  for (const [param, id] of Object.entries(COMPARE_FIELDS)) out[param] = $(id).value.trim();
  if (out.by === "document") delete out.by;
  if (out.mode === "hybrid") delete out.mode;
  return out;
}

async function runCompare(params) {
  const status = $("compare-status");
  setStatus(status, "Comparing…");
  $("report").hidden = true;
  lastCompare = Object.fromEntries(params);
  try {
    const report = await api("/api/compare", lastCompare);
    const addressed = report.sources.filter((s) => s.addressed).length;
    setStatus(status, `“${report.topic}”: ${addressed} of ${report.sources.length} sources ` +
      `address it; ${report.claims.length} claims (${report.mode}, by ${report.by}).`);
    renderTimeline(report);
    renderMatrix(report);
    renderTerms(report);
    $("claim-passages").hidden = true;
    $("report").hidden = false;
  } catch (error) {
    showError(status, error);
  }
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
  return (source.documents[0].date || "undated").slice(0, 7);
}

function renderMatrix(report) {
  const table = $("matrix");
  table.textContent = "";
  if (!report.claims.length) {
    table.append(el("caption", {}, "No source addresses this topic: no claims."));
    return;
  }
  table.append(el("thead", {}, el("tr", {}, el("th", { scope: "col" }, "#"),
    el("th", { scope: "col" }, "claim terms"),
    report.sources.map((s) => el("th", { scope: "col", title: s.label }, shortLabel(s, report.by))))));
  const body = el("tbody");
  for (const claim of report.claims) {
    body.append(el("tr", { "data-claim": claim.claim },
      el("th", { scope: "row" }, String(claim.claim)),
      el("td", { class: "terms" }, claim.terms.map((term) => el("button", { type: "button",
        class: "term", onclick: () => showClaim(report, claim, term) }, term))),
      report.sources.map((s) => {
        const n = claim.sources[s.key] || 0;
        return el("td", { class: n ? "cell made" : "cell silent",
          title: `${s.label}: ${n ? `${n} passage${n === 1 ? "" : "s"}` : "silent"}` },
          n ? `● ${n}` : "·");
      })));
  }
  table.append(body);
}

async function showClaim(report, claim, term) {
  const box = $("claim-passages");
  box.hidden = false;
  box.textContent = "";
  box.append(el("h3", {}, `Claim ${claim.claim}: ${claim.terms.join(" · ")}`),
             el("p", { class: "note" }, `Passages making it (you chose “${term}”).`));
  const list = el("ol", { class: "results compact", "aria-busy": "true" });
  box.append(list);
  const items = await Promise.all(claim.passages.map(async (p) => {
    try {
      const shown = await api(`/api/passages/${encodeURIComponent(p.passage_id)}`, {});
      return resultItem({ ...shown.passage, score: p.score, highlight: p.highlight },
        (id) => go("/", { q: report.topic, passage: id }));
    } catch (error) {
      const item = el("li");
      showError(item, error);
      return item;
    }
  }));
  list.append(...items);
  list.setAttribute("aria-busy", "false");
  box.querySelector("h3").setAttribute("tabindex", "-1");
  box.querySelector("h3").focus();
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
    go("/compare", compareParams());
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
    if (event.key === "Escape" && !$("reader").hidden) closeReader();
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
