/**
 * Readiness: which nodes may start, which are skipped and why. The rules are driven directly
 * (no scheduler, no LangGraph), then the engine's incremental readiness (dependency counting,
 * released by completions in any order) and the whole scheduler are checked against a naive
 * reference over random DAGs with decisions, branches, optional dependencies and random outcomes.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PreparedPlan } from "../../src/analysis/prepare.js";
import { PendingDeps } from "../../src/engine/pending-deps.js";
import { assessReadiness, readinessStructure, verdictFor, type RecordsSoFar, type ReadinessStructure } from "../../src/engine/readiness.js";
import type { DecisionOutcome, StepRecord } from "../../src/model/records.js";
import { fixedBranches, outcomeTool, prepare, scheduler } from "./support.js";

type Outcome = "done" | "failed" | "rejected";

function recordsOf(steps: Record<string, StepRecord>, decisions: Record<string, DecisionOutcome> = {}): RecordsSoFar {
  return { step: (id) => steps[id], decision: (id) => decisions[id] };
}

const done: StepRecord = { status: "done", output: {}, attempts: 1 };
const failed: StepRecord = { status: "failed", attempts: 1, error: { code: "TOOL_FAILED", message: "x" } };
const decided = (branch: "then" | "else"): DecisionOutcome => ({ status: "decided", branch, source: "rule", reason: "r" });

const { tool } = outcomeTool();
const step = (id: string, extra: Record<string, unknown> = {}) => ({ id, tool: "outcome", params: { tag: id }, ...extra });

describe("readiness rules", () => {
  const plan = prepare(
    {
      steps: [
        step("a"),
        step("b"),
        step("c", { depends_on: ["a"], optional_depends_on: ["b"] }),
        step("yes"),
        step("no"),
        step("after_c", { depends_on: ["c"] }),
      ],
      decisions: [{ id: "d", after: ["a"], question: "?", then: ["yes"], else: ["no"] }],
    },
    [tool],
  );
  const structure = readinessStructure(plan);

  it("offers exactly the nodes whose dependencies have all resolved", () => {
    const next = assessReadiness(structure, recordsOf({}));
    expect(next.map((n) => n.id)).toEqual(["a", "b"]);
    expect(next.every((n) => n.run)).toBe(true);
    const later = assessReadiness(structure, recordsOf({ a: done }));
    expect(later.map((n) => n.id).sort()).toEqual(["b", "d"]);
  });

  it("runs a step without its optional dependency when that one failed, and skips it when a required one failed", () => {
    expect(verdictFor(structure, "c", recordsOf({ a: done, b: failed }))).toEqual({ run: true });
    expect(verdictFor(structure, "c", recordsOf({ a: failed, b: done }))).toEqual({ run: false, reason: "'a' failed" });
  });

  it("names the state of the dependency that blocks: failed, rejected, skipped", () => {
    const rejected: StepRecord = { status: "rejected", attempts: 0, reason: "no" };
    const skipped: StepRecord = { status: "skipped", attempts: 0, reason: "x" };
    expect(verdictFor(structure, "after_c", recordsOf({ c: rejected }))).toEqual({ run: false, reason: "'c' was rejected" });
    expect(verdictFor(structure, "after_c", recordsOf({ c: skipped }))).toEqual({ run: false, reason: "'c' was skipped" });
  });

  it("skips the branch a decision did not take and says which branch it took", () => {
    const records = recordsOf({ a: done }, { d: decided("then") });
    expect(verdictFor(structure, "yes", records)).toEqual({ run: true });
    expect(verdictFor(structure, "no", records)).toEqual({ run: false, reason: "decision 'd' took 'then'" });
  });

  it("skips a decision whose input did not run, and every step of both its branches with the decision's reason", () => {
    expect(verdictFor(structure, "d", recordsOf({ a: failed }))).toEqual({ run: false, reason: "'a' failed" });
    const skippedDecision: DecisionOutcome = { status: "skipped", reason: "'a' failed" };
    const records = recordsOf({ a: failed }, { d: skippedDecision });
    expect(verdictFor(structure, "yes", records)).toEqual({ run: false, reason: "decision 'd' was not evaluated ('a' failed)" });
    expect(verdictFor(structure, "no", records)).toEqual({ run: false, reason: "decision 'd' was not evaluated ('a' failed)" });
  });

  it("reports a node that is already resolved as neither ready nor skipped", () => {
    expect(assessReadiness(structure, recordsOf({ a: done, b: done })).map((n) => n.id)).toEqual(["c", "d"]);
  });
});

/** A random plan: steps and decisions over a DAG, each step's outcome and each decision's branch. */
interface RandomPlan {
  plan: { steps: Array<Record<string, unknown>>; decisions: Array<Record<string, unknown>> };
  outcomes: Map<string, Outcome>;
  branches: Record<string, "then" | "else">;
}

