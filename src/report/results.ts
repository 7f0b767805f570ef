import { escapeHtml, domId, formatMs, formatBytes } from "./escape.js";
import { jsonView, prettyJson, truncationNote } from "./json-view.js";
import { valueView } from "./value-view.js";
import { OUTCOME_LABEL, type NodeView, type ReportModel } from "./model.js";

/**
 * The results part of the report: problems first (errors with the call that failed, pending
 * approvals, skips with their reasons), then decisions and warnings, then one collapsible entry
 * per step with its input and output drawn readably (see value-view.ts) and the raw JSON folded
 * beside them, cut to a size budget so a report of a large run stays small.
 */

export interface ResultsOptions {
  /** Most characters of one value (a step's input or output) shown in the page. */
  maxOutputChars: number;
  /** Most characters of all inputs and outputs together; later steps then show a note only. */
  maxTotalOutputChars: number;
}

const stepLink = (id: string): string => `<a class="ref" href="#${domId("step-", id)}">${escapeHtml(id)}</a>`;

/** A titled list of rows (nothing when there are none). */
function listTable(title: string, cls: string, rows: string[]): string {
  if (rows.length === 0) return "";
  return `<h3>${title} <span class="count">${rows.length}</span></h3><table class="list ${cls}"><tbody>${rows.join("")}</tbody></table>`;
}

/** The error's code, unless its message already starts with it. */
function codePill(node: NodeView): string {
  const code = node.errorCode;
  return code && !node.error?.startsWith(code) ? `<span class="pill code">${escapeHtml(code)}</span> ` : "";
}

/** The call a step made, on one line: `tool {"input": …}`. */
function callLine(tool: string | undefined, input: unknown): string {
  return `<code class="inline-json"><span class="call-tool">${escapeHtml(tool ?? "")}</span> ${escapeHtml(compact(input))}</code>`;
}

/** Errors (with the failed call), pending approvals and skipped steps. */
export function renderProblems(model: ReportModel): string {
  const errors = model.nodes
    .filter((n) => n.error !== undefined)
    .map(
      (n) =>
        `<tr><th scope="row">${stepLink(n.id)}</th><td class="msg">${codePill(n)}${escapeHtml(n.error!)}` +
        `${n.attempts !== undefined && n.attempts > 1 ? ` <span class="pill attempts">after ${n.attempts} attempts</span>` : ""}` +
        `${n.hasInput ? `<div class="call">called ${callLine(n.tool, n.input)}</div>` : ""}</td></tr>`,
    );
  const pending = model.nodes
    .filter((n) => n.pending !== undefined)
    .map((n) => `<tr><th scope="row">${stepLink(n.id)}</th><td>${callLine(n.pending!.tool, n.pending!.params)}</td></tr>`);
  const skipped = model.nodes
    .filter((n) => n.outcome === "skipped")
    .map((n) => `<tr><th scope="row">${stepLink(n.id)}</th><td class="msg">${n.note ? escapeHtml(n.note) : `<span class="muted">no reason recorded</span>`}</td></tr>`);
  return listTable("Errors", "errors", errors) + listTable("Waiting for approval", "pending", pending) + listTable("Skipped", "skipped", skipped);
}

function compact(value: unknown): string {
  if (value === undefined) return "";
  const s = prettyJson(value).replace(/\s*\n\s*/g, " ");
  return s.length > 400 ? `${s.slice(0, 399)}…` : s;
}

/** The decisions table (branch, source, reason, timing). */
export function renderDecisions(model: ReportModel): string {
  const rows = model.nodes.filter((n) => n.kind === "decision");
  if (rows.length === 0) return "";
  return (
    `<h3>Decisions <span class="count">${rows.length}</span></h3>` +
    `<table class="grid decisions"><thead><tr><th>Decision</th><th>Branch</th><th>Source</th><th>Reason</th><th class="num">At</th><th class="num">Latency</th></tr></thead><tbody>` +
    rows
      .map((n) => {
        const d = n.decision;
        return (
          `<tr id="${domId("step-", n.id)}" data-step="${escapeHtml(n.id)}"><td><span class="dot o-${n.outcome}"></span>${escapeHtml(n.id)}</td>` +
          `<td>${d ? `<span class="branch">${escapeHtml(d.branch)}</span>` : `<span class="muted">${OUTCOME_LABEL[n.outcome]}</span>`}</td>` +
          `<td>${escapeHtml(d?.source ?? "")}</td><td class="msg">${escapeHtml(d?.reason ?? "")}</td>` +
          `<td class="num">${d?.at_ms !== undefined ? formatMs(d.at_ms) : ""}</td>` +
          `<td class="num">${d?.latency_ms !== undefined ? formatMs(d.latency_ms) : ""}</td></tr>`
        );
      })
      .join("") +
    `</tbody></table>`
  );
}

/** The warnings list (nothing when there are none). */
export function renderWarnings(model: ReportModel): string {
  const warnings = model.input.result.warnings;
  if (warnings.length === 0) return "";
  return (
    `<h3>Warnings <span class="count">${warnings.length}</span></h3><ul class="warnings">` +
    warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("") +
    `</ul>`
  );
}

