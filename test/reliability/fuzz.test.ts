/**
 * Fuzz: at least 10,000 generated malformed plans per run through `preparePlan` (every
 * compile-time check), and a sample of the accepted ones through `runPlan`. The mix includes plans
 * nested far past the nesting limit and plans with huge strings (issue 12 findings 3, 4, 13). Every plan is either
 * rejected with a typed PlangraphError or runs to a well-formed result; never an untyped or
 * uncaught exception, never a hang (each case is timed), never a polluted prototype.
 *
 * The seed is random per run and printed; replay one with PLANGRAPH_FUZZ_SEED=<seed>.
 * PLANGRAPH_FUZZ_RUNS overrides the count (default 10,000).
 *
 * Reproduce: npx vitest run test/reliability/fuzz.test.ts
 */
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlangraphError, PlanValidationError } from "../../src/model/errors.js";
import { runPlan } from "../../src/api/run-plan.js";
import type { RunResult } from "../../src/engine/result.js";
import { malformedPlan } from "./support/fuzz.js";
import { counter, prepare } from "./support/tools.js";

const RUNS = Number(process.env.PLANGRAPH_FUZZ_RUNS ?? 10_000);
const SEED = Number(process.env.PLANGRAPH_FUZZ_SEED ?? Date.now() % 2_147_483_647);
const SAMPLE = 300;
/** One preparePlan call may take this long at most (a hang or a blow-up shows here). */
const MAX_CASE_MS = 2_000;

type Snapshot = Map<PropertyKey, unknown>;
const PROTOTYPES = { Object: Object.prototype, Array: Array.prototype, Function: Function.prototype } as const;

function snapshot(target: object): Snapshot {
  const snap: Snapshot = new Map();
  for (const key of Reflect.ownKeys(target)) {
    const d = Object.getOwnPropertyDescriptor(target, key)!;
    snap.set(key, "value" in d ? d.value : [d.get, d.set]);
  }
  return snap;
}

function assertPristine(before: Record<string, Snapshot>): void {
  for (const [name, proto] of Object.entries(PROTOTYPES)) {
    const after = snapshot(proto);
    const added = [...after.keys()].filter((k) => !before[name]!.has(k)).map(String);
    const changed = [...after.keys()].filter((k) => before[name]!.has(k) && !Object.is(after.get(k), before[name]!.get(k)) && !Array.isArray(after.get(k))).map(String);
    expect({ prototype: name, added, changed }).toEqual({ prototype: name, added: [], changed: [] });
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(([] as unknown as Record<string, unknown>).polluted).toBeUndefined();
  expect((function () {} as unknown as Record<string, unknown>).polluted).toBeUndefined();
}

const uncaught: unknown[] = [];
const onUncaught = (error: unknown) => uncaught.push(error);
let baseline: Record<string, Snapshot>;

beforeAll(() => {
  baseline = Object.fromEntries(Object.entries(PROTOTYPES).map(([name, proto]) => [name, snapshot(proto)]));
  process.on("uncaughtException", onUncaught);
  process.on("unhandledRejection", onUncaught);
});
afterAll(() => {
  process.off("uncaughtException", onUncaught);
  process.off("unhandledRejection", onUncaught);
});

const tools = counter();
const accepted: unknown[] = [];

describe(`fuzz: ${RUNS} malformed plans (seed ${SEED})`, () => {
  it("every plan is rejected with a typed error or accepted; no untyped throw, no hang, no pollution", () => {
    const outcomes = new Map<string, number>();
    let slowest = 0;
    let total = 0;
    const started = performance.now();
    fc.assert(
      fc.property(malformedPlan, (plan) => {
        total++;
        const t0 = performance.now();
        let outcome: string;
        try {
          prepare(plan, [tools.tool]);
          outcome = "accepted";
          if (accepted.length < SAMPLE) accepted.push(plan);
        } catch (error) {
          if (!(error instanceof PlangraphError)) throw new Error(`untyped ${Object.prototype.toString.call(error)}: ${String((error as Error)?.stack ?? error)}`);
          const issues = error instanceof PlanValidationError ? error.issues : [error];
          expect(issues.length).toBeGreaterThan(0);
          for (const issue of issues) {
            expect(issue).toBeInstanceOf(PlangraphError);
            expect(issue.code).toMatch(/^[A-Z_]+$/);
            expect(issue.message.length).toBeGreaterThan(10);
            // Hostile input is echoed shortened and escaped (issue 12 finding 13).
            expect(issue.message.length).toBeLessThan(5_000);
            expect(issue.message).not.toMatch(/[\u202a-\u202e\u2066-\u2069\u0000-\u0008\u001b]/);
          }
          outcome = issues[0]!.code;
        }
        const ms = performance.now() - t0;
        slowest = Math.max(slowest, ms);
        expect(ms, "one preparePlan call").toBeLessThan(MAX_CASE_MS);
        outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
      }),
      { numRuns: RUNS, seed: SEED },
    );
    const elapsed = performance.now() - started;
    console.log(
      `[reliability] fuzz preparePlan ${JSON.stringify({ seed: SEED, plans: total, elapsedMs: Math.round(elapsed), slowestCaseMs: Math.round(slowest), outcomes: Object.fromEntries([...outcomes].sort((a, b) => b[1] - a[1])) })}`,
    );
    expect(total).toBeGreaterThanOrEqual(RUNS);
    expect(tools.calls, "preparePlan never calls a tool").toEqual([]);
    assertPristine(baseline);
    expect(uncaught).toEqual([]);
  }, 180_000);

  it(`a sample of the accepted plans (up to ${SAMPLE}) runs to a well-formed result`, async () => {
    const statuses = new Map<string, number>();
    let slowest = 0;
    for (const plan of accepted) {
      const prepared = prepare(plan, [tools.tool]);
      const t0 = performance.now();
      let result: RunResult;
      try {
        result = await runPlan(plan, { tools: [tools.tool], chatModel: null, telemetry: false, approveAll: true, limits: { maxRunMs: 3_000 } });
      } catch (error) {
        // Only a typed refusal is acceptable (none is expected for a plan preparePlan accepted).
        expect(error, String(error)).toBeInstanceOf(PlangraphError);
        statuses.set(`threw ${(error as PlangraphError).code}`, (statuses.get(`threw ${(error as PlangraphError).code}`) ?? 0) + 1);
        continue;
      }
      slowest = Math.max(slowest, performance.now() - t0);
      expect(["completed", "failed", "interrupted"]).toContain(result.status);
      const steps = prepared.steps;
      const accounted = [...Object.keys(result.results), ...Object.keys(result.errors), ...result.skipped, ...result.pending.map((p) => p.step), ...(result.waiting ?? [])];
      expect(accounted.sort(), JSON.stringify(plan)).toEqual([...steps.keys()].sort());
      expect(Object.keys(result.error_codes).sort()).toEqual(Object.keys(result.errors).sort());
      for (const code of Object.values(result.error_codes)) expect(code).toMatch(/^[A-Z_]+$/);
      statuses.set(result.status, (statuses.get(result.status) ?? 0) + 1);
    }
    console.log(`[reliability] fuzz runPlan sample ${JSON.stringify({ plans: accepted.length, slowestRunMs: Math.round(slowest), statuses: Object.fromEntries(statuses) })}`);
    expect(accepted.length).toBeGreaterThan(50);
    assertPristine(baseline);
    expect(uncaught).toEqual([]);
  }, 120_000);
});
