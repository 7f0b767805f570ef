import { escapeHtml, domId, formatMs, truncate } from "./escape.js";
import { placeEdgeLabels } from "./edge-labels.js";
import { layoutGraph, type GraphLayout, type Point } from "./layout.js";
import { edgeKey, OUTCOME_LABEL, type NodeView, type ReportModel } from "./model.js";

/**
 * The plan's graph as inline SVG: steps as rounded boxes, decisions as diamonds, each coloured by
 * outcome; conditional edges dashed with their branch label, the branch not taken faded; loop
 * (back) edges as arcs above the nodes; the critical path in the accent colour. Every node links
 * to its entry in the results and carries a `<title>` tooltip, so it reads without JavaScript.
 */

const STEP_SIZE = { height: 48 };
const DECISION_SIZE = { width: 132, height: 64 };
const FIT_MAX_WIDTH = 2000;

// Approximate advance widths of the node fonts (12.5px semibold ids, 11px subtitles, 9.5px
// badges); the page uses system fonts, so these err on the wide side.
const ID_CHAR = 7.7;
const SUB_CHAR = 6.3;
const BADGE_CHAR = 6.2;
const STEP_MIN_WIDTH = 150;
const STEP_MAX_WIDTH = 250;

/** The layout used for the report's graph (exported for tests and benchmarks). */
export function layoutReportGraph(model: ReportModel): GraphLayout {
  const hasBack = model.input.graph.edges.some((e) => e.back === true || e.from === e.to);
  return layoutGraph(
    model.nodes.map((n) =>
      n.kind === "decision"
        ? { id: n.id, ...DECISION_SIZE, centerPorts: true }
        : { id: n.id, width: stepWidth(n), height: STEP_SIZE.height },
    ),
    model.input.graph.edges,
    { layerGap: 52, margin: { top: hasBack ? 72 : 20, right: 24, bottom: 20, left: 24 } },
  );
}

function stepBadges(node: NodeView): string[] {
  const badges: string[] = [];
  if (node.attempts !== undefined && node.attempts > 1) badges.push(`×${node.attempts}`);
  if (node.cached) badges.push("cached");
  if (node.iterations && node.iterations.length > 0) badges.push(`↻${node.iterations.length}`);
  return badges;
}

const badgeWidth = (b: string): number => 8 + b.length * BADGE_CHAR;

function stepSubtitle(node: NodeView): string {
  const duration = node.timing ? formatMs(node.timing.end_ms - node.timing.start_ms) : undefined;
  const sub = [node.tool, duration].filter((s) => s !== undefined).join(" · ");
  return sub || OUTCOME_LABEL[node.outcome];
}

/** Wide enough for the id on the first line and subtitle plus badges on the second, within bounds. */
function stepWidth(node: NodeView): number {
  const badges = stepBadges(node).reduce((w, b) => w + badgeWidth(b) + 4, 0);
  const idWidth = 14 + Array.from(node.id).length * ID_CHAR + 10;
  const subWidth = 14 + Array.from(stepSubtitle(node)).length * SUB_CHAR + 8 + badges + 4;
  return Math.round(Math.min(STEP_MAX_WIDTH, Math.max(STEP_MIN_WIDTH, idWidth, subWidth)));
}