const randomPlan: fc.Arbitrary<RandomPlan> = fc.integer({ min: 2, max: 12 }).chain((n) =>
  fc
    .array(
      fc.record({
        decision: fc.integer({ min: 0, max: 9 }).map((x) => x < 3),
        deps: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
        optional: fc.array(fc.integer({ min: 0, max: 9 }).map((x) => x < 2), { minLength: n, maxLength: n }),
        branch: fc.array(fc.constantFrom<"then" | "else" | undefined>("then", "else", undefined, undefined), { minLength: n, maxLength: n }),
        outcome: fc.constantFrom<Outcome>("done", "done", "done", "failed", "rejected"),
        taken: fc.constantFrom<"then" | "else">("then", "else"),
      }),
      { minLength: n, maxLength: n },
    )
    .map((nodes) => {
      const ids = nodes.map((node, i) => (node.decision && i > 0 && i < n - 1 ? `d${i}` : `s${i}`));
      const isStep = (i: number) => ids[i]!.startsWith("s");
      const result: RandomPlan = { plan: { steps: [], decisions: [] }, outcomes: new Map(), branches: {} };
      nodes.forEach((node, i) => {
        const earlierSteps = ids.slice(0, i).filter((_, j) => isStep(j) && node.deps[j]);
        if (isStep(i)) {
          const optional = earlierSteps.filter((id) => node.optional[ids.indexOf(id)]);
          result.plan.steps.push({
            id: ids[i],
            tool: "outcome",
            params: { tag: ids[i], fail: node.outcome === "failed" },
            depends_on: earlierSteps.filter((id) => !optional.includes(id)),
            optional_depends_on: optional,
            ...(node.outcome === "rejected" ? { requires_approval: true } : {}),
          });
          result.outcomes.set(ids[i]!, node.outcome);
        } else {
          const after = earlierSteps.length ? earlierSteps : [ids.slice(0, i).find((_, j) => isStep(j))!];
          const later = (b: "then" | "else") => ids.filter((id, k) => k > i && isStep(k) && node.branch[k] === b);
          // A decision needs a branch with steps: the last node is always a step.
          const then = later("then").length || later("else").length ? later("then") : [ids[n - 1]!];
          result.plan.decisions.push({ id: ids[i], after, question: "?", then, else: later("else") });
          result.branches[ids[i]!] = node.taken;
        }
      });
      return result;
    }),
);

type Expected = { status: string; reason?: string; branch?: string };

/**
 * The naive reference: the contract's rules applied by repeated sweeps until nothing changes,
 * straight from the plan's fields (not the engine's readiness structure).
 */
function reference(prepared: PreparedPlan, random: RandomPlan): Map<string, Expected> {
  const known = new Map<string, Expected>();
  const targetsOf = new Map<string, { then: string[]; else: string[] }>();
  for (const d of random.plan.decisions) targetsOf.set(d.id as string, { then: d.then as string[], else: d.else as string[] });
  const judge = (id: string): Expected => {
    const deps = prepared.graph.deps.get(id) ?? [];
    if (targetsOf.has(id)) {
      const blocker = deps.find((dep) => known.get(dep)!.status !== "done");
      if (blocker) return { status: "skipped", reason: `'${blocker}' ${known.get(blocker)!.status === "failed" ? "failed" : "did not run"}` };
      return { status: "decided", branch: random.branches[id]! };
    }
    const spec = random.plan.steps.find((s) => s.id === id)!;
    for (const dep of deps) {
      const got = known.get(dep)!;
      const branches = targetsOf.get(dep);
      if (branches) {
        if (got.status === "skipped") return { status: "skipped", reason: `decision '${dep}' was not evaluated (${got.reason})` };
        if (!branches[got.branch as "then" | "else"].includes(id)) return { status: "skipped", reason: `decision '${dep}' took '${got.branch}'` };
      } else if (got.status !== "done" && !(spec.optional_depends_on as string[]).includes(dep)) {
        const how = got.status === "failed" ? "failed" : got.status === "rejected" ? "was rejected" : "was skipped";
        return { status: "skipped", reason: `'${dep}' ${how}` };
      }
    }
    return { status: random.outcomes.get(id)! };
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of prepared.graph.nodes) {
      if (known.has(id) || !(prepared.graph.deps.get(id) ?? []).every((dep) => known.has(dep))) continue;
      known.set(id, judge(id));
      changed = true;
    }
  }
  return known;
}