/** One `<details>` per step, failed ones open. */
export function renderStepDetails(model: ReportModel, options: ResultsOptions): string {
  const steps = model.nodes.filter((n) => n.kind === "step");
  if (steps.length === 0) return `<p class="empty">No steps.</p>`;
  let budget = options.maxTotalOutputChars;
  return steps
    .map((node) => {
      const { html, used } = stepBody(node, options.maxOutputChars, budget);
      budget -= used;
      return stepEntry(node, html);
    })
    .join("");
}

function stepEntry(node: NodeView, body: string): string {
  const duration = node.timing ? formatMs(node.timing.end_ms - node.timing.start_ms) : "";
  const pills: string[] = [];
  if (node.critical) pills.push(`<span class="pill cp">critical path</span>`);
  if (node.attempts !== undefined && node.attempts > 1) pills.push(`<span class="pill attempts">×${node.attempts}</span>`);
  if (node.cached) pills.push(`<span class="pill cached">cached</span>`);
  return (
    `<details class="step o-${node.outcome}" id="${domId("step-", node.id)}" data-step="${escapeHtml(node.id)}"${
      node.outcome === "failed" ? " open" : ""
    }>` +
    `<summary><span class="dot"></span><span class="step-id">${escapeHtml(node.id)}</span>` +
    `${node.tool ? `<span class="tool">${escapeHtml(node.tool)}</span>` : ""}` +
    `<span class="status">${OUTCOME_LABEL[node.outcome]}</span>${pills.join("")}` +
    `<span class="dur">${duration}</span></summary>` +
    `<div class="step-body">${body}</div></details>`
  );
}

function stepBody(node: NodeView, maxChars: number, budget: number): { html: string; used: number } {
  const parts: string[] = [];
  let used = 0;
  const show = (label: string, value: unknown): void => {
    const shown = showValue(value, maxChars, budget - used);
    used += shown.used;
    parts.push(`<div class="io"><p class="label">${label}</p>${shown.html}</div>`);
  };
  if (node.timing) {
    parts.push(
      `<p class="meta">Started at ${formatMs(node.timing.start_ms)}, ended at ${formatMs(node.timing.end_ms)}` +
        `${node.attempts !== undefined ? `, ${node.attempts} attempt${node.attempts === 1 ? "" : "s"}` : ""}.</p>`,
    );
  }
  if (node.error !== undefined) {
    parts.push(`<div class="error-box">${codePill(node)}${escapeHtml(node.error)}</div>`);
  }
  if (node.note !== undefined) parts.push(`<p class="meta">${node.outcome === "skipped" ? "Skipped: " : ""}${escapeHtml(node.note)}.</p>`);
  else if (node.outcome === "skipped") parts.push(`<p class="meta">Skipped.</p>`);
  if (node.pending) show("Waiting for approval — the input it will be called with", node.pending.params ?? {});
  if (node.hasInput) show(node.outcome === "failed" ? `Called <code>${escapeHtml(node.tool ?? "the tool")}</code> with` : "Input", node.input);
  if (node.hasResult) show("Output", node.result);
  else if (node.outcome === "done") parts.push(`<p class="meta">No output recorded.</p>`);
  if (node.iterations && node.iterations.length > 0) {
    node.iterations.forEach((it, i) => show(`Iteration ${i + 1} of ${node.iterations!.length}`, it));
  }
  return { html: parts.join(""), used };
}

/** Raw JSON is offered beside the readable view when the view left something out, or costs little. */
const RAW_ALWAYS_CHARS = 1024;

/** The readable view of a value, plus its raw JSON folded, within the output budget. */
function showValue(value: unknown, maxChars: number, budget: number): { html: string; used: number } {
  const limit = Math.min(maxChars, Math.max(0, budget));
  if (limit <= 0) {
    return { html: `<p class="note">Left out: the report's size budget for outputs is used up.</p>`, used: 0 };
  }
  const view = valueView(value, { maxChars: limit });
  const rawLimit = Math.min(maxChars, Math.max(0, budget - view.used));
  const pretty = prettyJson(value);
  if (!(view.lossy || pretty.length <= RAW_ALWAYS_CHARS) || rawLimit <= 0) {
    const cut = view.lossy ? `<p class="note">Cut: the report's size budget for outputs is used up.</p>` : "";
    return { html: `<div class="value">${view.html}</div>${cut}`, used: view.used };
  }
  const raw = jsonView(value, rawLimit);
  const note = raw.truncated
    ? rawLimit < maxChars
      ? `<p class="note">Showing the first ${formatBytes(rawLimit)} of ${formatBytes(raw.fullChars)}: the report's size budget for outputs is used up.</p>`
      : `<p class="note">${escapeHtml(truncationNote(raw, rawLimit))}</p>`
    : "";
  return {
    html:
      `<div class="value">${view.html}</div>` +
      `<details class="raw"><summary>JSON</summary><pre class="json">${raw.html}${raw.truncated ? "\n…" : ""}</pre>${note}</details>`,
    used: view.used + Math.min(raw.fullChars, rawLimit),
  };
}
