import { END, START, type StateDefinition, type StateGraph } from "@langchain/langgraph";
import type { PreparedPlan } from "../analysis/prepare.js";
import type { DecisionOutcome } from "../model/records.js";
import { decisionChannel } from "./channels.js";
import { planWiring } from "./wiring.js";

/** The builder of a plan's graph (or a sub-plan's subgraph): node names are the plan's ids. */
export type PlanBuilder = StateGraph<StateDefinition, Record<string, unknown>, Record<string, unknown>, string>;

/** The branch a decision took, from state; nothing when it was not evaluated. */
function takenBranch(id: string): (state: Record<string, unknown>) => Array<"then" | "else"> {
  return (state) => {
    const outcome = state[decisionChannel(id)] as DecisionOutcome | undefined;
    return outcome?.status === "decided" ? [outcome.branch ?? "then"] : [];
  };
}

/**
 * One waiting edge per node, a conditional edge per decision, the sinks to END (see wiring.ts).
 * `route` says which branches a decision's conditional edge follows (by default: the one taken).
 */
export function addPlanEdges(builder: PlanBuilder, prepared: PreparedPlan, route: (id: string) => (state: Record<string, unknown>) => Array<"then" | "else"> = takenBranch): void {
  const wiring = planWiring(prepared);
  for (const [id, sources] of wiring.sources) {
    if (wiring.branchTargets.has(id)) continue;
    if (sources.length === 0) builder.addEdge(START, id);
    else if (sources.length === 1) builder.addEdge(sources[0]!, id);
    else builder.addEdge(sources, id);
  }
  for (const [id, branches] of wiring.branches) {
    // Path-map keys are what Studio and Mermaid print on the edge: the branch name, plus the
    // target when a branch fans out to several steps.
    const keyed = (branch: "then" | "else") =>
      branches[branch].length === 0
        ? [[branch, END] as const]
        : branches[branch].map((target) => [branches[branch].length === 1 ? branch : `${branch}:${target}`, target] as const);
    const routes = { then: keyed("then"), else: keyed("else") };
    const pathMap = Object.fromEntries([...routes.then, ...routes.else]);
    const taken = route(id);
    builder.addConditionalEdges(id, (state: Record<string, unknown>) => taken(state).flatMap((branch) => routes[branch].map(([key]) => key)), pathMap);
  }
  for (const sink of wiring.sinks) builder.addEdge(sink, END);
}

