// The OpenAPI schema of `parallax serve` as a readable page: endpoints, parameters, bounds.
"use strict";

function node(tag, text, attrs) {
  const el = document.createElement(tag);
  if (text !== undefined && text !== null) el.textContent = text;
  for (const [key, value] of Object.entries(attrs || {})) el.setAttribute(key, value);
  return el;
}

function resolve(schema, spec) {
  if (schema && schema.$ref) return spec.components.schemas[schema.$ref.split("/").pop()];
  return schema || {};
}

/** "integer, 1–100, default 5" from a parameter's schema. */
function describe(schema, spec) {
  const s = resolve(schema, spec);
  const options = (s.anyOf || [s]).map((o) => resolve(o, spec)).filter((o) => o.type !== "null");
  const parts = [];
  for (const o of options) {
    let text = o.enum ? `one of ${o.enum.join(", ")}` : (o.type || "value");
    if (o.minimum !== undefined || o.maximum !== undefined) {
      text += `, ${o.minimum ?? "…"}–${o.maximum ?? "…"}`;
    }
    if (o.maxLength !== undefined) text += `, at most ${o.maxLength} characters`;
    if (o.pattern) text += `, matching ${o.pattern}`;
    parts.push(text);
  }
  if (s.default !== undefined && s.default !== null) parts.push(`default ${s.default}`);
  return parts.join("; ");
}

async function main() {
  const spec = await (await fetch("/openapi.json")).json();
  document.getElementById("api-title").textContent = `${spec.info.title} API`;
  document.getElementById("api-description").textContent = spec.info.description || "";
  const box = document.getElementById("endpoints");
  for (const [path, operations] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const section = node("section", null, { class: "result" });
      section.append(node("h2", `${method.toUpperCase()} ${path}`));
      if (op.summary) section.append(node("p", `Same as: ${op.summary}`, { class: "meta" }));
      if (op.description) section.append(node("p", op.description));
      const params = op.parameters || [];
      if (params.length) {
        const table = node("table");
        const head = node("tr");
        for (const title of ["parameter", "in", "accepts", "meaning"]) {
          head.append(node("th", title, { scope: "col" }));
        }
        table.append(head);
        for (const p of params) {
          const row = node("tr");
          row.append(node("td", p.name + (p.required ? " (required)" : "")), node("td", p.in),
                     node("td", describe(p.schema, spec)), node("td", p.description || ""));
          table.append(row);
        }
        const scroll = node("div", null, { class: "scroll" });
        scroll.append(table);
        section.append(scroll);
      }
      box.append(section);
    }
  }
}

document.addEventListener("DOMContentLoaded", main);
