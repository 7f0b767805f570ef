import { afterEach, describe, expect, it, vi } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import type { RunEvent } from "../../src/engine/scheduler.js";
import { RunResultSchema } from "../../src/model/result.js";
import { elementTools, fanOutPlan, type Element } from "./support.js";

const els = (n: number, failing: number[] = [], ms = 5): Element[] => Array.from({ length: n }, (_, i) => ({ id: `e${i}`, ms, fail: failing.includes(i) }));

afterEach(() => vi.useRealTimers());

describe("for_each: one tool call per element", () => {
  it("runs the tool once per element and returns the outputs in element order", async () => {
    const log = elementTools();
    // Later elements are faster: completion order is the reverse of element order.
    const elements = els(6).map((e, i) => ({ ...e, ms: 30 - i * 5 }));
    const result = await runPlan(fanOutPlan(elements), { tools: log.tools });
    expect(result.status).toBe("completed");
    expect([...log.calls].sort()).toEqual(elements.map((e) => e.id).sort());
    expect(result.results.each).toEqual(elements.map((e, index) => ({ data: { id: e.id, index } })));
    expect(result.items!.each).toMatchObject({ total: 6, done: 6, failed: 0 });
    expect(result.items!.each!.elements.map((e) => e.index)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(RunResultSchema.safeParse(result).success).toBe(true);
  });

  it("never runs more than max_concurrency elements at once", async () => {
    const log = elementTools();
    const result = await runPlan(fanOutPlan(els(12), { max_concurrency: 3 }), { tools: log.tools });
    expect(result.status).toBe("completed");
    expect(log.calls).toHaveLength(12);
    expect(log.maxActive).toBe(3);
  });

  it("stays within the run's maxConcurrency too", async () => {
    const log = elementTools();
    const result = await runPlan(fanOutPlan(els(10), { max_concurrency: 8 }), { tools: log.tools, maxConcurrency: 2 });
    expect(result.status).toBe("completed");
    expect(log.maxActive).toBe(2);
  });

  it("an empty list succeeds with [] and its dependents run", async () => {
    const log = elementTools();
    const result = await runPlan(fanOutPlan([]), { tools: log.tools });
    expect(result.status).toBe("completed");
    expect(result.results.each).toEqual([]);
    expect(result.results.after).toEqual({ data: { n: 0 } });
    expect(result.items!.each).toEqual({ total: 0, done: 0, failed: 0, elements: [] });
  });

  it("references into the list read one element: {each[1].data.id} and {each[-1]}", async () => {
    const log = elementTools();
    const plan = fanOutPlan(els(3));
    plan.steps.push({ id: "pick", tool: "echo", params: { second: "{each[1].data.id}", last: "{each[-1]}" } } as never);
    const result = await runPlan(plan, { tools: log.tools });
    expect(result.results.pick).toEqual({ data: { second: "e1", last: { data: { id: "e2", index: 2 } } } });
  });
});

describe("for_each: policies for failed elements", () => {
  it('"fail" (default): the step fails after the other elements finish, naming the failed indices', async () => {
    const log = elementTools();
    const result = await runPlan(fanOutPlan(els(5, [1, 3])), { tools: log.tools });
    expect(result.status).toBe("failed");
    expect(log.calls).toHaveLength(5);
    expect(result.error_codes.each).toBe("FOR_EACH_ITEM_FAILED");
    expect(result.errors.each).toMatch(/2 of 5 elements failed \(index 1, 3\)/);
    expect(result.skipped).toContain("after");
    expect(result.items!.each).toMatchObject({ total: 5, done: 3, failed: 2 });
  });

  it('"skip": failed elements are left out of the list and a warning names each', async () => {
    const log = elementTools();
    const result = await runPlan(fanOutPlan(els(5, [0, 4]), { on_item_error: "skip" }), { tools: log.tools });
    expect(result.status).toBe("completed");
    expect((result.results.each as Array<{ data: { id: string } }>).map((r) => r.data.id)).toEqual(["e1", "e2", "e3"]);
    expect(result.warnings.filter((w) => /element \d failed and was left out/.test(w))).toHaveLength(2);
    expect(result.warnings.join("\n")).toMatch(/element 0 failed.*broken/);
    expect(result.results.after).toBeDefined();
  });

  it('"collect": the step succeeds, a failed entry is null and item_errors holds its error', async () => {
    const log = elementTools();
    const result = await runPlan(fanOutPlan(els(4, [2]), { on_item_error: "collect" }), { tools: log.tools });
    expect(result.status).toBe("completed");
    expect(result.results.each).toEqual([{ data: { id: "e0", index: 0 } }, { data: { id: "e1", index: 1 } }, null, { data: { id: "e3", index: 3 } }]);
    expect(result.item_errors!.each).toEqual({ "2": { code: "TOOL_FAILED", message: expect.stringMatching(/each\[2\].*element e2 is broken/) } });
  });

  it("retries each element on its own, per the step's retry policy", async () => {
    let calls = 0;
    const log = elementTools();
    const flaky = log.tools[1]!;
    const original = flaky.invoke.bind(flaky);
    // The element with id e1 fails its first call only.
    flaky.invoke = (async (input: { id: string }, config?: unknown) => {
      if (input.id === "e1" && calls++ === 0) throw new Error("transient");
      return original(input as never, config as never);
    }) as never;
    const result = await runPlan(fanOutPlan(els(3), { retry: { max_attempts: 2, backoff_ms: 1 } }), { tools: log.tools });
    expect(result.status).toBe("completed");
    expect(result.attempts.each).toBe(4);
  });
});

describe("for_each: the list at run time and the limits", () => {
  it("fails with FOR_EACH_NOT_LIST naming the step and the path when the value is not a list", async () => {
    const plan = { steps: [{ id: "src", tool: "echo", params: { rows: "not a list" } }, { id: "each", tool: "echo", for_each: "{src.data.rows}", params: { x: "{item}" } }] };
    const result = await runPlan(plan);
    expect(result.status).toBe("failed");
    expect(result.error_codes.each).toBe("FOR_EACH_NOT_LIST");
    expect(result.errors.each).toMatch(/step 'each': for_each \{src\.data\.rows\} is not a list/);
  });

  it("over max_items: LIMIT_EXCEEDED before any element call, naming step, count and limit", async () => {
    const log = elementTools();
    const result = await runPlan(fanOutPlan(els(5), { max_items: 4 }), { tools: log.tools });
    expect(result.error_codes.each).toBe("LIMIT_EXCEEDED");
    expect(result.errors.each).toMatch(/step 'each'.*5 elements.*limit is 4/);
    expect(log.calls).toEqual([]);
  });

  it("over the run's maxItemsPerStep and maxItemsPerRun: LIMIT_EXCEEDED before any element call", async () => {
    const perStep = elementTools();
    const a = await runPlan(fanOutPlan(els(5)), { tools: perStep.tools, limits: { maxItemsPerStep: 3 } });
    expect(a.errors.each).toMatch(/5 elements.*limit is 3/);
    expect(perStep.calls).toEqual([]);
    const perRun = elementTools();
    const plan = fanOutPlan(els(3));
    plan.steps.push({ id: "again", tool: "visit", for_each: "{list.data.rows}", params: { id: "{item.id}", ms: 1, fail: false, index: "{item_index}" }, depends_on: ["each"] } as never);
    const b = await runPlan(plan, { tools: perRun.tools, limits: { maxItemsPerRun: 5 } });
    expect(b.results.each).toHaveLength(3);
    expect(b.error_codes.again).toBe("LIMIT_EXCEEDED");
    expect(b.errors.again).toMatch(/step 'again'.*3 elements.*run to 6.*per run is 5/);
    expect(perRun.calls).toHaveLength(3);
  });
});

describe("for_each on fake time: eager elements, dependents at the last element's end", () => {
  it("starts every element when the list resolves and the dependent when the last element ends", async () => {
    vi.useFakeTimers();
    const log = elementTools();
    const elements = [100, 400, 250].map((ms, i) => ({ id: `e${i}`, ms, fail: false }));
    const plan = fanOutPlan(elements);
    // An unrelated slow step must not hold the dependent back.
    plan.steps.push({ id: "slow", tool: "sleep", params: { ms: 2000 } } as never);
    const events: RunEvent[] = [];
    const running = runPlan(plan, { tools: log.tools, clock: { now: () => Date.now() }, onEvent: (e) => events.push(e) });
    await vi.runAllTimersAsync();
    const result = await running;
    expect(result.status).toBe("completed");
    const each = result.timings.each!;
    expect(result.items!.each!.elements.map((e) => [e.start_ms, e.end_ms])).toEqual([
      [each.start_ms, each.start_ms + 100],
      [each.start_ms, each.start_ms + 400],
      [each.start_ms, each.start_ms + 250],
    ]);
    expect(each.end_ms).toBe(each.start_ms + 400);
    expect(result.timings.after!.start_ms).toBe(each.end_ms);
    expect(events.filter((e) => e.type === "item_end").map((e) => (e as { index: number }).index)).toEqual([0, 2, 1]);
  });
});

describe("for_each with the step cache", () => {
  it('"cache": true caches each element by its input: a second run calls no element and returns the same list', async () => {
    const { MemoryStepCache } = await import("../../src/engine/step-cache.js");
    const cache = new MemoryStepCache();
    const log = elementTools();
    const plan = fanOutPlan(els(3), { cache: true });
    const first = await runPlan(plan, { tools: log.tools, cache });
    expect(log.calls).toHaveLength(3);
    const second = await runPlan(plan, { tools: log.tools, cache });
    expect(log.calls).toHaveLength(3);
    expect(second.results.each).toEqual(first.results.each);
    // A step every element of which came from the cache is listed as cached, as a plain step is.
    expect(first.cached).not.toContain("each");
    expect(second.cached).toContain("each");
  });
});

describe("for_each in the sectioned form", () => {
  it("a section may fan out over another section's list", async () => {
    const result = await runPlan({ primary: { tool: "echo", params: { rows: [1, 2] } }, aggregate: { tool: "echo", for_each: "{primary.data.rows}", params: { v: "{item}" } } });
    expect(result.results.aggregate).toEqual([{ data: { v: 1 } }, { data: { v: 2 } }]);
  });
});
