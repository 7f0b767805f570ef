import { afterEach, describe, expect, it, vi } from "vitest";
import { MemorySaver } from "@langchain/langgraph";
import { topologicalOrder } from "../../src/analysis/graph.js";
import { runPlan, type RunPlanOptions } from "../../src/api/run-plan.js";
import { callLog, declaredDeps, prepare, randomDagPlan, seeded, type CallLog } from "./helpers.js";

const step = (id: string, deps: string[] = [], ms = 2) => ({ id, tool: "record", params: { tag: id, ms }, ...(deps.length ? { depends_on: deps } : {}) });

/** Checks one-at-a-time execution in dependency order from the call log. */
function expectSequential(log: CallLog, plan: { steps: Array<{ id: string; depends_on?: string[]; output_mapping?: Record<string, unknown> }> }): void {
  expect(log.maxActive).toBe(1);
  expect([...log.calls].sort()).toEqual(plan.steps.map((s) => s.id).sort());
  for (const [id, deps] of declaredDeps(plan)) {
    for (const dep of deps) expect(log.calls.indexOf(dep), `${dep} before ${id}`).toBeLessThan(log.calls.indexOf(id));
  }
}

describe("legacy mode: runPlan(plan, { sequential: true })", () => {
  it("runs one step at a time, in dependency order", async () => {
    const log = callLog();
    const plan = { steps: [step("d", ["b", "c"]), step("c", ["a"]), step("b", ["a"]), step("a"), step("e")] };
    const result = await runPlan(plan, { tools: [log.tool], sequential: true });
    expect(result.status).toBe("completed");
    expectSequential(log, plan);
  });

  it("takes plan order among the steps ready at the start", async () => {
    const log = callLog();
    const plan = { steps: [step("c", ["a", "b"]), step("b"), step("a")] };
    await runPlan(plan, { tools: [log.tool], sequential: true });
    expect(log.calls).toEqual(["b", "a", "c"]);
  });

  it("takes plan order among ready steps even when a later step became ready more recently", async () => {
    const log = callLog();
    const plan = { steps: [step("a"), step("q"), step("r", ["a"])] };
    await runPlan(plan, { tools: [log.tool], sequential: true });
    // When a ends, both q (ready since the start) and r are ready: q comes first in the plan.
    expect(log.calls).toEqual(["a", "q", "r"]);
  });

  it("runs random plans in the stable topological order (plan order among ready steps)", async () => {
    for (const seed of [11, 12, 13, 14, 15]) {
      const log = callLog("record", { ms: 1 });
      const plan = randomDagPlan(15, seeded(seed));
      await runPlan(plan, { tools: [log.tool], sequential: true });
      expect(log.calls).toEqual(topologicalOrder(prepare(plan, [log.tool]).graph));
    }
  });

  it("gives the same results as the eager run", async () => {
    const plan = randomDagPlan(20, seeded(7));
    const eagerLog = callLog();
    const sequentialLog = callLog();
    const eager = await runPlan(plan, { tools: [eagerLog.tool] });
    const sequential = await runPlan(plan, { tools: [sequentialLog.tool], sequential: true });
    expect(sequential.results).toEqual(eager.results);
    expect(sequential.order).toEqual(eager.order);
    expect(sequential.strategy).toBe(eager.strategy);
    expectSequential(sequentialLog, plan);
  });
});

describe("legacy mode: enableOrchestration: false (the flat executor)", () => {
  const plan = {
    steps: [
      step("a"),
      step("b", ["a"]),
      { id: "boom", tool: "fail", params: { message: "nope" } },
      step("c", ["boom"]),
      { id: "d", tool: "record", params: { tag: "d" }, output_mapping: { from_b: "{b.data.tag}", missing: "{a.data.nothing}" } },
    ],
  };

  it("runs the plan without LangGraph, with the same result as the orchestrated run", async () => {
    const flatLog = callLog();
    const graphLog = callLog();
    const flat = await runPlan(plan, { tools: [flatLog.tool], enableOrchestration: false });
    const graph = await runPlan(plan, { tools: [graphLog.tool] });
    for (const key of ["status", "strategy", "order", "results", "errors", "skipped", "decisions", "warnings", "pending"] as const) {
      expect(flat[key], key).toEqual(graph[key]);
    }
    expect(Object.keys(flat.timings).sort()).toEqual(Object.keys(graph.timings).sort());
    expect(flat.status).toBe("failed");
    expect(flat.skipped).toEqual(["c"]);
  });

  it("runs one step at a time in dependency order", async () => {
    const log = callLog();
    await runPlan(plan, { tools: [log.tool], enableOrchestration: false });
    expect(log.maxActive).toBe(1);
    expect(log.calls).toEqual(["a", "b", "d"]);
  });
});

describe("legacy mode: fallback when the orchestrated path itself breaks", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  /** A checkpointer whose `method` works `healthy` times, then throws a plain Error. */
  function brokenSaver(method: "put" | "putWrites", healthy: number, log: CallLog) {
    const saver = new MemorySaver();
    const original = saver[method].bind(saver) as (...args: unknown[]) => Promise<unknown>;
    let calls = 0;
    const failure: { completedBefore?: string[] } = {};
    (saver as unknown as Record<string, unknown>)[method] = async (...args: unknown[]) => {
      if (++calls > healthy) {
        failure.completedBefore ??= [...log.ended];
        throw new Error(`disk full (${method})`);
      }
      return original(...args);
    };
    return { saver, failure };
  }

  const plan = {
    steps: [
      step("a", [], 5),
      step("b", [], 30),
      step("c", ["a"], 5),
      step("d", ["c"], 5),
      step("e", ["b", "d"], 5),
    ],
  };

  for (const method of ["put", "putWrites"] as const) {
    // A broken checkpointer is not a broken orchestration: the run's record is incomplete, so it
    // fails with a typed error instead of being rerun elsewhere as if nothing had happened
    // (test/api/durability-policy.test.ts covers the fallback for a genuine orchestration bug).
    it(`fails the run with CHECKPOINT_FAILED when the checkpointer's ${method} throws, and no completed tool runs again`, async () => {
      const warn = vi.spyOn(process, "emitWarning").mockImplementation(() => undefined);
      const log = callLog();
      const { saver, failure } = brokenSaver(method, 2, log);
      const options: RunPlanOptions = { tools: [log.tool], checkpointer: saver, threadId: `fallback-${method}` };
      const error = await runPlan(plan, options).then(() => undefined, (e: unknown) => e);

      expect(failure.completedBefore, "the checkpointer failed mid-run").toBeDefined();
      expect(failure.completedBefore!.length, "some tool had completed before the failure").toBeGreaterThan(0);
      expect(error).toMatchObject({ code: "CHECKPOINT_FAILED" });
      expect(String((error as Error).message)).toContain(`disk full (${method})`);
      expect(warn, "no sequential fallback").not.toHaveBeenCalledWith(expect.stringMatching(/fallback/), expect.anything());
      for (const id of ["a", "b", "c", "d", "e"]) expect(log.count(id), id).toBeLessThanOrEqual(1);
    });
  }

  it("does not fall back for an invalid plan: that is the caller's error", async () => {
    await expect(runPlan({ steps: [{ id: "a", tool: "nope" }] })).rejects.toMatchObject({ code: "UNKNOWN_TOOL" });
  });
});
