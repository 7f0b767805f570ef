import { afterEach, describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import { runPlan } from "../../src/api/run-plan.js";
import { elementTools, fanOutPlan } from "./support.js";

afterEach(() => vi.useRealTimers());

// Replay a failure with the `{ seed, path }` fast-check prints, in the fc.assert options.
describe("for_each properties (random lists, failures, caps; fake time)", () => {
  it("every element runs once, outputs keep element order, caps hold, policies hold, the dependent starts at the last element's end", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ ms: fc.integer({ min: 0, max: 300 }), fail: fc.boolean() }), { maxLength: 25 }),
        fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        fc.constantFrom("fail" as const, "skip" as const, "collect" as const),
        async (specs, cap, runCap, policy) => {
          vi.useFakeTimers();
          try {
            const elements = specs.map((s, i) => ({ id: `e${i}`, ms: s.ms, fail: s.fail }));
            const log = elementTools();
            const running = runPlan(fanOutPlan(elements, { on_item_error: policy, ...(cap ? { max_concurrency: cap } : {}) }), {
              tools: log.tools,
              clock: { now: () => Date.now() },
              ...(runCap ? { maxConcurrency: runCap } : {}),
            });
            await vi.runAllTimersAsync();
            const result = await running;
            // Once each.
            expect([...log.calls].sort()).toEqual(elements.map((e) => e.id).sort());
            // Within both caps.
            expect(log.maxActive).toBeLessThanOrEqual(Math.min(cap ?? Infinity, runCap ?? Infinity));
            if (elements.length) expect(log.maxActive).toBeGreaterThan(0);
            const failed = elements.flatMap((e, i) => (e.fail ? [i] : []));
            const ok = (i: number) => ({ data: { id: `e${i}`, index: i } });
            expect(result.items!.each).toMatchObject({ total: elements.length, failed: failed.length, done: elements.length - failed.length });
            if (policy === "fail" && failed.length) {
              expect(result.error_codes.each).toBe("FOR_EACH_ITEM_FAILED");
              expect(result.errors.each).toContain(`(index ${failed.slice(0, 20).join(", ")}`);
              expect(result.skipped).toContain("after");
            } else {
              const expected = policy === "skip" ? elements.flatMap((e, i) => (e.fail ? [] : [ok(i)])) : elements.map((e, i) => (e.fail ? null : ok(i)));
              expect(result.results.each).toEqual(expected);
              if (policy === "collect") expect(Object.keys(result.item_errors!.each ?? {})).toEqual(failed.map(String));
              // The step ends with its last element; its dependent starts then.
              const ends = result.items!.each!.elements.map((e) => e.end_ms!);
              const each = result.timings.each!;
              expect(each.end_ms).toBe(ends.length ? Math.max(...ends) : each.start_ms);
              expect(result.timings.after!.start_ms).toBe(each.end_ms);
            }
          } finally {
            vi.useRealTimers();
          }
        },
      ),
      { numRuns: 60 },
    );
  }, 60_000);
});