/** The graph section's SVG (or a short note when there is nothing to draw). */
export function renderGraphSvg(model: ReportModel, layout: GraphLayout = layoutReportGraph(model)): string {
  if (layout.nodes.length === 0) return `<p class="empty">The plan has no steps.</p>`;
  const edgesIn = model.input.graph.edges;
  const labelAt = placeEdgeLabels(
    layout,
    layout.edges.flatMap((placed, i) => {
      const label = edgesIn[placed.index]!.label;
      return !placed.back && label !== undefined ? [{ edge: i, text: truncate(label, 16) }] : [];
    }),
  );
  // The layout may have found loops the input did not flag: check cycles on layout's verdict.
  const edgeSvg = layout.edges.map((placed, i) => {
    const e = edgesIn[placed.index]!;
    const from = model.byId.get(placed.from)!;
    const critical = !placed.back && model.criticalEdges.has(edgeKey(placed.from, placed.to));
    const notTaken =
      from.kind === "decision" && from.decision !== undefined && e.label !== undefined && e.label !== from.decision.branch;
    const classes = ["edge"];
    if (e.conditional || e.label !== undefined) classes.push("conditional");
    if (placed.back) classes.push("back");
    if (critical) classes.push("cp");
    if (notTaken) classes.push("not-taken");
    const marker = placed.back ? "arrow-back" : critical ? "arrow-cp" : notTaken ? "arrow-muted" : "arrow";
    const d = placed.back ? backPath(placed.points) : forwardPath(placed.points);
    const title = `${placed.from} → ${placed.to}${e.label ? ` (${e.label})` : ""}${placed.back ? " · loop" : ""}${
      notTaken ? " · not taken" : ""
    }`;
    let label = "";
    const text = e.label ?? (placed.back ? "loop" : undefined);
    if (text !== undefined) {
      const at = placed.back ? backLabelPoint(placed.points) : (labelAt.get(i) ?? placed.points[0]!);
      label = `<text class="edge-label" x="${fmt(at.x)}" y="${fmt(at.y)}">${escapeHtml(truncate(text, 16))}</text>`;
    }
    return (
      `<g class="${classes.join(" ")}" data-from="${escapeHtml(placed.from)}" data-to="${escapeHtml(placed.to)}">` +
      `<title>${escapeHtml(title)}</title>` +
      `<path d="${d}" marker-end="url(#${marker})"/>${label}</g>`
    );
  });
  // Draw critical edges last so they sit on top of the others.
  const order = layout.edges.map((_, i) => i).sort((a, b) => rank(edgeSvg[a]!) - rank(edgeSvg[b]!));
  const nodesSvg = layout.nodes.map((p) => renderNode(model.byId.get(p.id)!, p.x, p.y, p.width, p.height));

  const w = Math.ceil(layout.width);
  const h = Math.ceil(layout.height);
  // Up to this width the drawing shrinks to fit the page (text stays legible); wider ones scroll.
  const fit = w <= FIT_MAX_WIDTH ? ` fit" style="max-width:${w}px` : "";
  return (
    `<svg class="graph${fit}" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" role="img" ` +
    `aria-label="Plan graph: ${model.nodes.length} nodes">` +
    `<defs>${marker("arrow", "#868e96")}${marker("arrow-cp", "var(--cp)")}${marker("arrow-back", "var(--loop)")}${marker(
      "arrow-muted",
      "#ced4da",
    )}</defs>` +
    `<g class="edges">${order.map((i) => edgeSvg[i]).join("")}</g>` +
    `<g class="nodes">${nodesSvg.join("")}</g></svg>`
  );
}

function rank(svg: string): number {
  if (svg.includes("not-taken")) return 0;
  if (svg.includes(" cp")) return 2;
  return 1;
}

function marker(id: string, colour: string): string {
  return (
    `<marker id="${id}" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="9" markerHeight="9" orient="auto-start-reverse">` +
    `<path d="M0,1 L9,5 L0,9 z" fill="${colour}"/></marker>`
  );
}

