/**
 * The scheduler's facade driven directly, without LangGraph: approvals, idleness, completion-store
 * writes (reported, never swallowed; fatal under the durable policy), the run budget's cost per
 * settle, and lazy starts.
 */
import { describe, expect, it } from "vitest";
import type { PreparedPlan } from "../../src/analysis/prepare.js";
import { MemoryCompletionStore } from "../../src/durability/completion-store.js";
import type { CompletionSink } from "../../src/engine/scheduler.js";
import type { DecisionOutcome, StepRecord } from "../../src/model/records.js";
import { outcomeTool, prepare, scheduler } from "./support.js";

const step = (id: string, extra: Record<string, unknown> = {}) => ({ id, tool: "outcome", params: { tag: id }, ...extra });

async function settleAll(run: ReturnType<typeof scheduler>, ids: Iterable<string>) {
  await run.whenIdle();
  return Object.fromEntries([...ids].map((id) => [id, run.stepRecord(id)]));
}

describe("approvals without LangGraph", () => {
  const plan = {
    steps: [step("a"), step("gate", { requires_approval: true, output_mapping: { from: "{a.data.tag}" } }), step("after", { depends_on: ["gate"] })],
  };

  it("hands the resolved input to the reviewer, waits, and runs the tool once with the approved params", async () => {
    const { tool, calls } = outcomeTool();
    const run = scheduler(prepare(plan, [tool]));
    const request = await run.approvalRequest("gate");
    expect(request).toEqual({ input: { tag: "gate", from: "a" } });
    await run.whenIdle();
    expect(run.pendingApprovals()).toEqual(["gate"]);
    expect(run.pendingInput("gate")).toEqual({ tag: "gate", from: "a" });
    expect(calls).toEqual(["a"]);
    run.answerApproval("gate", { action: "approve", params: { tag: "edited" } });
    run.answerApproval("gate", { action: "approve" });
    await run.whenIdle();
    expect(calls).toEqual(["a", "edited", "after"]);
    expect(run.stepRecord("gate")).toMatchObject({ status: "done", output: { data: { tag: "edited" } } });
    expect(run.pendingApprovals()).toEqual([]);
  });

  it("a rejection is the step's record and its dependents are skipped naming it", async () => {
    const { tool, calls } = outcomeTool();
    const run = scheduler(prepare(plan, [tool]));
    await run.approvalRequest("gate");
    run.answerApproval("gate", { action: "reject", reason: "too risky" });
    const records = await settleAll(run, ["gate", "after"]);
    expect(records.gate).toMatchObject({ status: "rejected", reason: "rejected: too risky", error: { code: "STEP_REJECTED" } });
    expect(records.after).toMatchObject({ status: "skipped", reason: "'gate' was rejected" });
    expect(calls).toEqual(["a"]);
  });

  it("tells a step's node it will never be asked when a dependency failed", async () => {
    const { tool, calls } = outcomeTool();
    const failing = { steps: [step("a", { params: { tag: "a", fail: true } }), step("gate", { requires_approval: true, depends_on: ["a"] })] };
    const run = scheduler(prepare(failing, [tool]));
    expect(await run.approvalRequest("gate")).toEqual({ skipped: true });
    expect(run.pendingApprovals()).toEqual([]);
    expect(run.stepRecord("gate")).toMatchObject({ status: "skipped", reason: "'a' failed" });
    expect(calls).toEqual(["a"]);
  });
});

describe("idleness", () => {
  it("is not reached while a step readied after a skipped sibling in the same cascade has yet to run", async () => {
    const { tool } = outcomeTool();
    const plan = {
      steps: [
        step("first", { params: { tag: "first", fail: true, ms: 1 } }),
        step("skipped", { depends_on: ["first"] }),
        step("tolerant", { params: { tag: "tolerant", ms: 1 }, optional_depends_on: ["first"] }),
      ],
    };
    const run = scheduler(prepare(plan, [tool]));
    await run.whenIdle();
    expect(run.stepRecord("tolerant")).toMatchObject({ status: "done" });
  });
});

/** A store whose writes reject (a full disk, a dropped connection). */
class RejectingStore extends MemoryCompletionStore {
  override async saveStep(): Promise<void> {
    throw new Error("disk full");
  }
  override async saveDecision(): Promise<void> {
    throw new Error("disk full");
  }
}

