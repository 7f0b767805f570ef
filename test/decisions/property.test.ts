/**
 * Random plans with random rule decisions, run for real and checked against a reference model of
 * the documented semantics written here: a step runs iff every dependency ran and every decision
 * routing to it took the branch it is on; a decision is evaluated iff its `after` steps ran.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { probeTool } from "./support.js";

const OPERATORS = [">", ">=", "<", "<=", "==", "!="] as const;
type Operator = (typeof OPERATORS)[number];

interface ModelDecision {
  id: string;
  after: number[];
  /** The condition compares `{s<ref>.data.n}` with `constant`. */
  ref: number;
  operator: Operator;
  constant: number;
  then: number[];
  else: number[];
}

interface ModelPlan {
  n: number[];
  deps: number[][];
  decisions: ModelDecision[];
}

const stepId = (i: number) => `s${i}`;

function compare(left: number, operator: Operator, right: number): boolean {
  switch (operator) {
    case ">":
      return left > right;
    case ">=":
      return left >= right;
    case "<":
      return left < right;
    case "<=":
      return left <= right;
    case "==":
      return left === right;
    case "!=":
      return left !== right;
  }
}

/** Raw random choices; `buildModel` turns them into a plan that respects the decision rules. */
const rawPlan = fc.integer({ min: 4, max: 20 }).chain((size) =>
  fc.record({
    n: fc.array(fc.integer({ min: 0, max: 9 }), { minLength: size, maxLength: size }),
    deps: fc.array(fc.array(fc.nat(), { maxLength: 3 }), { minLength: size, maxLength: size }),
    decisions: fc.array(
      fc.record({
        after: fc.array(fc.nat(), { minLength: 1, maxLength: 2 }),
        operator: fc.constantFrom(...OPERATORS),
        constant: fc.integer({ min: 0, max: 9 }),
        then: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
        else: fc.array(fc.nat(), { maxLength: 3 }),
      }),
      { maxLength: 5 },
    ),
  }),
);

type RawPlan = typeof rawPlan extends fc.Arbitrary<infer T> ? T : never;

/**
 * Dependencies only point back in plan order. A decision's targets come after its `after` steps;
 * a step is the target of at most one decision; and a target may not also need a step that runs
 * after its own decision (the plan would be invalid), so such targets are dropped; and a decision
 * routes to at least one step.
 */
function buildModel(raw: RawPlan): ModelPlan {
  const size = raw.n.length;
  const deps = raw.deps.map((seeds, i) => (i === 0 ? [] : [...new Set(seeds.map((s) => s % i))]));
  const taken = new Set<number>();
  const decisions: ModelDecision[] = [];
  raw.decisions.forEach((d, k) => {
    const after = [...new Set(d.after.map((s) => s % (size - 1)))];
    const last = Math.max(...after);
    const pick = (seeds: number[]) => {
      const chosen: number[] = [];
      for (const seed of seeds) {
        const free = Array.from({ length: size - last - 1 }, (_, j) => last + 1 + j).filter((i) => !taken.has(i));
        if (!free.length) break;
        const target = free[seed % free.length]!;
        taken.add(target);
        chosen.push(target);
      }
      return chosen;
    };
    const thenTargets = pick(d.then);
    const elseTargets = pick(d.else);
    decisions.push({ id: `d${k}`, after, ref: after[0]!, operator: d.operator, constant: d.constant, then: thenTargets, else: elseTargets });
  });

  // Drop targets that need a step downstream of their own decision, until none is left.
  for (let changed = true; changed; ) {
    changed = false;
    const downstream = downstreamOfDecisions({ n: raw.n, deps, decisions });
    for (const d of decisions) {
      for (const branch of ["then", "else"] as const) {
        const bad = d[branch].find((t) => deps[t]!.some((y) => downstream.get(d.id)!.has(y)));
        if (bad !== undefined) {
          d[branch] = d[branch].filter((t) => t !== bad);
          changed = true;
        }
      }
    }
  }
  // A decision must route somewhere; one left without targets is dropped (that only removes edges).
  return { n: raw.n, deps, decisions: decisions.filter((d) => d.then.length + d.else.length > 0) };
}

