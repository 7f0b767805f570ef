import type { DecisionOutcome, ParsedReportInput, PendingApproval, ReportEdge, StepTiming } from "./types.js";

/**
 * The report's reading of a run: one view per graph node (its outcome, timing, attempts…), the
 * critical path (given or computed), and why skipped steps were skipped. Pure: every renderer
 * draws from this one model so the graph, timeline and results never disagree.
 */

/** How a node ended, which is also its colour everywhere in the report. */
export type Outcome = "done" | "failed" | "skipped" | "pending" | "notrun";

export const OUTCOME_LABEL: Readonly<Record<Outcome, string>> = {
  done: "done",
  failed: "failed",
  skipped: "skipped",
  pending: "pending approval",
  notrun: "not run",
};

export interface NodeView {
  id: string;
  kind: "step" | "decision";
  tool: string | undefined;
  outcome: Outcome;
  /** Measured run time of a step; for a decision, derived from `at_ms`/`latency_ms` when given. */
  timing: StepTiming | undefined;
  attempts: number | undefined;
  cached: boolean;
  critical: boolean;
  hasResult: boolean;
  result: unknown;
  error: unknown;
  skipReason: string | undefined;
  decision: DecisionOutcome | undefined;
  pending: PendingApproval | undefined;
  iterations: unknown[] | undefined;
}

export interface ReportModel {
  input: ParsedReportInput;
  /** Graph nodes first (in graph order), then any id the result names that the graph lacks. */
  nodes: NodeView[];
  byId: Map<string, NodeView>;
  /** Ids along the critical path, in order. */
  criticalPath: string[];
  /** True when the path was computed here from timings rather than given by the run. */
  criticalPathComputed: boolean;
  /** Edge keys (`edgeKey`) on the critical path. */
  criticalEdges: Set<string>;
  /** The result's figure when given, else the sum along the computed path. */
  criticalPathMs: number | undefined;
  makespanMs: number;
  /** Right end of the time axis: the last moment anything happened. */
  horizonMs: number;
  counts: Record<Outcome, number>;
}

/** Key of an edge in `criticalEdges`. */
export function edgeKey(from: string, to: string): string {
  return `${from}\u0000${to}`;
}

const own = <T>(record: Record<string, T>, key: string): T | undefined =>
  Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;

/** Builds the report model from a validated input. */
export function buildReportModel(input: ParsedReportInput): ReportModel {
  const r = input.result;
  const kinds = new Map<string, { kind: "step" | "decision"; tool: string | undefined }>();
  for (const node of input.graph.nodes) {
    if (!kinds.has(node.id)) kinds.set(node.id, { kind: node.kind, tool: node.tool });
  }
  const addStep = (id: string, tool?: string): void => {
    if (!kinds.has(id)) kinds.set(id, { kind: "step", tool });
  };
  for (const id of Object.keys(r.decisions)) if (!kinds.has(id)) kinds.set(id, { kind: "decision", tool: undefined });
  for (const id of Object.keys(r.timings)) addStep(id);
  for (const id of Object.keys(r.results)) addStep(id);
  for (const id of Object.keys(r.errors)) addStep(id);
  for (const id of r.skipped) addStep(id);
  for (const p of r.pending) addStep(p.step, p.tool);

  const skipped = new Set(r.skipped);
  const cached = new Set(r.cached ?? []);
  const pendingById = new Map(r.pending.map((p) => [p.step, p]));

  const nodes: NodeView[] = [];
  const byId = new Map<string, NodeView>();
  for (const [id, { kind, tool }] of kinds) {
    const decision = own(r.decisions, id);
    const pending = pendingById.get(id);
    const hasError = own(r.errors, id) !== undefined;
    const hasResult = Object.prototype.hasOwnProperty.call(r.results, id);
    let timing = own(r.timings, id);
    if (!timing && decision?.at_ms !== undefined) {
      // The runtime's `at_ms` is when the decision was made; it was being evaluated for `latency_ms` before.
      timing = { start_ms: Math.max(0, decision.at_ms - (decision.latency_ms ?? 0)), end_ms: decision.at_ms };
    }
    const outcome: Outcome = hasError
      ? "failed"
      : pending
        ? "pending"
        : skipped.has(id)
          ? "skipped"
          : hasResult || decision || timing
            ? "done"
            : "notrun";
    const view: NodeView = {
      id,
      kind,
      tool: tool ?? pending?.tool,
      outcome,
      timing,
      attempts: r.attempts ? own(r.attempts, id) : undefined,
      cached: cached.has(id),
      critical: false,
      hasResult,
      result: hasResult ? r.results[id] : undefined,
      error: own(r.errors, id),
      skipReason: r.skip_reasons ? own(r.skip_reasons, id) : undefined,
      decision,
      pending,
      iterations: r.iterations ? own(r.iterations, id) : undefined,
    };
    nodes.push(view);
    byId.set(id, view);
  }

  const edges = input.graph.edges.filter((e) => byId.has(e.from) && byId.has(e.to));
  inferSkipReasons(nodes, byId, edges);

  const given = r.critical_path?.filter((id) => byId.has(id));
  const computed = given && given.length > 0 ? undefined : computeCriticalPath(nodes, edges);
  const criticalPath = given && given.length > 0 ? given : computed!.path;
  for (const id of criticalPath) byId.get(id)!.critical = true;
  const criticalEdges = markCriticalEdges(criticalPath, edges, byId);

  let horizon = r.makespan_ms ?? 0;
  for (const node of nodes) if (node.timing) horizon = Math.max(horizon, node.timing.end_ms);
  const counts: Record<Outcome, number> = { done: 0, failed: 0, skipped: 0, pending: 0, notrun: 0 };
  for (const node of nodes) if (node.kind === "step") counts[node.outcome]++;

  let makespan = r.makespan_ms;
  if (makespan === undefined) {
    makespan = 0;
    for (const node of nodes) if (node.timing && node.kind === "step") makespan = Math.max(makespan, node.timing.end_ms);
  }

  return {
    input,
    nodes,
    byId,
    criticalPath,
    criticalPathComputed: computed !== undefined && criticalPath.length > 0,
    criticalEdges,
    criticalPathMs: r.critical_path_ms ?? (computed && criticalPath.length > 0 ? computed.ms : undefined),
    makespanMs: makespan,
    horizonMs: horizon,
    counts,
  };
}

