/**
 * Opt-in step caching: results keyed by tool and resolved input, fresh for `ttl_ms` on the run's
 * clock, never for side-effecting tools. Each test has its own `MemoryStepCache` and an injected
 * clock it moves by hand.
 */
import { beforeEach, describe, expect, it } from "vitest";
import { runPlan, type RunPlanOptions } from "../../src/api/run-plan.js";
import { MemoryStepCache } from "../../src/engine/step-cache.js";
import { probeStep, probeTool, type Probe } from "./support.js";

let now: number;
let cache: MemoryStepCache;
let probe: Probe;
const clock = { now: () => now };

beforeEach(() => {
  now = 1_700_000_000_000;
  cache = new MemoryStepCache();
  probe = probeTool();
});

function run(plan: unknown, options: RunPlanOptions = {}) {
  return runPlan(plan, { tools: [probe.tool], chatModel: null, cache, clock, ...options });
}

const cachedPlan = { steps: [probeStep("S", { params: { q: "db-prod" }, cache: { ttl_ms: 1_000 } })] };

describe("step cache", () => {
  it("calls the tool once for two runs within the TTL, and lists the step in `cached` on the second", async () => {
    const first = await run(cachedPlan);
    const second = await run(cachedPlan);

    expect(probe.count("S")).toBe(1);
    expect(first.cached).toEqual([]);
    expect(second.cached).toEqual(["S"]);
    expect(second.results.S).toEqual(first.results.S);
    expect(second.status).toBe("completed");
    expect(second.attempts.S).toBeUndefined();
  });

  it("still hits just before the TTL ends, and calls the tool again once it has passed", async () => {
    await run(cachedPlan);
    now += 999;
    expect((await run(cachedPlan)).cached).toEqual(["S"]);
    expect(probe.count("S")).toBe(1);

    now += 1;
    const expired = await run(cachedPlan);
    expect(expired.cached).toEqual([]);
    expect(probe.count("S")).toBe(2);
  });

  it("misses when the resolved input differs, though the plan's template is the same", async () => {
    const plan = (query: string) => ({
      steps: [probeStep("A", { params: { query } }), probeStep("S", { output_mapping: { q: "{A.data.query}" }, cache: { ttl_ms: 60_000 } })],
    });
    await run(plan("db-prod"));
    const other = await run(plan("db-test"));
    const same = await run(plan("db-prod"));

    expect(other.cached).toEqual([]);
    expect(same.cached).toEqual(["S"]);
    expect(probe.count("S")).toBe(2);
    expect(probe.calls.filter((c) => c.step === "S").map((c) => c.input.q)).toEqual(["db-prod", "db-test"]);
    expect(same.results.S).toEqual({ data: { step: "S", q: "db-prod" } });
  });

  it("never caches a side-effecting tool, even when the step asks for it", async () => {
    const restart = probeTool({ name: "restart_vm", sideEffects: true });
    const plan = { steps: [probeStep("S", { cache: { ttl_ms: 60_000 } }, "restart_vm")] };
    await runPlan(plan, { tools: [restart.tool], chatModel: null, cache, clock });
    const second = await runPlan(plan, { tools: [restart.tool], chatModel: null, cache, clock });

    expect(restart.count("S")).toBe(2);
    expect(second.cached).toEqual([]);
  });

  it("caches every side-effect-free step with the `cacheTtlMs` run option, but not side-effecting ones or `cache: false`", async () => {
    const restart = probeTool({ name: "restart_vm", sideEffects: true });
    const plan = {
      steps: [probeStep("A"), probeStep("B", { depends_on: ["A"] }), probeStep("Opt", { cache: false }), probeStep("R", {}, "restart_vm")],
    };
    const options = { tools: [probe.tool, restart.tool], chatModel: null, cache, clock, cacheTtlMs: 60_000 };
    await runPlan(plan, options);
    const second = await runPlan(plan, options);

    expect(second.cached.sort()).toEqual(["A", "B"]);
    expect(probe.count("A")).toBe(1);
    expect(probe.count("B")).toBe(1);
    expect(probe.count("Opt")).toBe(2);
    expect(restart.count("R")).toBe(2);
  });

  it("does not cache a failed call", async () => {
    const flaky = probeTool({ name: "flaky", failTimes: 1 });
    const plan = { steps: [probeStep("S", { cache: { ttl_ms: 60_000 } }, "flaky")] };
    const first = await runPlan(plan, { tools: [flaky.tool], chatModel: null, cache, clock });
    const second = await runPlan(plan, { tools: [flaky.tool], chatModel: null, cache, clock });
    const third = await runPlan(plan, { tools: [flaky.tool], chatModel: null, cache, clock });

    expect(first.status).toBe("failed");
    expect(second.cached).toEqual([]);
    expect(third.cached).toEqual(["S"]);
    expect(flaky.count("S")).toBe(2);
  });

  it("does not call a skipped branch's cached tool, and a cached `after` step still feeds its decision", async () => {
    const plan = {
      steps: [probeStep("A", { params: { n: 5 }, cache: { ttl_ms: 60_000 } }), probeStep("T"), probeStep("E", { cache: { ttl_ms: 60_000 } })],
      decisions: [{ id: "D", after: ["A"], condition: "{A.data.n} > 3", then: ["T"], else: ["E"] }],
    };
    await run(plan);
    const second = await run(plan);

    expect(second.cached).toEqual(["A"]);
    expect(second.decisions.D).toMatchObject({ branch: "then", source: "rule" });
    expect(second.skipped).toEqual(["E"]);
    expect(probe.count("A")).toBe(1);
    expect(probe.count("T")).toBe(2);
    expect(probe.count("E")).toBe(0);
  });
});
