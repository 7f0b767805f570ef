import { PlangraphError, PlanValidationError } from "../model/errors.js";
import { didYouMean } from "../model/suggest.js";
import { isNormalizedPlan, normalizePlan } from "../plan/normalize.js";
import { DEFAULT_LIMITS, type PlanLimits } from "../plan/limits.js";
import type { Plan, PlanDecision, PlanStep } from "../plan/schema.js";
import { checkPathAgainstSchema } from "../refs/schema-check.js";
import { compileTemplate, templateReferences, type Template } from "../refs/template.js";
import type { Reference } from "../refs/grammar.js";
import type { RegisteredTool, ToolRegistry } from "../tools/registry.js";
import { analyzeLoops, LOOP_REF, type LoopInfo } from "./loops.js";
import { checkLiteralParams } from "./params-check.js";
import {
  classifyStrategy,
  dependencyLevels,
  dependentsOf,
  findCycle,
  topologicalOrder,
  upstreamOf,
  type DependencyGraph,
  type Strategy,
} from "./graph.js";
import { unique } from "../model/unique.js";

/** A step with everything compile time can know: its tool, its parsed input, its dependencies. */
export interface PreparedStep {
  id: string;
  /** Position in the plan; ties in "plan order" are broken by it. */
  index: number;
  spec: PlanStep;
  tool: RegisteredTool;
  /** `params` with `output_mapping` merged over it, references parsed. */
  input: Template;
  references: Reference[];
  /** Steps and decisions this step waits for (required and optional). */
  deps: string[];
  /** The subset of `deps` that may be skipped without skipping this step. */
  optionalDeps: ReadonlySet<string>;
}

/** Compiles a decision's rule once; supplied by the conditions module. */
export type ConditionCompiler = (text: string, context: { steps: ReadonlySet<string>; path: string; owner: string }) => {
  references: Reference[];
  compiled: unknown;
};

export interface PreparedDecision {
  id: string;
  index: number;
  spec: PlanDecision;
  /** The parsed rule, when the decision has a `condition`. */
  condition?: unknown;
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
  /** Dependency levels of the steps (the result's `order`, docs/RESULT-FORMAT.md). */
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
  compileCondition?: ConditionCompiler;
}

/**
 * Everything checkable before a run: plan shape, ids, tools, references (syntax, targets, and
 * against declared output schemas), dependencies, cycles, limits. Throws PlanValidationError with
 * every problem found; returns the analysed plan otherwise.
 */