function renderNode(node: NodeView, x: number, y: number, w: number, h: number): string {
  const classes = ["node", node.kind, `o-${node.outcome}`];
  if (node.critical) classes.push("cp");
  if (node.cached) classes.push("cached");
  const duration = node.timing ? formatMs(node.timing.end_ms - node.timing.start_ms) : undefined;
  const tip = [
    `${node.kind === "decision" ? "decision" : "step"} ${node.id}`,
    node.tool ? `tool: ${node.tool}` : undefined,
    `outcome: ${OUTCOME_LABEL[node.outcome]}`,
    duration ? `duration: ${duration}` : undefined,
    node.timing ? `start ${formatMs(node.timing.start_ms)} → end ${formatMs(node.timing.end_ms)}` : undefined,
    node.attempts !== undefined && node.attempts > 1 ? `attempts: ${node.attempts}` : undefined,
    node.cached ? "served from cache" : undefined,
    node.decision ? `branch: ${node.decision.branch}${node.decision.source ? ` (${node.decision.source})` : ""}` : undefined,
    node.note ? `${node.outcome === "skipped" ? "skipped: " : ""}${node.note}` : undefined,
    node.critical ? "on the critical path" : undefined,
  ]
    .filter((s) => s !== undefined)
    .join("\n");

  let body: string;
  if (node.kind === "decision") {
    const cx = w / 2;
    const cyy = h / 2;
    body =
      `<polygon class="shape" points="${fmt(cx)},1 ${fmt(w - 1)},${fmt(cyy)} ${fmt(cx)},${fmt(h - 1)} 1,${fmt(cyy)}"/>` +
      `<text class="node-id" x="${fmt(cx)}" y="${fmt(cyy - 2)}" text-anchor="middle">${escapeHtml(truncate(node.id, 13))}</text>` +
      `<text class="node-sub" x="${fmt(cx)}" y="${fmt(cyy + 12)}" text-anchor="middle">${escapeHtml(
        node.decision ? `→ ${truncate(node.decision.branch, 8)}` : OUTCOME_LABEL[node.outcome],
      )}</text>`;
  } else {
    // badges sit at the right end of the second line; the subtitle gets what is left
    let bx = w - 6;
    const badgeSvg = stepBadges(node)
      .reverse()
      .map((b) => {
        const bw = badgeWidth(b);
        bx -= bw;
        const svg =
          `<g class="badge" transform="translate(${fmt(bx)} ${h - 20})"><rect width="${fmt(bw)}" height="14" rx="7"/>` +
          `<text x="${fmt(bw / 2)}" y="10.5" text-anchor="middle">${escapeHtml(b)}</text></g>`;
        bx -= 4;
        return svg;
      })
      .join("");
    const subMax = Math.max(4, Math.floor((bx - 14) / SUB_CHAR));
    const idMax = Math.max(4, Math.floor((w - 14 - 8) / ID_CHAR));
    body =
      `<rect class="shape" x="0.5" y="0.5" width="${w - 1}" height="${h - 1}" rx="6"/>` +
      `<rect class="strip" x="0.5" y="0.5" width="5" height="${h - 1}" rx="2.5"/>` +
      `<text class="node-id" x="14" y="20">${escapeHtml(truncate(node.id, idMax))}</text>` +
      `<text class="node-sub" x="14" y="37">${escapeHtml(truncate(stepSubtitle(node), subMax))}</text>` +
      badgeSvg;
  }
  return (
    `<g class="${classes.join(" ")}" data-step="${escapeHtml(node.id)}" data-kind="${node.kind}" data-outcome="${node.outcome}"` +
    `${node.critical ? ` data-critical="true"` : ""} transform="translate(${fmt(x)} ${fmt(y)})">` +
    `<title>${escapeHtml(tip)}</title><a href="#${domId("step-", node.id)}">${body}</a></g>`
  );
}

/** Smooth left-to-right curve through the points (horizontal tangents at every point). */
function forwardPath(points: readonly Point[]): string {
  const first = points[0]!;
  let d = `M${fmt(first.x)},${fmt(first.y)}`;
  for (let i = 1; i < points.length; i++) {
    const p = points[i - 1]!;
    const q = points[i]!;
    const dx = (q.x - p.x) / 2;
    d += ` C${fmt(p.x + dx)},${fmt(p.y)} ${fmt(q.x - dx)},${fmt(q.y)} ${fmt(q.x)},${fmt(q.y)}`;
  }
  return d;
}

/** An arc above the nodes from the source's top to the target's top (a small loop for a self-edge). */
function backPath(points: readonly Point[]): string {
  const s = points[0]!;
  const t = points[points.length - 1]!;
  if (Math.abs(s.x - t.x) < 1 && Math.abs(s.y - t.y) < 1) {
    return `M${fmt(s.x + 14)},${fmt(s.y)} C${fmt(s.x + 30)},${fmt(s.y - 40)} ${fmt(s.x - 30)},${fmt(s.y - 40)} ${fmt(s.x - 14)},${fmt(s.y)}`;
  }
  const lift = backLift(s, t);
  const top = Math.min(s.y, t.y) - lift;
  return `M${fmt(s.x)},${fmt(s.y)} C${fmt(s.x)},${fmt(top)} ${fmt(t.x)},${fmt(top)} ${fmt(t.x)},${fmt(t.y)}`;
}

function backLift(s: Point, t: Point): number {
  return Math.min(64, 28 + Math.abs(s.x - t.x) * 0.08);
}

function backLabelPoint(points: readonly Point[]): Point {
  const s = points[0]!;
  const t = points[points.length - 1]!;
  if (Math.abs(s.x - t.x) < 1) return { x: s.x, y: s.y - 34 };
  // a cubic with both control points at `top` peaks at 3/4 of the lift
  return { x: (s.x + t.x) / 2, y: Math.min(s.y, t.y) - backLift(s, t) * 0.75 - 5 };
}

function fmt(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}