describe("completion-store writes", () => {
  const chain = { steps: [step("a"), step("b", { depends_on: ["a"] }), step("c", { depends_on: ["b"] })] };

  it("awaits every write: a rejected one becomes a warning on the step's record and in the run's warnings", async () => {
    const { tool, calls } = outcomeTool();
    const run = scheduler(prepare(chain, [tool]), { store: new RejectingStore() });
    const records = await settleAll(run, ["a", "b", "c"]);
    expect(calls).toEqual(["a", "b", "c"]);
    for (const id of ["a", "b", "c"]) {
      expect(records[id]!.status).toBe("done");
      expect(records[id]!.warnings).toEqual([expect.stringMatching(new RegExp(`^step '${id}': its completion could not be saved to the completion store \\(disk full\\)`))]);
    }
    expect(run.storeWarnings()).toHaveLength(3);
  });

  it("reports a decision whose outcome could not be saved", async () => {
    const { tool } = outcomeTool();
    const plan = { steps: [step("a"), step("yes")], decisions: [{ id: "d", after: ["a"], question: "?", then: ["yes"], else: [] }] };
    const run = scheduler(prepare(plan, [tool]), { store: new RejectingStore() });
    await run.whenIdle();
    expect(run.decisionOutcome("d")!.warnings).toEqual([expect.stringMatching(/^decision 'd': its completion could not be saved/)]);
    expect(run.storeWarnings()).toContainEqual(expect.stringMatching(/^decision 'd'/));
  });

  it("under the durable policy, fails the step and the run with STORE_WRITE_FAILED and starts nothing after it", async () => {
    const { tool, calls } = outcomeTool();
    const run = scheduler(prepare(chain, [tool]), { store: new RejectingStore(), durable: true });
    const records = await settleAll(run, ["a", "b", "c"]);
    expect(records.a).toMatchObject({ status: "failed", output: { data: { tag: "a" } }, error: { code: "STORE_WRITE_FAILED", message: expect.stringMatching(/step 'a'.*disk full/) } });
    expect(records.b).toMatchObject({ status: "skipped", reason: "'a' failed" });
    expect(calls).toEqual(["a"]);
    expect(run.signal.aborted).toBe(true);
    expect((run.signal.reason as { code: string }).code).toBe("STORE_WRITE_FAILED");
  });

  it("under the durable policy, a dependent starts only once its dependency's completion is in the store", async () => {
    const { tool, calls } = outcomeTool();
    const order: string[] = [];
    const store: CompletionSink = {
      async saveStep(_run: string, id: string, record: StepRecord) {
        await new Promise((r) => setTimeout(r, 20));
        order.push(`saved ${id}:${record.status}`);
      },
      async saveDecision(_run: string, _id: string, _outcome: DecisionOutcome) {},
    };
    const tracked = { ...store, saveStep: async (run: string, id: string, record: StepRecord) => (order.push(`called ${calls.join(",")}`), store.saveStep(run, id, record)) };
    const run = scheduler(prepare(chain, [tool]), { store: tracked, durable: true });
    await run.whenIdle();
    expect(order).toEqual(["called a", "saved a:done", "called a,b", "saved b:done", "called a,b,c", "saved c:done"]);
  });
});

