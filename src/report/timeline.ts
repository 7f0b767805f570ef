import { escapeHtml, domId, formatMs, truncate } from "./escape.js";
import { OUTCOME_LABEL, type NodeView, type ReportModel } from "./model.js";

/**
 * The Gantt-style timeline, trace-viewer style: one row per step (timed rows by start time, then
 * the steps that never ran), a bar from `start_ms` to `end_ms` coloured by outcome, attempts and
 * cache hits as pills, decisions as diamonds at the moment they were taken, the critical path
 * outlined in the accent colour, and a time axis with round ticks. Plain HTML positioned in
 * percent, so it stays crisp at any width and needs no script.
 */

/** Round tick values for an axis from 0 to `max`: steps of 1, 2, 2.5 or 5 × 10^k, about `target` of them. */
export function axisTicks(max: number, target = 8): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0];
  const raw = max / target;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let i = 0; i * step <= max * (1 + 1e-9); i++) ticks.push(Number((i * step).toPrecision(12)));
  return ticks;
}

const pct = (ms: number, horizon: number): string => `${((ms / horizon) * 100).toFixed(3)}%`;

/** The narrowest track the page is laid out for (px): label sizes are judged against it. */
const TRACK_PX = 700;
const CHAR_PX = 6.6;
const PILL_PX = 34;

/**
 * Where a bar's text goes: after the bar when there is room to its right, else before it when
 * there is room to its left, else inside the bar (which is then most of the track wide). Text
 * must never run out of the track, where the row's label and its critical-path badge sit.
 */
export function labelSide(start: number, end: number, horizon: number, textPx: number): "after" | "before" | "inside" {
  const need = (textPx + 12) / TRACK_PX;
  if (1 - end / horizon >= need) return "after";
  if (start / horizon >= need) return "before";
  return "inside";
}

/** Rows in display order: timed nodes by start (decisions among them), then the rest in graph order. */
function timelineRows(model: ReportModel): NodeView[] {
  const timed = model.nodes.filter((n) => n.timing !== undefined);
  timed.sort((a, b) => a.timing!.start_ms - b.timing!.start_ms || a.timing!.end_ms - b.timing!.end_ms);
  const untimed = model.nodes.filter((n) => n.timing === undefined && (n.kind === "step" || n.decision !== undefined));
  return [...timed, ...untimed];
}

/** The timeline section's body. */
export function renderTimeline(model: ReportModel): string {
  const rows = timelineRows(model);
  if (rows.length === 0) return `<p class="empty">Nothing ran.</p>`;
  const horizon = model.horizonMs > 0 ? model.horizonMs : 1;
  const ticks = axisTicks(horizon);

  const tickLabels = ticks
    .map((t, i) => {
      const edge = i === 0 ? " first" : t / horizon > 0.97 ? " last" : "";
      return `<span class="tick${edge}" style="left:${pct(t, horizon)}">${escapeHtml(formatMs(t))}</span>`;
    })
    .join("");
  const gridLines = ticks.map((t) => `<span class="grid-line" style="left:${pct(t, horizon)}"></span>`).join("");
  const makespanLine =
    model.makespanMs > 0
      ? `<span class="makespan-line" style="left:${pct(model.makespanMs, horizon)}" title="${escapeHtml(makespanTitle(model))}"></span>`
      : "";

  const body = rows.map((node) => renderRow(node, horizon, model.input.result.items?.[node.id])).join("");
  const warm = model.input.result.warm_up_ms;
  const warmNote =
    warm !== undefined && warm > 0
      ? `<p class="tl-warm">Before 0 ms the tools warmed up for ${escapeHtml(formatMs(warm))} (opening databases and connections); that time is not on this axis nor in any bar.</p>`
      : "";
  return (
    criticalChain(model) +
    warmNote +
    `<div class="timeline" role="table" aria-label="Step timeline">` +
    `<div class="tl-axis" role="row"><div class="tl-label tl-head">Step</div><div class="tl-track">${tickLabels}</div></div>` +
    `<div class="tl-rows"><div class="tl-grid" aria-hidden="true">${gridLines}${makespanLine}</div>${body}</div>` +
    `</div>`
  );
}

/** "makespan 11.6 s (10.1 s of it waiting for approval)": the line marks wall time, wait included. */
function makespanTitle(model: ReportModel): string {
  const wait = model.input.result.approval_wait_ms;
  return `makespan ${formatMs(model.makespanMs)}${wait > 0 ? ` (${formatMs(wait)} of it waiting for approval)` : ""}`;
}

const CHAIN_MAX = 24;

/** "Critical path: a → b → c · 1.45 s", the ids linking to their results. */
function criticalChain(model: ReportModel): string {
  const path = model.criticalPath;
  if (path.length === 0) return "";
  const shown = path.slice(0, CHAIN_MAX).map((id) => `<a href="#${domId("step-", id)}">${escapeHtml(id)}</a>`);
  const more = path.length > CHAIN_MAX ? ` <span class="muted">… and ${path.length - CHAIN_MAX} more</span>` : "";
  const ms = model.criticalPathMs !== undefined ? ` <span class="muted">· ${escapeHtml(formatMs(model.criticalPathMs))}</span>` : "";
  return `<p class="cp-chain"><span class="k">Critical path</span> ${shown.join(`<span class="arrow">→</span>`)}${more}${ms}</p>`;
}

type Items = NonNullable<ReportModel["input"]["result"]["items"]>[string];

