import { escapeHtml, domId, formatMs, formatBytes } from "./escape.js";
import { jsonView, prettyJson, truncationNote } from "./json-view.js";
import { OUTCOME_LABEL, type NodeView, type ReportModel } from "./model.js";

/**
 * The results part of the report: problems first (errors, pending approvals, skips with their
 * reasons), then decisions and warnings, then one collapsible entry per step with its output as
 * escaped, highlighted JSON, cut to a size budget so a report of a large run stays small.
 */

export interface ResultsOptions {
  /** Most characters of one step's pretty JSON shown in the page. */
  maxOutputChars: number;
  /** Most characters of all outputs together; later steps then show a note only. */
  maxTotalOutputChars: number;
}

const text = (value: unknown): string => (typeof value === "string" ? value : prettyJson(value));

const stepLink = (id: string): string => `<a class="ref" href="#${domId("step-", id)}">${escapeHtml(id)}</a>`;

/** Errors, pending approvals and skipped steps, each as a compact table (nothing when empty). */
export function renderProblems(model: ReportModel): string {
  const out: string[] = [];
  const failed = model.nodes.filter((n) => n.error !== undefined);
  if (failed.length > 0) {
    out.push(
      `<h3>Errors <span class="count">${failed.length}</span></h3><table class="list errors"><tbody>` +
        failed
          .map(
            (n) =>
              `<tr><th scope="row">${stepLink(n.id)}</th><td class="msg">${escapeHtml(text(n.error))}` +
              `${n.attempts !== undefined && n.attempts > 1 ? ` <span class="pill attempts">after ${n.attempts} attempts</span>` : ""}</td></tr>`,
          )
          .join("") +
        `</tbody></table>`,
    );
  }
  const pending = model.nodes.filter((n) => n.pending !== undefined);
  if (pending.length > 0) {
    out.push(
      `<h3>Waiting for approval <span class="count">${pending.length}</span></h3><table class="list pending"><tbody>` +
        pending
          .map(
            (n) =>
              `<tr><th scope="row">${stepLink(n.id)}</th><td>${escapeHtml(n.pending?.tool ?? n.tool ?? "")}</td>` +
              `<td><code class="inline-json">${escapeHtml(compact(n.pending?.params))}</code></td></tr>`,
          )
          .join("") +
        `</tbody></table>`,
    );
  }
  const skipped = model.nodes.filter((n) => n.outcome === "skipped");
  if (skipped.length > 0) {
    out.push(
      `<h3>Skipped <span class="count">${skipped.length}</span></h3><table class="list skipped"><tbody>` +
        skipped
          .map(
            (n) =>
              `<tr><th scope="row">${stepLink(n.id)}</th><td class="msg">${
                n.skipReason ? escapeHtml(n.skipReason) : `<span class="muted">no reason recorded</span>`
              }</td></tr>`,
          )
          .join("") +
        `</tbody></table>`,
    );
  }
  return out.join("");
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
  if (node.timing) {
    parts.push(
      `<p class="meta">Started at ${formatMs(node.timing.start_ms)}, ended at ${formatMs(node.timing.end_ms)}` +
        `${node.attempts !== undefined ? `, ${node.attempts} attempt${node.attempts === 1 ? "" : "s"}` : ""}.</p>`,
    );
  }
  if (node.error !== undefined) parts.push(`<div class="error-box">${escapeHtml(text(node.error))}</div>`);
  if (node.outcome === "skipped") {
    parts.push(`<p class="meta">Skipped${node.skipReason ? `: ${escapeHtml(node.skipReason)}` : "."}</p>`);
  }
  if (node.pending) {
    parts.push(`<p class="meta">Waiting for approval. Resolved input:</p>`);
    const shown = showJson(node.pending.params ?? {}, maxChars, budget);
    used += shown.used;
    parts.push(shown.html);
  }
  if (node.hasResult) {
    const shown = showJson(node.result, maxChars, budget - used);
    used += shown.used;
    parts.push(`<p class="label">Output</p>${shown.html}`);
  } else if (node.outcome === "done") {
    parts.push(`<p class="meta">No output recorded.</p>`);
  }
  if (node.iterations && node.iterations.length > 0) {
    parts.push(`<p class="label">Iterations (${node.iterations.length})</p>`);
    node.iterations.forEach((it, i) => {
      const shown = showJson(it, maxChars, budget - used);
      used += shown.used;
      parts.push(`<p class="sublabel">#${i + 1}</p>${shown.html}`);
    });
  }
  return { html: parts.join(""), used };
}

function showJson(value: unknown, maxChars: number, budget: number): { html: string; used: number } {
  const limit = Math.min(maxChars, Math.max(0, budget));
  if (limit <= 0) {
    return { html: `<p class="note">Output left out: the report's size budget for outputs is used up.</p>`, used: 0 };
  }
  const view = jsonView(value, limit);
  const note = view.truncated
    ? limit < maxChars
      ? `<p class="note">Showing the first ${formatBytes(limit)} of ${formatBytes(view.fullChars)}: the report's size budget for outputs is used up.</p>`
      : `<p class="note">${escapeHtml(truncationNote(view, limit))}</p>`
    : "";
  return { html: `<pre class="json">${view.html}${view.truncated ? "\n…" : ""}</pre>${note}`, used: Math.min(view.fullChars, limit) };
}