export function preparePlan(input: unknown, options: PrepareOptions): PreparedPlan {
  const limits = options.limits ?? DEFAULT_LIMITS;
  const plan = isNormalizedPlan(input) ? input : normalizePlan(input, limits);
  const issues: PlangraphError[] = [];
  const stepIds = new Set(plan.steps.map((s) => s.id));
  const decisionIds = new Set(plan.decisions.map((d) => d.id));
  const stepPath = (step: PlanStep, index: number) => (plan.form === "sectioned" ? `$.${step.id}` : `$.steps[${index}]`);

  const steps = new Map<string, PreparedStep>();
  const loopRefs = new Map<string, string>();
  // What a reference may name: any step, or the loop pseudo step (checked once loops are known).
  const referable = withLoopRef(stepIds);
  plan.steps.forEach((spec, index) => {
    const path = stepPath(spec, index);
    const tool = options.registry.get(spec.tool);
    if (!tool) {
      issues.push(
        new PlangraphError("UNKNOWN_TOOL", `step '${spec.id}' uses unknown tool '${spec.tool}'${didYouMean(spec.tool, options.registry.names())}`, {
          path: `${path}.tool`,
          step: spec.id,
        }),
      );
      return;
    }
    if (limits.allowedTools && !limits.allowedTools.includes(spec.tool)) {
      issues.push(new PlangraphError("UNKNOWN_TOOL", `step '${spec.id}' uses tool '${spec.tool}', which this run does not allow`, { path: `${path}.tool`, step: spec.id }));
      return;
    }
    const input = collect(issues, () => compileInput(spec, path, referable, decisionIds));
    if (!input) return;
    const fieldPath = (key: string) => `${path}.${Object.prototype.hasOwnProperty.call(spec.output_mapping, key) ? "output_mapping" : "params"}.${key}`;
    issues.push(...checkLiteralParams(spec.id, spec.tool, tool.tool.schema, input, `${path}.params`, fieldPath));
    const allReferences = templateReferences(input);
    const references = allReferences.filter((r) => r.step !== LOOP_REF);
    checkLoopReferences(allReferences, spec.id, path, loopRefs, issues);
    for (const ref of references) {
      if (ref.text.length > limits.maxReferenceLength || ref.segments.length > limits.maxPathDepth) {
        issues.push(
          new PlangraphError(
            "LIMIT_EXCEEDED",
            `step '${spec.id}' has a reference longer than the limits (${limits.maxReferenceLength} characters, ${limits.maxPathDepth} segments): ${ref.text.slice(0, 80)}`,
            { path, step: spec.id },
          ),
        );
      }
      if (ref.step === spec.id) {
        issues.push(new PlangraphError("PLAN_CYCLE", `step '${spec.id}' references its own output (${ref.text})`, { path, step: spec.id }));
      }
    }
    const deps = unique([...spec.depends_on, ...spec.optional_depends_on, ...references.map((r) => r.step)]).filter((d) => d !== spec.id);
    // The run's policy may put every side-effecting call behind a human.
    const gated = limits.approveSideEffects && tool.traits.sideEffects && !spec.requires_approval ? { ...spec, requires_approval: true } : spec;
    steps.set(spec.id, { id: spec.id, index, spec: gated, tool, input, references, deps, optionalDeps: new Set(spec.optional_depends_on) });
  });

  // References into a tool's declared output must exist in its output schema.
  for (const step of steps.values()) {
    for (const ref of step.references) {
      const target = steps.get(ref.step);
      const schema = target?.tool.traits.outputSchema;
      if (!schema) continue;
      const check = checkPathAgainstSchema(schema, ref.segments);
      if (!check.ok) {
        issues.push(
          new PlangraphError(
            "REFERENCE_NOT_IN_SCHEMA",
            `step '${step.id}' references ${ref.text}, but tool '${target.spec.tool}' of step '${ref.step}' cannot return that: ${check.message}`,
            { path: stepPath(step.spec, step.index), step: step.id },
          ),
        );
      }
    }
  }

  const decisions = new Map<string, PreparedDecision>();
  plan.decisions.forEach((spec, index) => {
    const path = `$.decisions[${index}]`;
    let condition: unknown;
    let conditionRefs: Reference[] = [];
    if (spec.condition !== undefined) {
      if (!options.compileCondition) {
        issues.push(new PlangraphError("BAD_DECISION", `decision '${spec.id}' has a condition but no condition compiler was supplied`, { path, step: spec.id }));
      } else {
        const compiled = collect(issues, () => options.compileCondition!(spec.condition!, { steps: referable, path: `${path}.condition`, owner: spec.id }));
        if (compiled) {
          condition = compiled.compiled;
          checkLoopReferences(compiled.references, spec.id, `${path}.condition`, loopRefs, issues);
          conditionRefs = compiled.references.filter((r) => r.step !== LOOP_REF);
        }
      }
    }
    decisions.set(spec.id, {
      id: spec.id,
      index,
      spec,
      ...(condition === undefined ? {} : { condition }),
      deps: unique([...spec.after, ...conditionRefs.map((r) => r.step)]),
      loopTargets: { then: [], else: [] },
    });
  });
  if (issues.length) throw new PlanValidationError(issues);

  // Base graph without branch edges: a branch target already upstream of its decision is a loop.
  const nodes = [...plan.steps.map((s) => s.id), ...plan.decisions.map((d) => d.id)];
  const baseDeps = new Map<string, string[]>();
  for (const step of steps.values()) baseDeps.set(step.id, [...step.deps]);
  for (const decision of decisions.values()) baseDeps.set(decision.id, [...decision.deps]);
  const baseGraph: DependencyGraph = { nodes, deps: baseDeps };
  rejectCycle(baseGraph, plan, issues);
  if (issues.length) throw new PlanValidationError(issues);

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
  const graph: DependencyGraph = { nodes, deps: baseDeps };
  rejectCycle(graph, plan, issues);
  if (issues.length) throw new PlanValidationError(issues);

  const dependents = dependentsOf(graph);
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
  const answer = plan.answer === undefined ? undefined : collect(issues, () => compileTemplate(plan.answer, { steps: stepIds, unreferenceable: decisionIds, path: "$.answer" }));
  if (issues.length) throw new PlanValidationError(issues);

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

function compileInput(spec: PlanStep, path: string, steps: ReadonlySet<string>, decisions: ReadonlySet<string>): Template {
  // Own-property merge: a hostile plan key such as "__proto__" must stay a plain data key.
  const merged: Record<string, unknown> = {};
  for (const source of [spec.params, spec.output_mapping]) {
    for (const [key, value] of Object.entries(source)) {
      Object.defineProperty(merged, key, { value, enumerable: true, writable: true, configurable: true });
    }
  }
  const context = { steps, unreferenceable: decisions, owner: spec.id };
  // Compile each half against its own path so errors point at the field the user wrote.
  const entries: Array<readonly [string, Template]> = Object.keys(merged).map((key) => {
    const fromMapping = Object.prototype.hasOwnProperty.call(spec.output_mapping, key);
    const fieldPath = `${path}.${fromMapping ? "output_mapping" : "params"}.${key}`;
    return [key, compileTemplate(merged[key], { ...context, path: fieldPath })] as const;
  });
  return entries.every(([, t]) => t.kind === "literal") ? { kind: "literal", value: merged } : { kind: "object", entries };
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

function withLoopRef(ids: ReadonlySet<string>): ReadonlySet<string> {
  return new Set([...ids, LOOP_REF]);
}

/** `{__loop.iteration}` is the only thing a loop reference may name. */
function checkLoopReferences(references: readonly Reference[], owner: string, path: string, loopRefs: Map<string, string>, issues: PlangraphError[]): void {
  for (const ref of references) {
    if (ref.step !== LOOP_REF) continue;
    loopRefs.set(owner, path);
    const [first, ...rest] = ref.segments;
    if (rest.length || first?.kind !== "member" || first.name !== "iteration") {
      issues.push(new PlangraphError("BAD_REFERENCE", `'${owner}' references ${ref.text}; a loop offers only {${LOOP_REF}.iteration}`, { path, step: owner }));
    }
  }
}

function collect<T>(issues: PlangraphError[], make: () => T): T | undefined {
  try {
    return make();
  } catch (error) {
    if (error instanceof PlanValidationError) issues.push(...error.issues);
    else if (error instanceof PlangraphError) issues.push(error);
    else throw error;
    return undefined;
  }
}