function renderRow(node: NodeView, horizon: number, items?: Items): string {
  const classes = ["tl-row", node.kind, `o-${node.outcome}`];
  if (node.critical) classes.push("cp");
  const label =
    `<div class="tl-label" role="cell">` +
    `<span class="dot" aria-hidden="true"></span>` +
    `<a class="tl-id" href="#${domId("step-", node.id)}" title="${escapeHtml(node.id)}">${escapeHtml(truncate(node.id, 26))}</a>` +
    (node.tool ? `<span class="tl-tool" title="${escapeHtml(node.tool)}">${escapeHtml(truncate(node.tool, 18))}</span>` : "") +
    (node.critical ? `<span class="cp-tag" title="on the critical path">CP</span>` : "") +
    `</div>`;
  let track: string;
  if (node.kind === "decision") track = decisionMarker(node, horizon);
  else if (node.timing) track = stepBar(node, horizon, items) + (items ? elementTicks(node.id, items, horizon) : "");
  else {
    const why = node.note ? ` — ${node.note}` : "";
    track = `<span class="tl-note">${escapeHtml(OUTCOME_LABEL[node.outcome] + why)}</span>`;
  }
  return (
    `<div class="${classes.join(" ")}" data-step="${escapeHtml(node.id)}" role="row">` +
    `${label}<div class="tl-track" role="cell">${track}</div></div>`
  );
}

/** A for_each step's elements under its bar: one thin segment per element, at its own span. */
function elementTicks(id: string, items: Items, horizon: number): string {
  return items.elements
    .filter((e) => e.start_ms !== undefined && e.end_ms !== undefined)
    .map((e) => {
      const start = Math.max(0, e.start_ms!);
      const width = Math.max(0, e.end_ms! - start);
      const tip = `${id}[${e.index}]: ${e.status}, ${formatMs(start)} → ${formatMs(start + width)} (${formatMs(width)})`;
      return (
        `<div class="el-bar o-${e.status}" data-element="${e.index}" title="${escapeHtml(tip)}"` +
        ` style="position:absolute;bottom:0;height:3px;background:${e.status === "done" ? "#2e7d32" : "#c62828"};left:${pct(start, horizon)};width:${pct(width, horizon)}"></div>`
      );
    })
    .join("");
}

function stepBar(node: NodeView, horizon: number, items?: Items): string {
  const t = node.timing!;
  const start = Math.max(0, t.start_ms);
  const end = Math.max(start, t.end_ms);
  const duration = end - start;
  const pills: string[] = [];
  if (node.attempts !== undefined && node.attempts > 1) pills.push(`<span class="pill attempts" title="${node.attempts} attempts">×${node.attempts}</span>`);
  if (node.cached) pills.push(`<span class="pill cached" title="served from cache">cached</span>`);
  if (items) pills.push(`<span class="pill items" title="${items.done} of ${items.total} elements done, ${items.failed} failed">${items.done}/${items.total}${items.failed ? ` ✗${items.failed}` : ""}</span>`);
  if (node.iterations && node.iterations.length > 0) pills.push(`<span class="pill">↻${node.iterations.length}</span>`);
  const side = labelSide(start, end, horizon, formatMs(duration).length * CHAR_PX + pills.length * PILL_PX);
  const tip = `${node.id}: ${OUTCOME_LABEL[node.outcome]}, ${formatMs(start)} → ${formatMs(end)} (${formatMs(duration)})${
    node.attempts !== undefined && node.attempts > 1 ? `, ${node.attempts} attempts` : ""
  }${node.cached ? ", cached" : ""}${node.critical ? ", critical path" : ""}`;
  return (
    `<div class="bar o-${node.outcome}${node.critical ? " cp" : ""}${node.cached ? " cached" : ""}" data-step="${escapeHtml(node.id)}"` +
    `${node.critical ? ` data-critical="true"` : ""}` +
    ` style="left:${pct(start, horizon)};width:${pct(duration, horizon)}" title="${escapeHtml(tip)}">` +
    `<span class="bar-text ${side}">${escapeHtml(formatMs(duration))}${pills.join("")}</span></div>`
  );
}

function decisionMarker(node: NodeView, horizon: number): string {
  const d = node.decision;
  const t = node.timing;
  if (!t) {
    const what = d ? `→ ${d.branch}${d.source ? ` · ${d.source}` : ""} (no time recorded)` : OUTCOME_LABEL[node.outcome];
    return `<span class="tl-note">${escapeHtml(what)}</span>`;
  }
  const at = Math.max(0, t.end_ms);
  const latency = Math.max(0, t.end_ms - t.start_ms);
  const text = d ? `→ ${d.branch}${d.source ? ` · ${d.source}` : ""}${latency > 0 ? ` · ${formatMs(latency)}` : ""}` : "";
  const side = labelSide(at, at, horizon, text.length * CHAR_PX) === "after" ? "after" : "before";
  const span =
    latency > 0
      ? `<span class="latency" style="left:${pct(t.start_ms, horizon)};width:${pct(latency, horizon)}"></span>`
      : "";
  const tip = `decision ${node.id}${d ? `: ${d.branch}${d.source ? ` (${d.source})` : ""}` : ""} at ${formatMs(at)}${
    d?.reason ? ` — ${d.reason}` : ""
  }`;
  return (
    `${span}<span class="diamond${node.critical ? " cp" : ""}" data-decision="${escapeHtml(node.id)}" style="left:${pct(at, horizon)}" title="${escapeHtml(tip)}">` +
    `<span class="bar-text ${side}">${escapeHtml(text)}</span></span>`
  );
}
