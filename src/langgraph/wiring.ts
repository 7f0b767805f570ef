import type { PreparedPlan } from "../analysis/prepare.js";
import { PlangraphError, PlanValidationError } from "../model/errors.js";
import { upstreamOf } from "../analysis/graph.js";
import { unique } from "../model/unique.js";

/**
 * How a prepared plan becomes LangGraph edges. Pure: computed once per compile.
 *
 * Rules that keep LangGraph's trigger semantics exact (each node fires at most once per pass):
 * - a node with several sources gets ONE waiting edge (`addEdge([a, b], n)`), never separate
 *   edges (separate edges fire the node once per source: langgraphjs #1535);
 * - a decision's branch targets are triggered by its conditional edge only; any other input of a
 *   target is wired into the decision, so the decision fires after it;
 * - a node that waits on a step that may be skipped by a branch never fires when the branch is
 *   not taken (langgraphjs #2666). For a required dependency that is the rule (the step is
 *   skipped); an optional dependency is instead wired to the nearest nodes that always run, and
 *   the step's node awaits the optional step's outcome from the scheduler.
 */
export interface Wiring {
  /** Sources of each node's single incoming (waiting) edge; empty → from START. */
  sources: Map<string, string[]>;
  /** Nodes triggered only by a decision's conditional edge. */
  branchTargets: Map<string, string>;
  /** Per decision, the nodes each branch routes to (empty branch → END); a loop's branch routes back. */
  branches: Map<string, { then: string[]; else: string[] }>;
  /** Per loop decision, the branch that goes back. */
  loopBranches: Map<string, "then" | "else">;
  /** Nodes with no outgoing edge: wired to END so the picture ends where the plan does. */
  sinks: string[];
}

/** The LangGraph edges of a prepared plan (see {@link Wiring}); a decision layout LangGraph cannot express is BAD_DECISION. */
export function planWiring(prepared: PreparedPlan): Wiring {
  const { branchTargets, branches } = decisionBranches(prepared);
  const anchors = anchorsOf(prepared, branchTargets);
  const sources = new Map<string, string[]>(prepared.order.map((id) => [id, [] as string[]]));
  for (const id of prepared.order) {
    const deps = triggeringDeps(prepared, id);
    const decision = branchTargets.get(id);
    if (decision !== undefined) {
      feedDecision(prepared, id, decision, deps, sources.get(decision)!, anchors);
      continue;
    }
    const optional = prepared.steps.get(id)?.optionalDeps;
    const list = sources.get(id)!;
    for (const dep of deps) {
      for (const source of optional?.has(dep) ? anchors(dep) : [dep]) if (!list.includes(source)) list.push(source);
    }
  }
  const loopBranches = new Map([...prepared.loops].map(([id, loop]) => [id, loop.branch] as const));
  return { sources, branchTargets, branches, loopBranches, sinks: sinksOf(prepared, sources, branchTargets, branches) };
}

/** Each decision's branches, and which decision triggers each branch target; a target of two decisions is BAD_DECISION. */
function decisionBranches(prepared: PreparedPlan): Pick<Wiring, "branchTargets" | "branches"> {
  const issues: PlangraphError[] = [];
  const branchTargets = new Map<string, string>();
  const branches = new Map<string, { then: string[]; else: string[] }>();
  for (const decision of prepared.decisions.values()) {
    const forward = (branch: "then" | "else") => decision.spec[branch].filter((t) => !decision.loopTargets[branch].includes(t));
    const loop = prepared.loops.get(decision.id);
    branches.set(decision.id, {
      then: loop?.branch === "then" ? loop.targets : forward("then"),
      else: loop?.branch === "else" ? loop.targets : forward("else"),
    });
    for (const target of [...forward("then"), ...forward("else")]) {
      const other = branchTargets.get(target);
      if (other !== undefined && other !== decision.id) {
        issues.push(
          new PlangraphError("BAD_DECISION", `step '${target}' is a branch of both '${other}' and '${decision.id}'; let one decision route to it and make the other a dependency`, {
            path: `$.decisions[${decision.index}]`,
            step: decision.id,
          }),
        );
      }
      branchTargets.set(target, decision.id);
    }
  }
  if (issues.length) throw new PlanValidationError(issues);
  return { branchTargets, branches };
}

