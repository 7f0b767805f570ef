import { escapeHtml, truncate } from "./escape.js";
import { prettyJson } from "./json-view.js";

/**
 * A tool's input or output rendered for people rather than as raw JSON: objects as key/value
 * tables, lists of records as tables with a column per field, lists of scalars inline, long text
 * folded behind a summary. Untrusted throughout: every piece of text is escaped. Bounded: at most
 * `maxChars` characters of text are shown, tables show their first `maxRows` rows, and deep
 * structure is shown as compact JSON; whatever was left out makes the view `lossy`, so the caller
 * can offer the raw JSON beside it.
 */

export interface ValueViewOptions {
  /** Most characters of text (strings, numbers, keys) in the view. */
  maxChars: number;
  maxRows: number;
  maxColumns: number;
  /** Levels of nesting drawn as tables; deeper values are compact JSON. */
  maxDepth: number;
  /** Longest text in a table cell. */
  cellChars: number;
}

export const DEFAULT_VALUE_VIEW: Omit<ValueViewOptions, "maxChars"> = { maxRows: 50, maxColumns: 12, maxDepth: 3, cellChars: 160 };

export interface ValueView {
  html: string;
  /** Characters of text shown. */
  used: number;
  /** Something was cut or left out. */
  lossy: boolean;
}

/** Text up to this length stays on its line; longer text is a block, folded past `FOLD_CHARS`. */
const INLINE_CHARS = 120;
const FOLD_CHARS = 400;
const INLINE_LIST = 12;

interface Context extends ValueViewOptions {
  used: number;
  lossy: boolean;
}

/** Renders `value` readably within `options` (see the module comment). */
export function valueView(value: unknown, options: Partial<ValueViewOptions> & { maxChars: number }): ValueView {
  const ctx: Context = { ...DEFAULT_VALUE_VIEW, ...options, used: 0, lossy: false };
  const html = render(value, 0, ctx);
  return { html, used: ctx.used, lossy: ctx.lossy };
}

/** Takes up to `text.length` characters of the budget; what does not fit is cut and marks the view lossy. */
function spend(text: string, ctx: Context): string {
  const room = Math.max(0, ctx.maxChars - ctx.used);
  if (text.length <= room) {
    ctx.used += text.length;
    return text;
  }
  ctx.used += room;
  ctx.lossy = true;
  // never leave half a surrogate pair at the cut
  return `${text.slice(0, room).replace(/[\uD800-\uDBFF]$/, "")}…`;
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);
const isScalar = (v: unknown): boolean => v === null || ["string", "number", "boolean", "bigint"].includes(typeof v);

function render(value: unknown, depth: number, ctx: Context): string {
  if (typeof value === "string") return renderText(value, ctx);
  if (isScalar(value) || value === undefined) return `<span class="v-lit">${escapeHtml(spend(scalarText(value), ctx))}</span>`;
  if (depth >= ctx.maxDepth) return compactJson(value, ctx.cellChars * 2, ctx);
  if (Array.isArray(value)) return renderList(value, depth, ctx);
  if (isRecord(value)) return renderRecord(value, depth, ctx);
  return compactJson(value, ctx.cellChars, ctx);
}

function scalarText(value: unknown): string {
  if (value === undefined) return "undefined";
  if (typeof value === "bigint") return `${value.toString()}n`;
  return JSON.stringify(value) ?? String(value);
}

function renderText(text: string, ctx: Context): string {
  if (text.length === 0) return `<span class="muted">(empty text)</span>`;
  if (text.length <= INLINE_CHARS && !text.includes("\n")) return `<span class="v-str">${escapeHtml(spend(text, ctx))}</span>`;
  const shown = escapeHtml(spend(text, ctx));
  if (text.length <= FOLD_CHARS) return `<div class="v-text">${shown}</div>`;
  const lead = escapeHtml(truncate(text.replace(/\s+/g, " "), 110));
  return `<details class="v-long"><summary>${lead} <span class="muted">(${text.length.toLocaleString("en")} characters)</span></summary><div class="v-text">${shown}</div></details>`;
}

function renderRecord(record: Record<string, unknown>, depth: number, ctx: Context): string {
  const keys = Object.keys(record);
  if (keys.length === 0) return `<span class="muted">{} (no fields)</span>`;
  const rows = keys.map((key) => {
    const v = record[key];
    const size = Array.isArray(v) && v.length > 1 ? ` <span class="v-count">${v.length.toLocaleString("en")}</span>` : "";
    return `<tr><th scope="row">${escapeHtml(spend(key, ctx))}${size}</th><td>${render(v, depth + 1, ctx)}</td></tr>`;
  });
  return `<table class="v-kv"><tbody>${rows.join("")}</tbody></table>`;
}

