import { PlangraphError } from "../model/errors.js";
import { dependentsOf, downstreamOf, upstreamOf, type DependencyGraph } from "./graph.js";

/** The pseudo step a loop body references for its iteration: `{__loop.iteration}` (1-based). */
export const LOOP_REF = "__loop";

/** A loop: a decision branch that goes back to earlier steps, and everything it re-runs. */
export interface LoopInfo {
  decision: string;
  /** The branch that loops back; the other branch leaves the loop. */
  branch: "then" | "else";
  targets: string[];
  /** Every node re-run by one more iteration: the targets, what lies between them and the decision, and the decision. */
  body: ReadonlySet<string>;
  maxIterations: number;
}

export interface LoopDecisionInput {
  id: string;
  index: number;
  loopTargets: { then: string[]; else: string[] };
  forward: { then: string[]; else: string[] };
  maxIterations: number | undefined;
}

/**
 * Finds each loop's body and checks the rules that keep loops well defined: one branch loops and
 * the other leaves; bodies do not overlap or hold other decisions; whatever reads a step of the
 * body from outside runs after the loop's decision (so it sees the last iteration).
 */
export function analyzeLoops(
  graph: DependencyGraph,
  decisions: readonly LoopDecisionInput[],
  loopRefs: ReadonlyMap<string, string>,
): { loops: Map<string, LoopInfo>; loopOf: Map<string, string>; issues: PlangraphError[] } {
  const issues: PlangraphError[] = [];
  const loops = new Map<string, LoopInfo>();
  const loopOf = new Map<string, string>();
  const dependents = dependentsOf(graph);
  const decisionIds = new Set(decisions.map((d) => d.id));
  for (const decision of decisions) {
    const path = `$.decisions[${decision.index}]`;
    const looping = (["then", "else"] as const).filter((b) => decision.loopTargets[b].length > 0);
    if (looping.length === 0) continue;
    if (looping.length === 2) {
      issues.push(new PlangraphError("BAD_DECISION", `decision '${decision.id}' loops back on both branches; one branch must leave the loop`, { path, step: decision.id }));
      continue;
    }
    const branch = looping[0]!;
    if (decision.forward[branch].length) {
      issues.push(
        new PlangraphError(
          "BAD_DECISION",
          `decision '${decision.id}' branch '${branch}' mixes a loop back (${decision.loopTargets[branch].join(", ")}) with forward steps (${decision.forward[branch].join(", ")}); a loop branch may only go back`,
          { path, step: decision.id },
        ),
      );
      continue;
    }
    const targets = decision.loopTargets[branch];
    const upstream = upstreamOf(graph, decision.id);
    const below = downstreamOf(dependents, targets);
    const body = new Set<string>([...targets, decision.id, ...[...below].filter((n) => upstream.has(n))]);
    for (const node of body) {
      const other = loopOf.get(node);
      if (other !== undefined) {
        issues.push(new PlangraphError("BAD_DECISION", `loops of '${other}' and '${decision.id}' share '${node}'; nested or overlapping loops are not supported`, { path, step: decision.id }));
      } else if (node !== decision.id && decisionIds.has(node)) {
        issues.push(new PlangraphError("BAD_DECISION", `decision '${node}' sits inside the loop of '${decision.id}'; a loop body may not hold other decisions`, { path, step: decision.id }));
      }
      loopOf.set(node, decision.id);
    }
    const afterLoop = downstreamOf(dependents, [decision.id]);
    for (const node of graph.nodes) {
      if (body.has(node) || afterLoop.has(node)) continue;
      const reads = (graph.deps.get(node) ?? []).filter((dep) => body.has(dep) && dep !== decision.id);
      if (reads.length) {
        issues.push(
          new PlangraphError(
            "BAD_DECISION",
            `'${node}' depends on '${reads[0]}' inside the loop of '${decision.id}' but does not run after the loop; make it a step of the decision's other branch (or downstream of one)`,
            { step: node },
          ),
        );
      }
    }
    loops.set(decision.id, { decision: decision.id, branch, targets, body, maxIterations: decision.maxIterations ?? 1 });
  }
  for (const [node, path] of loopRefs) {
    if (!loopOf.has(node)) {
      issues.push(new PlangraphError("BAD_REFERENCE", `'${node}' references {${LOOP_REF}…} but is not inside a loop`, { path, step: node }));
    }
  }
  return { loops, loopOf, issues };
}
