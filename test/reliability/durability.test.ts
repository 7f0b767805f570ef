/**
 * Durability, in process: the order in which a completion becomes durable in the completion
 * store and in LangGraph's checkpoint (as the node's pending write), and what a crash between
 * the two does to a resumed run. A crash is emulated by aborting the run and dropping every store
 * write not yet committed; the resume uses the same checkpointer and store, as a new process would.
 *
 * Reproduce: npx vitest run test/reliability/durability.test.ts
 */
import { MemorySaver } from "@langchain/langgraph";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { MemoryCompletionStore, type CompletionStore, type StoredRun } from "../../src/durability/completion-store.js";
import type { DecisionOutcome, StepRecord } from "../../src/model/records.js";
import type { ApprovalAnswer } from "../../src/engine/scheduler.js";
import { defineTool } from "../../src/tools/define.js";
import { abortableDelay } from "../../src/tools/builtin.js";

const quiet = { chatModel: null, telemetry: false } as const;

/** A store whose step records commit `lagMs` after they are saved; a crash drops what has not committed. */
class LaggingStore implements CompletionStore {
  /** Stands for a database store that a crash does not wipe. */
  readonly durable = true;
  readonly inner = new MemoryCompletionStore();
  crashed = false;
  constructor(private readonly lagMs: number) {}
  load(runId: string): Promise<StoredRun> {
    return this.inner.load(runId);
  }
  async saveStep(runId: string, step: string, record: StepRecord): Promise<void> {
    if (this.lagMs) await new Promise((r) => setTimeout(r, this.lagMs));
    if (!this.crashed) await this.inner.saveStep(runId, step, record);
  }
  async saveDecision(runId: string, decision: string, outcome: DecisionOutcome): Promise<void> {
    if (!this.crashed) await this.inner.saveDecision(runId, decision, outcome);
  }
  async saveAnswer(runId: string, step: string, answer: ApprovalAnswer): Promise<void> {
    if (!this.crashed) await this.inner.saveAnswer(runId, step, answer);
  }
  async discard(runId: string): Promise<void> {
    if (!this.crashed) await this.inner.discard(runId);
  }
}

/** `a` completes at once (its node's write lands in the checkpoint); `slow` holds the superstep; then a crash. */
async function crashAndResume(store: LaggingStore) {
  const calls: string[] = [];
  const work = defineTool({
    name: "work",
    description: "Records its call, waits `ms`.",
    input: z.object({ tag: z.string(), ms: z.number() }),
    run: async ({ tag, ms }, config) => {
      calls.push(tag);
      await abortableDelay(ms, config.signal);
      return { data: tag };
    },
  });
  const plan = {
    steps: [
      { id: "a", tool: "work", params: { tag: "a", ms: 10 } },
      { id: "slow", tool: "work", params: { tag: "slow", ms: 400 } },
      { id: "b", tool: "work", params: { tag: "b", ms: 10 }, depends_on: ["a", "slow"] },
    ],
  };
  const checkpointer = new MemorySaver();
  const crash = new AbortController();
  // Crash 60 ms after a's tool returned: its node has written to the checkpoint by then; slow runs on.
  const onEvent = (event: { type: string; step?: string }) => {
    if (event.type === "step_end" && event.step === "a") {
      setTimeout(() => {
        store.crashed = true;
        crash.abort();
      }, 60);
    }
  };
  // The emulated crash rejects the run; what it left on record is what is checked.
  await runPlan(plan, { tools: [work], checkpointer, store, threadId: "t", signal: crash.signal, onEvent, ...quiet }).catch(() => undefined);
  const tuple = await checkpointer.getTuple({ configurable: { thread_id: "t" } });
  const pendingDone = (tuple?.pendingWrites ?? []).filter(([, channel, value]) => channel === "step:a" && (value as StepRecord).status === "done");
  const runId = String((tuple?.checkpoint.channel_values as Record<string, unknown>).run_id);
  const aInStore = "a" in (await store.inner.load(runId)).steps;
  store.crashed = false;
  const resumed = await runPlan(plan, { tools: [work], checkpointer, store, threadId: "t", resume: null, ...quiet });
  return { calls, resumed, aDurableInCheckpoint: pendingDone.length === 1, aInStore };
}

describe("a completion durable in the checkpoint is never called again", () => {
  it("with a store that commits before the node returns (SQLite's synchronous writes): a runs once", async () => {
    const { calls, resumed, aDurableInCheckpoint } = await crashAndResume(new LaggingStore(0));
    expect(aDurableInCheckpoint).toBe(true);
    expect(resumed.status).toBe("completed");
    expect(calls.filter((c) => c === "a")).toEqual(["a"]);
  });

  it("with a store that commits late (PgCompletionStore's queued INSERTs): the node waits for the store, so a is on record in both, and runs once", async () => {
    const { calls, resumed, aDurableInCheckpoint, aInStore } = await crashAndResume(new LaggingStore(200));
    expect(aDurableInCheckpoint).toBe(true);
    // The durable store is the run's record: the node writes a's completion only once it has it.
    expect(aInStore).toBe(true);
    expect(resumed.status).toBe("completed");
    expect(calls.filter((c) => c === "a")).toEqual(["a"]);
  });
});

/** A LaggingStore whose writes lag only for the steps named. */
class SlowForSome extends LaggingStore {
  constructor(private readonly slow: Record<string, number>) {
    super(0);
  }
  override async saveStep(runId: string, step: string, record: StepRecord): Promise<void> {
    const lag = this.slow[step];
    if (lag) await new Promise((r) => setTimeout(r, lag));
    if (!this.crashed) await this.inner.saveStep(runId, step, record);
  }
}

describe("a step on record never rests on a step that is not", () => {
  it("a dependent starts only once its dependency's completion is in the durable store: after a crash between the two, the resumed run's results agree", async () => {
    // `reading` stands for a metric read: each call sees a new value. `derive` uses it.
    let readings = 0;
    const calls: string[] = [];
    const reading = defineTool({
      name: "reading",
      description: "Returns a new value on every call.",
      input: z.object({}),
      run: async () => {
        calls.push("reading");
        return { data: ++readings };
      },
    });
    const derive = defineTool({
      name: "derive",
      description: "Returns its input.",
      input: z.object({ value: z.number() }),
      run: async ({ value }) => {
        calls.push("derive");
        return { data: value };
      },
    });
    const plan = {
      steps: [
        { id: "r", tool: "reading", params: {} },
        { id: "d", tool: "derive", params: { value: "{r.data}" } },
      ],
    };
    // r's record takes 300 ms to commit, d's none: without the wait, d would be on record first.
    const store = new SlowForSome({ r: 300 });
    const checkpointer = new MemorySaver();
    const crash = new AbortController();
    setTimeout(() => {
      store.crashed = true;
      crash.abort();
    }, 150);
    // The crash rejects the run; what matters is what it left on record.
    await runPlan(plan, { tools: [reading, derive], checkpointer, store, threadId: "t", signal: crash.signal, ...quiet }).catch(() => undefined);
    expect(calls, "d waited for r's record, which the crash lost").toEqual(["reading"]);
    store.crashed = false;
    const resumed = await runPlan(plan, { tools: [reading, derive], checkpointer, store, threadId: "t", resume: null, ...quiet });
    expect(resumed.status).toBe("completed");
    // r was called again (its completion was never recorded), and d used that call's value.
    expect(resumed.results.r).toEqual({ data: 2 });
    expect(resumed.results.d).toEqual({ data: 2 });
  });
});
