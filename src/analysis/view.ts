import type { PreparedPlan } from "./prepare.js";

/** The plan's graph as people read it: every dependency an edge, branches and loops marked. */
export interface PlanGraphView {
  nodes: Array<{ id: string; kind: "step" | "decision"; tool?: string }>;
  edges: Array<{ from: string; to: string; conditional?: boolean; label?: string; back?: boolean }>;
}

export function planGraphView(prepared: PreparedPlan): PlanGraphView {
  const nodes: PlanGraphView["nodes"] = [];
  const edges: PlanGraphView["edges"] = [];
  for (const id of prepared.graph.nodes) {
    const step = prepared.steps.get(id);
    // A sub-plan step is labelled with its inner steps, in plan order.
    const inner = step?.subPlan ? [...step.subPlan.prepared.steps.keys()] : [];
    const tool = step?.subPlan ? `sub-plan: ${inner.slice(0, 4).join(" → ")}${inner.length > 4 ? ` → … (${inner.length} steps)` : ""}` : step?.spec.tool;
    nodes.push(step ? { id, kind: "step", ...(tool !== undefined ? { tool } : {}) } : { id, kind: "decision" });
  }
  for (const id of prepared.graph.nodes) {
    for (const dep of prepared.graph.deps.get(id) ?? []) {
      const decision = prepared.decisions.get(dep);
      if (decision) {
        const label = decision.spec.then.includes(id) ? "then" : "else";
        edges.push({ from: dep, to: id, conditional: true, label });
      } else edges.push({ from: dep, to: id });
    }
  }
  for (const decision of prepared.decisions.values()) {
    for (const branch of ["then", "else"] as const) {
      for (const target of decision.loopTargets[branch]) edges.push({ from: decision.id, to: target, conditional: true, label: branch, back: true });
    }
  }
  return { nodes, edges };
}