/**
 * Why a node was skipped, when the run did not say: the branch its decision did not take, or a
 * failed/skipped dependency. Steps follow graph order, so a chain of skips reads naturally.
 */
function inferSkipReasons(nodes: NodeView[], byId: Map<string, NodeView>, edges: ReportEdge[]): void {
  const incoming = new Map<string, ReportEdge[]>();
  for (const e of edges) {
    if (e.back) continue;
    const list = incoming.get(e.to);
    if (list) list.push(e);
    else incoming.set(e.to, [e]);
  }
  for (const node of nodes) {
    if (node.outcome !== "skipped" || node.skipReason !== undefined) continue;
    const ins = incoming.get(node.id) ?? [];
    for (const e of ins) {
      const from = byId.get(e.from)!;
      if (from.kind === "decision" && from.decision && e.label !== undefined && e.label !== from.decision.branch) {
        node.skipReason = `decision ${from.id} took “${from.decision.branch}”, not “${e.label}”`;
        break;
      }
    }
    if (node.skipReason !== undefined) continue;
    const failed = ins.find((e) => byId.get(e.from)!.outcome === "failed");
    const skippedDep = ins.find((e) => byId.get(e.from)!.outcome === "skipped");
    if (failed) node.skipReason = `depends on ${failed.from}, which failed`;
    else if (skippedDep) node.skipReason = `depends on ${skippedDep.from}, which was skipped`;
  }
}

/**
 * The longest chain of measured durations through the forward graph, over the nodes that ran
 * (steps by `end_ms - start_ms`, decisions by their latency). Nodes on a cycle are left out.
 */
export function computeCriticalPath(
  nodes: readonly NodeView[],
  edges: readonly ReportEdge[],
): { path: string[]; ms: number } {
  const ran = (v: NodeView): boolean => v.timing !== undefined && v.outcome !== "skipped";
  const weight = new Map<string, number>();
  for (const v of nodes) if (ran(v)) weight.set(v.id, Math.max(0, v.timing!.end_ms - v.timing!.start_ms));
  const out = new Map<string, string[]>();
  const indeg = new Map<string, number>();
  for (const id of weight.keys()) indeg.set(id, 0);
  for (const e of edges) {
    if (e.back || e.from === e.to || !weight.has(e.from) || !weight.has(e.to)) continue;
    const list = out.get(e.from);
    if (list) list.push(e.to);
    else out.set(e.from, [e.to]);
    indeg.set(e.to, indeg.get(e.to)! + 1);
  }
  const best = new Map<string, number>();
  const prev = new Map<string, string>();
  const queue: string[] = [];
  for (const [id, d] of indeg) {
    if (d === 0) queue.push(id);
    best.set(id, weight.get(id)!);
  }
  for (let head = 0; head < queue.length; head++) {
    const u = queue[head]!;
    for (const v of out.get(u) ?? []) {
      const via = best.get(u)! + weight.get(v)!;
      if (via > best.get(v)!) {
        best.set(v, via);
        prev.set(v, u);
      }
      const d = indeg.get(v)! - 1;
      indeg.set(v, d);
      if (d === 0) queue.push(v);
    }
  }
  let end: string | undefined;
  let ms = -1;
  for (const id of queue) {
    if (best.get(id)! > ms) {
      ms = best.get(id)!;
      end = id;
    }
  }
  const path: string[] = [];
  for (let at = end; at !== undefined; at = prev.get(at)) path.push(at);
  return { path: path.reverse(), ms: Math.max(0, ms) };
}

/**
 * Edges joining consecutive critical ids. A given path may list only steps: a decision between two
 * of them (step → decision → step) is then marked too.
 */
function markCriticalEdges(path: readonly string[], edges: readonly ReportEdge[], byId: Map<string, NodeView>): Set<string> {
  const keys = new Set(edges.filter((e) => !e.back).map((e) => edgeKey(e.from, e.to)));
  const outs = new Map<string, string[]>();
  for (const e of edges) {
    if (e.back) continue;
    const list = outs.get(e.from);
    if (list) list.push(e.to);
    else outs.set(e.from, [e.to]);
  }
  const marked = new Set<string>();
  for (let i = 0; i + 1 < path.length; i++) {
    const a = path[i]!;
    const b = path[i + 1]!;
    if (keys.has(edgeKey(a, b))) {
      marked.add(edgeKey(a, b));
      continue;
    }
    const bridge = (outs.get(a) ?? []).find((d) => byId.get(d)?.kind === "decision" && keys.has(edgeKey(d, b)));
    if (bridge !== undefined) {
      marked.add(edgeKey(a, bridge));
      marked.add(edgeKey(bridge, b));
      byId.get(bridge)!.critical = true;
    }
  }
  return marked;
}
