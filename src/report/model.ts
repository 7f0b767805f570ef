import type { z } from "zod";
import type { DecisionResultSchema, PendingApproval, RunResult } from "../model/result.js";
import type { ReportEdge, ReportInput } from "./input.js";

/**
 * The report's reading of a run: one view per graph node (its outcome, timing, input, output…).
 * Everything it knows comes from the run's result — the critical path, skip reasons and inputs
 * are the engine's, never recomputed here. Pure: every renderer draws from this one model so the
 * graph, timeline and results never disagree.
 */

/** How a node ended, which is also its colour everywhere in the report. */
export type Outcome = "done" | "failed" | "skipped" | "pending" | "notrun";

/** How each outcome is written on the page. */
export const OUTCOME_LABEL: Readonly<Record<Outcome, string>> = {
  done: "done",
  failed: "failed",
  skipped: "skipped",
  pending: "pending approval",
  notrun: "not run",
};

/** One decision's outcome as the result records it (branch, source, reason, timing). */
export type DecisionResult = z.infer<typeof DecisionResultSchema>;

/** `{ start_ms, end_ms }`, milliseconds from the start of the run. */
export type StepTiming = RunResult["timings"][string];

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
  /** The input the tool was called with, when the run recorded it. */
  hasInput: boolean;
  input: unknown;
  error: string | undefined;
  errorCode: string | undefined;
  /** Why a step did not run: the engine's skip reason, or that it waits on an approval. */
  note: string | undefined;
  decision: DecisionResult | undefined;
  pending: PendingApproval | undefined;
  iterations: unknown[] | undefined;
}

export interface ReportModel {
  input: ReportInput;
  /** Graph nodes first (in graph order), then any id the result names that the graph lacks. */
  nodes: NodeView[];
  byId: Map<string, NodeView>;
  /** Ids along the critical path, in order (the result's `critical_path`). */
  criticalPath: string[];
  /** Edge keys (`edgeKey`) on the critical path. */
  criticalEdges: Set<string>;
  criticalPathMs: number;
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

/** Every node id with its kind: the graph's first, then ids only the result names. */
function nodeKinds(input: ReportInput): Map<string, { kind: "step" | "decision"; tool: string | undefined }> {
  const r = input.result;
  const kinds = new Map<string, { kind: "step" | "decision"; tool: string | undefined }>();
  for (const node of input.graph.nodes) {
    if (!kinds.has(node.id)) kinds.set(node.id, { kind: node.kind, tool: node.tool });
  }
  const addStep = (id: string, tool?: string): void => {
    if (!kinds.has(id)) kinds.set(id, { kind: "step", tool });
  };
  for (const id of Object.keys(r.decisions)) if (!kinds.has(id)) kinds.set(id, { kind: "decision", tool: undefined });
  for (const id of [...Object.keys(r.timings), ...Object.keys(r.results), ...Object.keys(r.errors), ...r.skipped]) addStep(id);
  for (const p of r.pending) addStep(p.step, p.tool);
  return kinds;
}

function outcomeOf(r: RunResult, id: string, timing: StepTiming | undefined, pending: boolean, skipped: boolean): Outcome {
  if (own(r.errors, id) !== undefined) return "failed";
  if (pending) return "pending";
  if (skipped) return "skipped";
  return Object.prototype.hasOwnProperty.call(r.results, id) || own(r.decisions, id) !== undefined || timing ? "done" : "notrun";
}

function nodeView(r: RunResult, id: string, kind: "step" | "decision", tool: string | undefined, sets: { skipped: Set<string>; cached: Set<string>; waiting: Set<string>; pending: Map<string, PendingApproval> }): NodeView {
  const decision = own(r.decisions, id);
  const pending = sets.pending.get(id);
  let timing = own(r.timings, id);
  if (!timing && decision?.at_ms !== undefined) {
    // `at_ms` is when the decision was made; it was being evaluated for `latency_ms` before.
    timing = { start_ms: Math.max(0, decision.at_ms - (decision.latency_ms ?? 0)), end_ms: decision.at_ms };
  }
  const hasResult = Object.prototype.hasOwnProperty.call(r.results, id);
  const hasInput = Object.prototype.hasOwnProperty.call(r.inputs, id);
  const skipped = sets.skipped.has(id);
  const note = skipped ? own(r.skip_reasons, id) : sets.waiting.has(id) ? "waits for a step pending approval" : undefined;
  return {
    id,
    kind,
    tool: tool ?? pending?.tool,
    outcome: outcomeOf(r, id, timing, pending !== undefined, skipped),
    timing,
    attempts: own(r.attempts, id),
    cached: sets.cached.has(id),
    critical: false,
    hasResult,
    result: hasResult ? r.results[id] : undefined,
    hasInput,
    input: hasInput ? r.inputs[id] : undefined,
    error: own(r.errors, id),
    errorCode: own(r.error_codes, id),
    note,
    decision,
    pending,
    iterations: own(r.iterations, id),
  };
}

/** Builds the report model from a validated input. */
export function buildReportModel(input: ReportInput): ReportModel {
  const r = input.result;
  const sets = { skipped: new Set(r.skipped), cached: new Set(r.cached), waiting: new Set(r.waiting), pending: new Map(r.pending.map((p) => [p.step, p])) };
  const nodes: NodeView[] = [];
  const byId = new Map<string, NodeView>();
  for (const [id, { kind, tool }] of nodeKinds(input)) {
    const view = nodeView(r, id, kind, tool, sets);
    nodes.push(view);
    byId.set(id, view);
  }

  const edges = input.graph.edges.filter((e) => byId.has(e.from) && byId.has(e.to));
  const criticalPath = r.critical_path.filter((id) => byId.has(id));
  for (const id of criticalPath) byId.get(id)!.critical = true;
  const criticalEdges = markCriticalEdges(criticalPath, edges, byId);

  let horizon = r.makespan_ms;
  for (const node of nodes) if (node.timing) horizon = Math.max(horizon, node.timing.end_ms);
  const counts: Record<Outcome, number> = { done: 0, failed: 0, skipped: 0, pending: 0, notrun: 0 };
  for (const node of nodes) if (node.kind === "step") counts[node.outcome]++;

  return { input, nodes, byId, criticalPath, criticalEdges, criticalPathMs: r.critical_path_ms, makespanMs: r.makespan_ms, horizonMs: horizon, counts };
}

/**
 * Edges joining consecutive critical ids. The path may list only steps: a decision between two
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
