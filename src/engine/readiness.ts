import type { PreparedPlan } from "../analysis/prepare.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";

/**
 * What readiness needs to know about a plan: who waits for whom, which steps each decision's
 * branches lead to, and which dependencies a step may do without. Nothing else of the plan.
 */
export interface ReadinessStructure {
  /** Every step and decision, in plan (topological) order. */
  readonly order: readonly string[];
  readonly deps: ReadonlyMap<string, readonly string[]>;
  readonly dependents: ReadonlyMap<string, readonly string[]>;
  /** Per decision, the steps of each branch. */
  readonly branches: ReadonlyMap<string, { readonly then: readonly string[]; readonly else: readonly string[] }>;
  /** Per step, the dependencies it runs without (`optional_depends_on`). */
  readonly optionalDeps: ReadonlyMap<string, ReadonlySet<string>>;
  /** Steps the plan says are not run (empty sections), with the reason. */
  readonly notRun: ReadonlyMap<string, string>;
}

/** The records of a run so far: a node is resolved once it has one. */
export interface RecordsSoFar {
  step(id: string): StepRecord | undefined;
  decision(id: string): DecisionOutcome | undefined;
}

/** Whether a node whose dependencies are all resolved runs, or is skipped and why. */
export type Verdict = { run: true } | { run: false; reason: string };

/** The readiness view of a prepared plan. */
export function readinessStructure(prepared: PreparedPlan): ReadinessStructure {
  const branches = new Map<string, { then: readonly string[]; else: readonly string[] }>();
  for (const decision of prepared.decisions.values()) branches.set(decision.id, { then: decision.spec.then, else: decision.spec.else });
  const optionalDeps = new Map<string, ReadonlySet<string>>();
  for (const step of prepared.steps.values()) if (step.optionalDeps.size) optionalDeps.set(step.id, step.optionalDeps);
  const notRun = new Map(Object.entries(prepared.plan.notRun ?? {}));
  return { order: prepared.order, deps: prepared.graph.deps, dependents: prepared.dependents, branches, optionalDeps, notRun };
}

/** A node is resolved once it has a record (a step) or an outcome (a decision). */
export function isResolved(records: RecordsSoFar, id: string): boolean {
  return records.step(id) !== undefined || records.decision(id) !== undefined;
}

/**
 * The skip rules, for a node whose dependencies have all resolved. A decision runs only when every
 * input is a done step. A step the plan marks not to run is skipped with the plan's reason. A step is skipped when a decision before it took the other branch or was
 * not evaluated, or when a dependency it cannot do without failed, was rejected or was skipped.
 * Dependencies are judged in their declared order, so the reason names the first that blocks.
 */
export function verdictFor(structure: ReadinessStructure, id: string, records: RecordsSoFar): Verdict {
  const deps = structure.deps.get(id) ?? [];
  if (structure.branches.has(id)) {
    for (const dep of deps) {
      const record = records.step(dep);
      if (record?.status !== "done") return { run: false, reason: `'${dep}' ${record?.status === "failed" ? "failed" : "did not run"}` };
    }
    return { run: true };
  }
  const notRun = structure.notRun.get(id);
  if (notRun !== undefined) return { run: false, reason: notRun };
  const optional = structure.optionalDeps.get(id);
  for (const dep of deps) {
    const branches = structure.branches.get(dep);
    if (branches) {
      const outcome = records.decision(dep);
      if (!outcome || outcome.status === "skipped") return { run: false, reason: `decision '${dep}' was not evaluated (${outcome?.reason ?? "no outcome"})` };
      const branch = outcome.branch ?? "then";
      if (!branches[branch].includes(id)) return { run: false, reason: `decision '${dep}' took '${branch}'` };
      continue;
    }
    const record = records.step(dep);
    if (record?.status === "done" || optional?.has(dep)) continue;
    return { run: false, reason: `'${dep}' ${blockedBy(record)}` };
  }
  return { run: true };
}

function blockedBy(record: StepRecord | undefined): string {
  if (record?.status === "failed") return "failed";
  if (record?.status === "rejected") return "was rejected";
  return "was skipped";
}

/** What happens next to a node whose dependencies have all resolved. */
export type Assessment = { id: string } & Verdict;

/**
 * Readiness over the whole plan (or `among`, in the order given): every unresolved node whose
 * dependencies have all resolved, with its verdict: it may start, or it is skipped and why.
 * O(nodes + edges); the scheduler uses it where it (re)starts (the first start, a resumed run, a
 * new loop iteration) and counts incrementally from there.
 */
export function assessReadiness(structure: ReadinessStructure, records: RecordsSoFar, among: Iterable<string> = structure.order): Assessment[] {
  const next: Assessment[] = [];
  for (const id of among) {
    if (isResolved(records, id)) continue;
    if ((structure.deps.get(id) ?? []).some((dep) => !isResolved(records, dep))) continue;
    next.push({ id, ...verdictFor(structure, id, records) });
  }
  return next;
}