/**
 * For each node, the nearest nodes that always run and that it comes after: itself if it always
 * runs, else (behind a branch) the anchors of its decision or of its dependencies. Memoised.
 */
function anchorsOf(prepared: PreparedPlan, branchTargets: Map<string, string>): (id: string) => string[] {
  // A node "always runs" unless it sits behind a branch: failed and skipped steps still run
  // their node (it records the outcome), so only untaken branches leave nodes unfired.
  const alwaysRuns = new Map<string, boolean>();
  for (const id of prepared.order) {
    const deps = prepared.graph.deps.get(id) ?? [];
    alwaysRuns.set(id, !branchTargets.has(id) && deps.every((d) => alwaysRuns.get(d)));
  }
  const anchorCache = new Map<string, string[]>();
  const anchors = (id: string): string[] => {
    const cached = anchorCache.get(id);
    if (cached) return cached;
    let result: string[];
    if (alwaysRuns.get(id)) result = [id];
    else if (branchTargets.has(id)) result = anchors(branchTargets.get(id)!);
    else result = unique((prepared.graph.deps.get(id) ?? []).flatMap(anchors));
    anchorCache.set(id, result);
    return result;
  };
  return anchors;
}

/** The dependencies whose nodes trigger this node's waiting edge. */
function triggeringDeps(prepared: PreparedPlan, id: string): string[] {
  const loop = prepared.loopOf.get(id);
  const body = loop === undefined ? undefined : prepared.loops.get(loop)!.body;
  const isTarget = loop !== undefined && prepared.loops.get(loop)!.targets.includes(id);
  // Inside a loop body a node is re-triggered each iteration by the body alone: its outside inputs
  // ran once and would never fire a waiting edge again (the scheduler still waits for their data).
  return (prepared.graph.deps.get(id) ?? []).filter((dep) => !body || isTarget || body.has(dep));
}

/** Inputs of a branch target that the decision does not already wait for feed the decision (its `sources`). */
function feedDecision(prepared: PreparedPlan, id: string, decision: string, deps: string[], decisionSources: string[], anchors: (id: string) => string[]): void {
  const upstream = upstreamOf(prepared.graph, decision);
  for (const dep of deps) {
    if (dep === decision || upstream.has(dep)) continue;
    // A loop's decision fires once per iteration from its body only; see triggeringDeps.
    if (prepared.loops.has(decision)) continue;
    if (upstreamOf(prepared.graph, dep).has(decision)) {
      throw new PlanValidationError([
        new PlangraphError(
          "BAD_DECISION",
          `step '${id}' is a branch of '${decision}' but also needs '${dep}', which itself runs after '${decision}'; make '${dep}' the branch target instead`,
          { step: id },
        ),
      ]);
    }
    // Wait only for nodes sure to fire: a required input behind another decision's untaken
    // branch would otherwise keep this decision (and all its branches) from ever firing; the
    // scheduler skips the target itself when that input is skipped.
    for (const anchor of anchors(dep)) if (!decisionSources.includes(anchor)) decisionSources.push(anchor);
  }
}

/** Nodes with no outgoing edge (a decision always has its conditional edge). */
function sinksOf(prepared: PreparedPlan, sources: Map<string, string[]>, branchTargets: Map<string, string>, branches: Map<string, unknown>): string[] {
  const hasOutgoing = new Set<string>();
  for (const [id, list] of sources) if (!branchTargets.has(id)) for (const source of list) hasOutgoing.add(source);
  for (const id of branches.keys()) hasOutgoing.add(id);
  return prepared.order.filter((id) => !hasOutgoing.has(id));
}