function renderList(list: readonly unknown[], depth: number, ctx: Context): string {
  if (list.length === 0) return `<span class="muted">[] (empty list)</span>`;
  const records = list.filter(isRecord);
  if (records.length === list.length) return renderTable(records, ctx);
  if (list.every((v) => isScalar(v) && (typeof v !== "string" || v.length <= 40))) {
    // short scalars (ids, names, numbers) wrap as chips: a column of 300 ids would fill the page
    const chips = list.slice(0, ctx.maxRows);
    if (chips.length < list.length) ctx.lossy = true;
    return `<span class="v-inline">${chips.map((v) => `<span class="v-item">${escapeHtml(spend(typeof v === "string" ? v : scalarText(v), ctx))}</span>`).join("")}</span>${moreItems(chips.length, list.length)}`;
  }
  const shown = list.slice(0, ctx.maxRows);
  if (shown.length < list.length) ctx.lossy = true;
  const items = shown.map((v) => `<li>${render(v, depth + 1, ctx)}</li>`).join("");
  return `<ol class="v-list" start="0">${items}</ol>${moreRows(shown.length, list.length)}`;
}

/** A list of records as a table: a column per field (first seen first), a row per record. */
function renderTable(rows: ReadonlyArray<Record<string, unknown>>, ctx: Context): string {
  const shown = rows.slice(0, ctx.maxRows);
  const columns: string[] = [];
  const seen = new Set<string>();
  for (const row of shown) for (const key of Object.keys(row)) if (!seen.has(key)) seen.add(key), columns.push(key);
  const kept = columns.slice(0, ctx.maxColumns);
  if (shown.length < rows.length || kept.length < columns.length) ctx.lossy = true;
  const head = `<tr><th class="num">#</th>${kept.map((c) => `<th>${escapeHtml(spend(c, ctx))}</th>`).join("")}</tr>`;
  const body = shown
    .map((row, i) => {
      const cells = kept.map((c) => {
        if (!Object.prototype.hasOwnProperty.call(row, c)) return `<td class="muted">—</td>`;
        const v = row[c];
        const numeric = typeof v === "number";
        return `<td${numeric ? ` class="num"` : ""}>${cell(v, ctx)}</td>`;
      });
      return `<tr><td class="num muted">${i}</td>${cells.join("")}</tr>`;
    })
    .join("");
  const hidden = columns.length - kept.length;
  const note = hidden > 0 ? `<p class="note">${hidden} more column${hidden === 1 ? "" : "s"} in the JSON: ${escapeHtml(truncate(columns.slice(kept.length).join(", "), 200))}</p>` : "";
  return `<div class="v-table-wrap"><table class="v-table"><thead>${head}</thead><tbody>${body}</tbody></table></div>${moreRows(shown.length, rows.length)}${note}`;
}

function cell(value: unknown, ctx: Context): string {
  if (typeof value === "string") {
    const text = value.length > ctx.cellChars ? ((ctx.lossy = true), truncate(value, ctx.cellChars)) : value;
    // short values (ids, statuses) never break inside; long text wraps at word boundaries
    return `<span class="v-str${text.length <= 28 ? " nowrap" : ""}">${escapeHtml(spend(text, ctx))}</span>`;
  }
  if (isScalar(value) || value === undefined) return `<span class="v-lit">${escapeHtml(spend(scalarText(value), ctx))}</span>`;
  if (Array.isArray(value) && value.every(isScalar) && value.length <= INLINE_LIST) {
    return `<span class="v-inline">${value.map((v) => `<span class="v-item">${escapeHtml(spend(truncate(typeof v === "string" ? v : scalarText(v), 40), ctx))}</span>`).join("")}</span>`;
  }
  return compactJson(value, ctx.cellChars, ctx);
}

function compactJson(value: unknown, max: number, ctx: Context): string {
  const text = prettyJson(value).replace(/\s*\n\s*/g, " ");
  if (text.length > max) ctx.lossy = true;
  return `<code class="v-json">${escapeHtml(spend(truncate(text, max), ctx))}</code>`;
}

function moreItems(shown: number, total: number): string {
  return shown < total ? `<p class="note">Showing ${shown} of ${total.toLocaleString("en")} items; the raw JSON below has more.</p>` : "";
}

function moreRows(shown: number, total: number): string {
  return shown < total ? `<p class="note">Showing ${shown} of ${total.toLocaleString("en")} rows; the raw JSON below has more.</p>` : "";
}
