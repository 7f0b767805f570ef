import { PlangraphError, PlanValidationError } from "../model/errors.js";
import { isNormalizedPlan, readPlan } from "../plan/normalize.js";
import { DEFAULT_LIMITS, type PlanLimits } from "../plan/limits.js";
import type { Plan } from "../plan/schema.js";
import { compileTemplate, createCheckBudget, type CheckBudget, type Template } from "../refs/template.js";
import { prepareSubPlans, type OuterScope } from "./sub-plan.js";
import { prepareDecisions } from "./decision-pass.js";
import { analyzeLoops, LOOP_REF } from "./loops.js";
import { unique } from "../model/unique.js";
import { collect } from "./issues.js";
import type { PreparedDecision, PreparedPlan, PreparedStep, PrepareOptions } from "./prepared.js";
import { checkOutputPaths, checkReferenceTypes } from "./reference-types.js";
import { checkFanOutSources } from "./for-each-checks.js";
import { prepareSteps, stepPath } from "./step-pass.js";
import {
  classifyStrategy,
  dependencyLevels,
  dependentsOf,
  findCycle,
  topologicalOrder,
  upstreamOf,
  type DependencyGraph,
} from "./graph.js";

export type { PreparedDecision, PreparedPlan, PreparedStep, PrepareOptions } from "./prepared.js";

/**
 * Everything checkable before a run: plan shape, ids, tools, references (syntax, targets, and
 * against declared output schemas and the consuming tools' input schemas), conditions,
 * dependencies, cycles, limits. Throws PlanValidationError with every problem found; returns the
 * analysed plan otherwise.
 *
 * One pass: identity, tools, references, types, conditions and the answer are all checked before
 * anything is reported, so a step with a misspelt tool still has its references checked. Only the
 * graph checks (cycles, loops, fan-in/out) wait for a plan whose ids and references are sound:
 * over unknown ids they would only repeat what is already reported.
 */
export function preparePlan(input: unknown, options: PrepareOptions): PreparedPlan {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const { plan, issues } = isNormalizedPlan(input) ? { plan: input, issues: [] as PlangraphError[] } : readPlan(input, limits);
  return analysePlan(plan, issues, { registry: options.registry, limits, budget: createCheckBudget(limits) });
}

/**
 * The checks of `preparePlan` over a normalised plan: the outer plan, or (with `scope`) the inner
 * plan of a sub-plan step, whose references may also name outer steps and the outer element.
 * References to outer steps are not dependencies of the inner plan (its graph holds its own
 * nodes only): they make the sub-plan step wait (sub-plan.ts).
 */
function analysePlan(
  plan: Plan,
  issues: PlangraphError[],
  context: { registry: PrepareOptions["registry"]; limits: PlanLimits; budget: CheckBudget; scope?: OuterScope },
): PreparedPlan {
  const { registry, limits, budget, scope } = context;
  const stepIds = new Set(plan.steps.map((s) => s.id));
  const decisionIds = new Set(plan.decisions.map((d) => d.id));
  const unreferenceable = scope ? new Set([...decisionIds, ...scope.outerDecisionIds]) : decisionIds;
  const loopRefs = new Map<string, string>();
  // What a reference may name: any step (inside a sub-plan: any outer step too), or the loop pseudo step.
  const referable = new Set([...stepIds, LOOP_REF, ...(scope?.outerIds ?? [])]);
  const passed = prepareSteps({ plan, registry, limits, referable, decisionIds: unreferenceable, budget, loopRefs, issues, ...(scope ? { outerElement: scope.element } : {}) });
  const { drafts } = passed;
  const steps = scope
    ? passed.steps
    : prepareSubPlans(drafts, passed.steps, { registry, limits, budget, stepIds, decisionIds, issues, analyse: (inner, c) => analysePlan(inner, [], c) });
  const targets = scope ? new Map([...scope.outer, ...steps]) : steps;
  checkOutputPaths(drafts, targets, issues);
  checkFanOutSources(drafts, targets, issues);
  checkReferenceTypes(steps, (step) => stepPath(plan, step.spec, step.index), issues, targets);
  const decisions = prepareDecisions(plan, referable, unreferenceable, loopRefs, issues);
  const answer =
    plan.answer === undefined
      ? undefined
      : collect(issues, () => compileTemplate(plan.answer, { steps: stepIds, unreferenceable: decisionIds, path: "$.answer", budget }));
  if (issues.length) throw new PlanValidationError(issues);
  if (scope) keepOwnDependencies(steps, decisions);
  return analyseGraph(plan, limits, steps, decisions, loopRefs, answer);
}

