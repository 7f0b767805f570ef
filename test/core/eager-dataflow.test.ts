import { afterEach, describe, expect, it, vi } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import type { RunEvent } from "../../src/engine/scheduler.js";

/**
 * The DESIGN.md example: A 100 ms, B 1000 ms, C 900 ms after A, D after B and C. Superstep
 * execution would start C at 1000 (when the level {A, B} ends); eager dataflow starts it at 100.
 *
 * Time is faked (`vi.useFakeTimers()`, vitest's defaults) and the run's clock reads `Date.now`, so
 * timings are exact. The built-in `sleep` tool waits with the global setTimeout, which the fake
 * timers drive; LangGraph's own machinery runs on promises and is not held up by them.
 */
const plan = {
  steps: [
    { id: "A", tool: "sleep", params: { ms: 100 } },
    { id: "B", tool: "sleep", params: { ms: 1000 } },
    { id: "C", tool: "sleep", params: { ms: 900 }, depends_on: ["A"] },
    { id: "D", tool: "echo", depends_on: ["B", "C"] },
  ],
};

afterEach(() => {
  vi.useRealTimers();
});

describe("eager dataflow, on fake time", () => {
  it("starts C when A ends (100 ms), not when the level {A, B} ends", async () => {
    vi.useFakeTimers();
    const events: RunEvent[] = [];
    const running = runPlan(plan, { clock: { now: () => Date.now() }, onEvent: (e) => events.push(e) });
    const origin = Date.now();

    await vi.advanceTimersByTimeAsync(100);
    const started = (id: string) => events.find((e) => e.type === "step_start" && e.step === id);
    const ended = (id: string) => events.some((e) => e.type === "step_end" && e.step === id);
    // At t = 100 A is done, C already runs, and B is still sleeping.
    expect(ended("A")).toBe(true);
    expect(started("C")).toMatchObject({ at: origin + 100 });
    expect(ended("B")).toBe(false);
    expect(started("D")).toBeUndefined();

    await vi.runAllTimersAsync();
    const result = await running;
    expect(result.status).toBe("completed");
    expect(result.timings).toEqual({
      A: { start_ms: 0, end_ms: 100 },
      B: { start_ms: 0, end_ms: 1000 },
      C: { start_ms: 100, end_ms: 1000 },
      D: { start_ms: 1000, end_ms: 1000 },
    });
  });

  it("finishes at the critical path: makespan 1000 ms = critical_path_ms", async () => {
    vi.useFakeTimers();
    const running = runPlan(plan, { clock: { now: () => Date.now() } });
    await vi.runAllTimersAsync();
    const result = await running;
    expect(result.makespan_ms).toBe(1000);
    expect(result.critical_path_ms).toBe(1000);
    expect(result.timings.D!.start_ms).toBe(1000);
  });

  it("is deterministic: the same timings on every run", async () => {
    vi.useFakeTimers();
    const timings: unknown[] = [];
    for (let i = 0; i < 3; i++) {
      const running = runPlan(plan, { clock: { now: () => Date.now() } });
      await vi.runAllTimersAsync();
      timings.push((await running).timings);
    }
    expect(timings[1]).toEqual(timings[0]);
    expect(timings[2]).toEqual(timings[0]);
  });

  it("starts every ready step at once however wide the fan-out", async () => {
    vi.useFakeTimers();
    const wide = {
      steps: [
        { id: "root", tool: "sleep", params: { ms: 10 } },
        ...Array.from({ length: 30 }, (_, i) => ({ id: `w${i}`, tool: "sleep", params: { ms: 50 + i }, depends_on: ["root"] })),
        { id: "join", tool: "echo", depends_on: Array.from({ length: 30 }, (_, i) => `w${i}`) },
      ],
    };
    const running = runPlan(wide, { clock: { now: () => Date.now() } });
    await vi.runAllTimersAsync();
    const result = await running;
    for (let i = 0; i < 30; i++) expect(result.timings[`w${i}`]).toEqual({ start_ms: 10, end_ms: 60 + i });
    expect(result.timings.join!.start_ms).toBe(89);
    expect(result.makespan_ms).toBe(result.critical_path_ms);
  });
});

describe("eager dataflow: many parallel steps", () => {
  // DESIGN.md: more than ten parallel nodes must not print Node's MaxListenersExceededWarning
  // ("fix it where the signal is created"). Seen failing during this suite's writing (11 abort
  // listeners on LangGraph's per-superstep signal); fixed by c607866.
  it("runs 30 parallel steps without Node's MaxListenersExceededWarning", async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => void warnings.push(warning);
    process.on("warning", onWarning);
    try {
      const result = await runPlan({
        steps: [
          { id: "root", tool: "sleep", params: { ms: 1 } },
          ...Array.from({ length: 30 }, (_, i) => ({ id: `w${i}`, tool: "sleep", params: { ms: 2 }, depends_on: ["root"] })),
        ],
      });
      expect(result.status).toBe("completed");
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("warning", onWarning);
    }
    expect(warnings.filter((w) => w.name === "MaxListenersExceededWarning").map((w) => w.message)).toEqual([]);
  });
});