/**
 * The engine's incremental readiness, completions arriving in the order `picks` chooses. After
 * every completion the nodes it has started must be exactly what a fresh snapshot offers.
 */
function simulate(structure: ReadinessStructure, random: RandomPlan, picks: number[]): Map<string, Expected> {
  const steps: Record<string, StepRecord> = {};
  const decisions: Record<string, DecisionOutcome> = {};
  const records = recordsOf(steps, decisions);
  const counter = new PendingDeps(structure);
  counter.count(structure.order, () => false);
  const running: string[] = [];
  const resolve = (id: string, record: StepRecord | DecisionOutcome, isDecision: boolean) => {
    if (isDecision) decisions[id] = record as DecisionOutcome;
    else steps[id] = record as StepRecord;
    for (const next of counter.release(id)) admit(next, verdictFor(structure, next, records));
  };
  const admit = (id: string, verdict: { run: true } | { run: false; reason: string }) => {
    const isDecision = structure.branches.has(id);
    expect((structure.deps.get(id) ?? []).every((dep) => steps[dep] !== undefined || decisions[dep] !== undefined)).toBe(true);
    if (verdict.run) running.push(id);
    else resolve(id, isDecision ? { status: "skipped", reason: verdict.reason } : { status: "skipped", attempts: 0, reason: verdict.reason }, isDecision);
  };
  for (const next of assessReadiness(structure, records)) admit(next.id, next);
  for (let turn = 0; running.length; turn++) {
    expect(new Set(assessReadiness(structure, records).map((n) => n.id))).toEqual(new Set(running));
    const [id] = running.splice(picks[turn % picks.length]! % running.length, 1);
    if (structure.branches.has(id!)) resolve(id!, decided(random.branches[id!]!), true);
    else resolve(id!, { status: random.outcomes.get(id!)!, attempts: 1 }, false);
  }
  const out = new Map<string, Expected>();
  for (const id of structure.order) {
    const record = steps[id] ?? decisions[id];
    expect(record, `'${id}' was never resolved`).toBeDefined();
    out.set(id, { status: record!.status, ...(record!.status === "skipped" ? { reason: record!.reason } : {}), ...("branch" in record! && record!.branch ? { branch: record!.branch } : {}) });
  }
  return out;
}

describe("readiness against a naive reference (random DAGs, outcomes and completion orders)", () => {
  it("the incremental readiness resolves every node as the reference does, in any completion order", () => {
    fc.assert(
      fc.property(randomPlan, fc.array(fc.nat(), { minLength: 1, maxLength: 20 }), (random, picks) => {
        const prepared = prepare(random.plan, [tool]);
        expect(simulate(readinessStructure(prepared), random, picks)).toEqual(reference(prepared, random));
      }),
      { numRuns: 400 },
    );
  });

  it("the scheduler runs exactly the steps the reference runs, once each, and records the reference's outcomes", async () => {
    await fc.assert(
      fc.asyncProperty(randomPlan, fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 12 }), async (random, delays) => {
        const { tool: outcome, calls } = outcomeTool();
        random.plan.steps.forEach((s, i) => ((s.params as Record<string, unknown>).ms = delays[i % delays.length]));
        const prepared = prepare(random.plan, [outcome]);
        const run = scheduler(prepared, { evaluateDecision: fixedBranches(random.branches) });
        run.start();
        for (;;) {
          await run.whenIdle();
          const waiting = run.pendingApprovals();
          if (!waiting.length) break;
          for (const id of waiting) run.answerApproval(id, { action: "reject" });
        }
        const expected = reference(prepared, random);
        for (const [id, want] of expected) {
          const got = run.stepRecord(id) ?? run.decisionOutcome(id);
          expect({ id, status: got?.status, reason: got?.status === "skipped" ? got.reason : undefined }).toEqual({
            id,
            status: want.status,
            reason: want.status === "skipped" ? want.reason : undefined,
          });
          if (want.branch) expect(run.decisionOutcome(id)?.branch).toBe(want.branch);
        }
        const ran = [...expected].filter(([id, e]) => random.outcomes.has(id) && (e.status === "done" || e.status === "failed")).map(([id]) => id);
        expect([...calls].sort()).toEqual(ran.sort());
      }),
      { numRuns: 150 },
    );
  });
});
