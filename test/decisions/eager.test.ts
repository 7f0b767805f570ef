/**
 * Decisions are eager too: a decision is evaluated the moment its `after` steps finish, and its
 * branch starts right then, not when the slowest step of LangGraph's superstep ends. Fake timers
 * drive the `sleep` tool and the injected clock, so times are exact.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { runPlan, type RunPlanOptions } from "../../src/api/run-plan.js";
import type { RunResult } from "../../src/engine/result.js";

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

/** Runs a plan on fake time, advancing the clock until it settles. */
async function runOnFakeTime(plan: unknown, options: RunPlanOptions = {}): Promise<RunResult> {
  let settled = false;
  const run = runPlan(plan, { chatModel: null, clock: { now: () => Date.now() }, ...options }).finally(() => {
    settled = true;
  });
  for (let i = 0; i < 100 && !settled; i++) await vi.advanceTimersByTimeAsync(100);
  return run;
}

/** A (100 ms) → D → then T (200 ms) / else E (50 ms); B (1000 ms) runs alongside. */
function planWith(n: number) {
  return {
    steps: [
      { id: "A", tool: "sleep", params: { ms: 100, n } },
      { id: "B", tool: "sleep", params: { ms: 1000 } },
      { id: "T", tool: "sleep", params: { ms: 200 } },
      { id: "E", tool: "sleep", params: { ms: 50 } },
    ],
    decisions: [{ id: "D", after: ["A"], condition: "{A.data.n} > 3", then: ["T"], else: ["E"] }],
  };
}

describe("eager decisions", () => {
  it("decides at 100 ms, when its `after` step ends, while a slow parallel step is still running", async () => {
    const result = await runOnFakeTime(planWith(5));
    expect(result.decisions.D).toMatchObject({ branch: "then", source: "rule", at_ms: 100 });
    expect(result.timings.B).toEqual({ start_ms: 0, end_ms: 1000 });
  });

  it("starts the `then` step at 100 ms, when the decision resolves, not after the slow step", async () => {
    const result = await runOnFakeTime(planWith(5));
    expect(result.timings.T).toEqual({ start_ms: 100, end_ms: 300 });
    expect(result.makespan_ms).toBe(1000);
    expect(result.skipped).toEqual(["E"]);
  });

  it("starts the `else` step at 100 ms as well when the rule is false", async () => {
    const result = await runOnFakeTime(planWith(1));
    expect(result.decisions.D).toMatchObject({ branch: "else", at_ms: 100 });
    expect(result.timings.E).toEqual({ start_ms: 100, end_ms: 150 });
    expect(result.skipped).toEqual(["T"]);
  });

  it("chains decisions eagerly: a second decision after the first branch decides at 300 ms", async () => {
    const plan = planWith(5);
    plan.steps.push({ id: "U", tool: "sleep", params: { ms: 100 } });
    (plan.decisions as Array<Record<string, unknown>>).push({ id: "D2", after: ["T"], condition: "{T.data.slept_ms} == 200", then: ["U"], else: [] });
    const result = await runOnFakeTime(plan);
    expect(result.decisions.D2).toMatchObject({ branch: "then", at_ms: 300 });
    expect(result.timings.U).toEqual({ start_ms: 300, end_ms: 400 });
    expect(result.makespan_ms).toBe(1000);
  });

  it("starts a branch step that also needs the slow step when the slow step ends, and no earlier", async () => {
    const plan = planWith(5);
    (plan.steps[2] as Record<string, unknown>).depends_on = ["B"];
    const result = await runOnFakeTime(plan);
    expect(result.decisions.D).toMatchObject({ branch: "then", at_ms: 100 });
    expect(result.timings.T).toEqual({ start_ms: 1000, end_ms: 1200 });
  });
});