/** The prepared plan, with its `order` counting every element read. */
function countingOrder(prepared: PreparedPlan): { prepared: PreparedPlan; reads: () => number } {
  let reads = 0;
  const order = new Proxy([...prepared.order], {
    get(target, key, receiver) {
      if (typeof key === "string" && /^\d+$/.test(key)) reads++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { prepared: { ...prepared, order }, reads: () => reads };
}

describe("the run budget", () => {
  it("costs O(1) per settle: a 2,000-step chain reads the plan order a bounded number of times, not once per settle", async () => {
    const { tool } = outcomeTool();
    const n = 2_000;
    const plan = { steps: Array.from({ length: n }, (_, i) => step(`s${i}`, i ? { depends_on: [`s${i - 1}`] } : {})) };
    const { prepared, reads } = countingOrder(prepare(plan, [tool], { maxSteps: n, maxRunMs: 60_000 }));
    const run = scheduler(prepared);
    await run.whenIdle();
    expect(run.stepRecord(`s${n - 1}`)).toMatchObject({ status: "done" });
    expect(reads()).toBeLessThan(10 * n);
  });

  it("still fails what is left when it runs out", async () => {
    const { tool } = outcomeTool();
    const plan = { steps: [step("quick"), step("slow", { params: { tag: "slow", ms: 500 } }), step("after", { depends_on: ["slow"] })] };
    const run = scheduler(prepare(plan, [tool], { maxRunMs: 50 }));
    const records = await settleAll(run, ["quick", "slow", "after"]);
    expect(records.quick).toMatchObject({ status: "done" });
    expect(records.slow).toMatchObject({ status: "failed", error: { code: "RUN_BUDGET_EXCEEDED" } });
    expect(records.after).toMatchObject({ status: "skipped" });
  });
});

describe("lazy starts", () => {
  it("calls a ready step's tool only when its node asks", async () => {
    const { tool, calls } = outcomeTool();
    const run = scheduler(prepare({ steps: [step("a"), step("b")] }, [tool]), { lazy: true });
    run.start();
    await run.whenIdle();
    expect(calls).toEqual([]);
    run.demand("b");
    await run.whenSettled("b");
    expect(calls).toEqual(["b"]);
  });
});

/** Collects what escapes as an unhandled rejection or uncaught exception while `body` runs. */
async function escapes(body: () => Promise<void>): Promise<unknown[]> {
  const escaped: unknown[] = [];
  const onEscape = (error: unknown) => escaped.push(error);
  process.on("unhandledRejection", onEscape);
  process.on("uncaughtException", onEscape);
  try {
    await body();
    await new Promise((r) => setTimeout(r, 20));
  } finally {
    process.off("unhandledRejection", onEscape);
    process.off("uncaughtException", onEscape);
  }
  return escaped;
}

describe("foreign code around the scheduler cannot break a run", () => {
  const plan = { steps: [step("a"), step("b", { depends_on: ["a"] }), step("c")] };

  it("a cache whose lookup throws fails that step with INTERNAL; the others run", async () => {
    const { tool } = outcomeTool();
    let lookups = 0;
    const cache = {
      get() {
        // Down for the first lookup only (step 'a', first in plan order under maxConcurrency 1).
        if (lookups++ === 0) throw new Error("cache backend down");
        return undefined;
      },
      set() {},
    };
    const escaped = await escapes(async () => {
      const run = scheduler(prepare(plan, [tool]), { cache, cacheTtlMs: 1_000, maxConcurrency: 1 });
      const records = await settleAll(run, ["a", "b", "c"]);
      expect(records.a).toMatchObject({ status: "failed", error: { code: "INTERNAL", message: expect.stringMatching(/step 'a' \(tool 'outcome'\) could not be run: cache backend down/) } });
      expect(records.b).toMatchObject({ status: "skipped", reason: "'a' failed" });
      expect(records.c).toMatchObject({ status: "done" });
    });
    expect(escaped).toEqual([]);
  });

  it("an event listener that throws does not stop the run or its records", async () => {
    const { tool, calls } = outcomeTool();
    const escaped = await escapes(async () => {
      const run = scheduler(prepare(plan, [tool]), {
        onEvent: () => {
          throw new Error("display crashed");
        },
      });
      const records = await settleAll(run, ["a", "b", "c"]);
      expect(Object.values(records).map((r) => r?.status)).toEqual(["done", "done", "done"]);
    });
    expect(escaped).toEqual([]);
    expect(calls.sort()).toEqual(["a", "b", "c"]);
  });

  it("a decision evaluator that throws synchronously takes the decision's default branch", async () => {
    const { tool } = outcomeTool();
    const withDecision = { steps: [step("a"), step("yes"), step("no")], decisions: [{ id: "d", after: ["a"], question: "?", then: ["yes"], else: ["no"], default: "else" }] };
    const escaped = await escapes(async () => {
      const run = scheduler(prepare(withDecision, [tool]), {
        evaluateDecision: () => {
          throw new Error("model client exploded");
        },
      });
      await run.whenIdle();
      expect(run.decisionOutcome("d")).toMatchObject({ status: "decided", branch: "else", source: "fallback", cause: "model client exploded" });
      expect(run.stepRecord("no")).toMatchObject({ status: "done" });
      expect(run.stepRecord("yes")).toMatchObject({ status: "skipped" });
    });
    expect(escaped).toEqual([]);
  });
});