/** For each decision, the steps that run after it (its targets and everything depending on them). */
function downstreamOfDecisions(model: ModelPlan): Map<string, Set<number>> {
  const result = new Map<string, Set<number>>();
  // Plan order is a topological order of steps; a decision sits between its `after` and its targets.
  const decisionsAfter = (i: number) => model.decisions.filter((d) => d.after.includes(i));
  for (const start of model.decisions) {
    const seen = new Set<number>();
    const visitDecision = (d: ModelDecision) => [...d.then, ...d.else].forEach(visitStep);
    const visitStep = (i: number) => {
      if (seen.has(i)) return;
      seen.add(i);
      model.deps.forEach((deps, j) => deps.includes(i) && visitStep(j));
      decisionsAfter(i).forEach(visitDecision);
    };
    visitDecision(start);
    result.set(start.id, seen);
  }
  return result;
}

function toPlan(model: ModelPlan) {
  return {
    steps: model.n.map((n, i) => ({ id: stepId(i), tool: "probe", params: { step: stepId(i), n }, depends_on: model.deps[i]!.map(stepId) })),
    decisions: model.decisions.map((d) => ({
      id: d.id,
      after: d.after.map(stepId),
      condition: `{${stepId(d.ref)}.data.n} ${d.operator} ${d.constant}`,
      then: d.then.map(stepId),
      else: d.else.map(stepId),
    })),
  };
}

/** What the documented semantics say happens. */
function expectedOutcome(model: ModelPlan) {
  const ran = new Set<number>();
  const branches = new Map<string, "then" | "else">();
  const routedBy = new Map<number, ModelDecision>();
  for (const d of model.decisions) for (const t of [...d.then, ...d.else]) routedBy.set(t, d);
  const decide = (d: ModelDecision) => {
    if (branches.has(d.id) || !d.after.every((a) => ran.has(a))) return;
    branches.set(d.id, compare(model.n[d.ref]!, d.operator, d.constant) ? "then" : "else");
  };
  model.n.forEach((_, i) => {
    // Every decision whose `after` steps are all before i can be settled now.
    model.decisions.filter((d) => Math.max(...d.after) < i).forEach(decide);
    const router = routedBy.get(i);
    const routed = router === undefined || (branches.has(router.id) && router[branches.get(router.id)!].includes(i));
    if (routed && model.deps[i]!.every((dep) => ran.has(dep))) ran.add(i);
  });
  model.decisions.forEach(decide);
  return { ran, branches };
}

describe("random plans with rule decisions", () => {
  it("run exactly the steps the semantics say, never a branch before its decision, and never a skipped step's tool", { timeout: 30_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(rawPlan, async (raw) => {
        const model = buildModel(raw);
        const plan = toPlan(model);
        const probe = probeTool();
        const result = await runPlan(plan, { tools: [probe.tool], chatModel: null });
        const all = plan.steps.map((s) => s.id);
        const expected = expectedOutcome(model);

        // Every step is accounted for exactly once.
        const executed = [...Object.keys(result.results), ...Object.keys(result.errors)];
        expect([...executed, ...result.skipped].sort()).toEqual([...all].sort());
        expect(new Set([...executed, ...result.skipped]).size).toBe(all.length);
        expect(result.status).toBe("completed");

        // Exactly the steps the semantics say, with the branches they say.
        expect(executed.sort()).toEqual([...expected.ran].map(stepId).sort());
        expect(Object.fromEntries(Object.entries(result.decisions).map(([id, d]) => [id, d.branch]))).toEqual(Object.fromEntries(expected.branches));
        for (const d of Object.values(result.decisions)) expect(d.source).toBe("rule");

        // No step behind a decision started before the decision was made.
        const downstream = downstreamOfDecisions(model);
        for (const [id, decision] of Object.entries(result.decisions)) {
          for (const i of downstream.get(id)!) {
            const timing = result.timings[stepId(i)];
            if (timing) expect(timing.start_ms).toBeGreaterThanOrEqual(decision.at_ms!);
          }
        }

        // Tools ran once for executed steps, never for skipped ones.
        for (const id of executed) expect(probe.count(id)).toBe(1);
        for (const id of result.skipped) expect(probe.count(id)).toBe(0);
      }),
      { numRuns: 60 },
    );
  });
});