/** Inside a sub-plan, dependencies on outer steps are the outer step's, not the inner graph's. */
function keepOwnDependencies(steps: Map<string, PreparedStep>, decisions: Map<string, PreparedDecision>): void {
  const own = (id: string) => steps.has(id) || decisions.has(id);
  for (const step of steps.values()) step.deps = step.deps.filter(own);
  for (const decision of decisions.values()) decision.deps = decision.deps.filter(own);
}

/** Dependencies, branches, cycles, fan limits and loops of a plan whose parts are all sound. */
function analyseGraph(
  plan: Plan,
  limits: PlanLimits,
  steps: Map<string, PreparedStep>,
  decisions: Map<string, PreparedDecision>,
  loopRefs: ReadonlyMap<string, string>,
  answer: Template | undefined,
): PreparedPlan {
  const issues: PlangraphError[] = [];
  // Base graph without branch edges: a branch target already upstream of its decision is a loop.
  const nodes = [...plan.steps.map((s) => s.id), ...plan.decisions.map((d) => d.id)];
  const baseDeps = new Map<string, string[]>();
  for (const step of steps.values()) baseDeps.set(step.id, [...step.deps]);
  for (const decision of decisions.values()) baseDeps.set(decision.id, [...decision.deps]);
  const baseGraph: DependencyGraph = { nodes, deps: baseDeps };
  rejectCycle(baseGraph, plan, issues);
  if (issues.length) throw new PlanValidationError(issues);

  addBranchEdges(baseGraph, baseDeps, steps, decisions, limits, issues);
  const graph: DependencyGraph = { nodes, deps: baseDeps };
  rejectCycle(graph, plan, issues);
  if (issues.length) throw new PlanValidationError(issues);

  const dependents = dependentsOf(graph);
  checkFanLimits(graph, dependents, limits, issues);
  if (issues.length) throw new PlanValidationError(issues);

  const loopAnalysis = analyzeLoops(
    graph,
    [...decisions.values()].map((d) => ({
      id: d.id,
      index: d.index,
      loopTargets: d.loopTargets,
      forward: {
        then: d.spec.then.filter((t) => !d.loopTargets.then.includes(t)),
        else: d.spec.else.filter((t) => !d.loopTargets.else.includes(t)),
      },
      maxIterations: d.spec.max_iterations,
    })),
    loopRefs,
  );
  issues.push(...loopAnalysis.issues);
  if (issues.length) throw new PlanValidationError(issues);

  const order = topologicalOrder(graph)!;
  const stepGraph = stepOnlyGraph(graph, steps, decisions);
  return {
    plan,
    limits,
    steps,
    decisions,
    graph,
    dependents,
    order,
    levels: dependencyLevels(stepGraph),
    strategy: classifyStrategy(stepGraph),
    ...(answer === undefined ? {} : { answer }),
    loops: loopAnalysis.loops,
    loopOf: loopAnalysis.loopOf,
  };
}

/**
 * Adds each decision's branch edges: a target already upstream of its decision is a loop (kept
 * apart, with its iteration rules checked); any other target waits for the decision.
 */
