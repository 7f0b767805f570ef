import type { Condition } from "../conditions/index.js";
import type { PlanLimits } from "../plan/limits.js";
import type { Plan, PlanDecision, PlanStep } from "../plan/schema.js";
import type { Reference } from "../refs/grammar.js";
import type { Template } from "../refs/template.js";
import type { RegisteredTool, ToolRegistry } from "../tools/registry.js";
import type { DependencyGraph, Strategy } from "./graph.js";
import type { LoopInfo } from "./loops.js";
import type { FanOut } from "./for-each.js";

/** A step with everything compile time can know: its tool, its parsed input, its dependencies. */
export interface PreparedStep {
  id: string;
  /** Position in the plan; ties in "plan order" are broken by it. */
  index: number;
  spec: PlanStep;
  /** The tool the step calls; absent for a sub-plan step (it has `subPlan`). */
  tool?: RegisteredTool;
  /** `params` with `output_mapping` merged over it, references parsed. */
  input: Template;
  references: Reference[];
  /** Steps and decisions this step waits for (required and optional). */
  deps: string[];
  /** The subset of `deps` that may be skipped without skipping this step. */
  optionalDeps: ReadonlySet<string>;
  /** A for_each step: the list it runs over and how (its tool runs once per element). */
  forEach?: FanOut;
  /** A sub-plan step: its nested plan, analysed with the outer one. */
  subPlan?: PreparedSubPlan;
}

/** The nested plan of a sub-plan step, checked with its outer plan. */
export interface PreparedSubPlan {
  /**
   * The inner plan, analysed as a plan of its own: its graph holds inner steps and decisions
   * only. References to outer steps (and to the outer element) are read through the outer run.
   */
  prepared: PreparedPlan;
  /** What other steps read from one run of the sub-plan: an object keyed by inner step id. */
  outputSchema: unknown;
  /** JSON path of the sub-plan step, for errors. */
  path: string;
}

export interface PreparedDecision {
  id: string;
  index: number;
  spec: PlanDecision;
  /** The parsed rule, when the decision has a `condition`. */
  condition?: Condition;
  /** Steps the decision waits for: `after` plus the steps its condition names. */
  deps: string[];
  /** Branch targets that go back to an earlier step (loops), per branch. */
  loopTargets: { then: string[]; else: string[] };
}

/** A plan checked and analysed, ready to compile into a graph or run. */
export interface PreparedPlan {
  plan: Plan;
  limits: PlanLimits;
  steps: ReadonlyMap<string, PreparedStep>;
  decisions: ReadonlyMap<string, PreparedDecision>;
  /** Steps and decisions with their forward dependencies (loops' back edges excluded). */
  graph: DependencyGraph;
  dependents: ReadonlyMap<string, readonly string[]>;
  /** Topological order of steps and decisions, stable in plan order. */
  order: readonly string[];
  /** Dependency levels of the steps (the contract's `order`). */
  levels: string[][];
  strategy: Strategy;
  answer?: Template;
  /** Loops by their decision's id. */
  loops: ReadonlyMap<string, LoopInfo>;
  /** For each node inside a loop body, the loop's decision. */
  loopOf: ReadonlyMap<string, string>;
}

export interface PrepareOptions {
  registry: ToolRegistry;
  limits?: PlanLimits;
}