function addBranchEdges(
  baseGraph: DependencyGraph,
  baseDeps: Map<string, string[]>,
  steps: Map<string, PreparedStep>,
  decisions: Map<string, PreparedDecision>,
  limits: PlanLimits,
  issues: PlangraphError[],
): void {
  for (const decision of decisions.values()) {
    const upstream = upstreamOf(baseGraph, decision.id);
    for (const branch of ["then", "else"] as const) {
      for (const target of decision.spec[branch]) {
        if (upstream.has(target)) {
          decision.loopTargets[branch].push(target);
        } else {
          baseDeps.get(target)!.push(decision.id);
          steps.get(target)!.deps.push(decision.id);
        }
      }
    }
    const loops = [...decision.loopTargets.then, ...decision.loopTargets.else];
    if (loops.length && decision.spec.max_iterations === undefined) {
      issues.push(
        new PlangraphError("BAD_DECISION", `decision '${decision.id}' goes back to ${loops.map((l) => `'${l}'`).join(", ")} (a loop) and needs 'max_iterations'`, {
          path: `$.decisions[${decision.index}].max_iterations`,
          step: decision.id,
        }),
      );
    } else if (loops.length && decision.spec.max_iterations! > limits.maxLoopIterations) {
      issues.push(
        new PlangraphError("LIMIT_EXCEEDED", `decision '${decision.id}' allows ${decision.spec.max_iterations} iterations; the limit is ${limits.maxLoopIterations}`, {
          path: `$.decisions[${decision.index}].max_iterations`,
          step: decision.id,
        }),
      );
    }
  }
}

/** Fan-in and fan-out limits, each over-limit node named. */
function checkFanLimits(graph: DependencyGraph, dependents: ReadonlyMap<string, readonly string[]>, limits: PlanLimits, issues: PlangraphError[]): void {
  for (const [id, deps] of graph.deps) {
    if (deps.length > limits.maxFanIn) {
      issues.push(new PlangraphError("LIMIT_EXCEEDED", `'${id}' waits for ${deps.length} steps; the fan-in limit is ${limits.maxFanIn}`, { step: id }));
    }
  }
  for (const [id, next] of dependents) {
    if (next.length > limits.maxFanOut) {
      issues.push(new PlangraphError("LIMIT_EXCEEDED", `${next.length} steps wait for '${id}'; the fan-out limit is ${limits.maxFanOut}`, { step: id }));
    }
  }
}

/**
 * The dependency graph between steps alone: a decision's dependencies are passed through to the
 * steps behind it, so levels and strategy describe the steps the way the seed's planner did.
 */
export function stepOnlyGraph(
  graph: DependencyGraph,
  steps: ReadonlyMap<string, PreparedStep>,
  decisions: ReadonlyMap<string, PreparedDecision>,
): DependencyGraph {
  const resolve = (id: string, seen = new Set<string>()): string[] => {
    if (steps.has(id)) return [id];
    if (seen.has(id)) return [];
    seen.add(id);
    return (graph.deps.get(id) ?? []).flatMap((dep) => resolve(dep, seen));
  };
  const deps = new Map<string, string[]>();
  for (const id of graph.nodes) {
    if (decisions.has(id)) continue;
    deps.set(id, unique((graph.deps.get(id) ?? []).flatMap((dep) => resolve(dep))));
  }
  return { nodes: graph.nodes.filter((id) => steps.has(id)), deps };
}

function rejectCycle(graph: DependencyGraph, plan: Plan, issues: PlangraphError[]): void {
  const cycle = findCycle(graph);
  if (!cycle) return;
  const first = cycle[0]!;
  const index = plan.steps.findIndex((s) => s.id === first);
  issues.push(
    new PlangraphError("PLAN_CYCLE", `the plan has a dependency cycle: ${cycle.join(" → ")}`, {
      path: index >= 0 ? (plan.form === "sectioned" ? `$.${first}.depends_on` : `$.steps[${index}].depends_on`) : "$",
      step: first,
    }),
  );
}

