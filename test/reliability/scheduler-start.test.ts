/**
 * Exactly once inside one process: a step is called once per run, also when the scheduler's
 * start-up resolves some steps synchronously (a cache hit, a branch skipped by a decision already
 * taken before a resume). Found by the SIGKILL trials (kill-resume.test.ts, seed 10: the join step
 * called twice by one resumed process), reduced here to deterministic cases.
 *
 * Reproduce: npx vitest run test/reliability/scheduler-start.test.ts
 */
import { MemorySaver } from "@langchain/langgraph";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { MemoryCompletionStore, type CompletionStore, type StoredRun } from "../../src/durability/completion-store.js";
import type { DecisionOutcome, StepRecord } from "../../src/model/records.js";
import type { ApprovalAnswer, RunEvent } from "../../src/engine/scheduler.js";
import { MemoryStepCache } from "../../src/engine/step-cache.js";
import { defineTool } from "../../src/tools/define.js";
import { abortableDelay } from "../../src/tools/builtin.js";

const quiet = { chatModel: null, telemetry: false } as const;

function recorder() {
  const calls: string[] = [];
  const tool = defineTool({
    name: "rec",
    description: "Records its call, waits `ms`.",
    input: z.object({ tag: z.string(), ms: z.number().default(5) }).catchall(z.unknown()),
    run: async ({ tag, ms }, config) => {
      calls.push(tag);
      await abortableDelay(ms, config.signal);
      return { data: tag };
    },
  });
  return { tool, calls, count: (tag: string) => calls.filter((c) => c === tag).length };
}

/** A store that stops recording at the crash (writes after it are lost with the process). */
class CrashableStore implements CompletionStore {
  /** Stands for a database store that a crash does not wipe. */
  readonly durable = true;
  readonly inner = new MemoryCompletionStore();
  crashed = false;
  load(runId: string): Promise<StoredRun> {
    return this.inner.load(runId);
  }
  async saveStep(runId: string, step: string, record: StepRecord) {
    if (!this.crashed) await this.inner.saveStep(runId, step, record);
  }
  async saveDecision(runId: string, decision: string, outcome: DecisionOutcome) {
    if (!this.crashed) await this.inner.saveDecision(runId, decision, outcome);
  }
  async saveAnswer(runId: string, step: string, answer: ApprovalAnswer) {
    if (!this.crashed) await this.inner.saveAnswer(runId, step, answer);
  }
  async discard(runId: string) {
    if (!this.crashed) await this.inner.discard(runId);
  }
}

describe("a step is called once per run, whatever resolves first at start-up", () => {
  it("without a cache hit: a and b once each (the baseline)", async () => {
    const rec = recorder();
    const plan = { steps: [{ id: "a", tool: "rec", params: { tag: "a" } }, { id: "b", tool: "rec", params: { tag: "b" }, output_mapping: { x: "{a.data}" } }] };
    await runPlan(plan, { tools: [rec.tool], cache: new MemoryStepCache(), ...quiet });
    expect(rec.calls.sort()).toEqual(["a", "b"]);
  });

  it("when a dependency is served from the cache, its dependent is called once", async () => {
    const rec = recorder();
    const cache = new MemoryStepCache();
    const plan = {
      steps: [
        { id: "a", tool: "rec", params: { tag: "a" }, cache: true },
        { id: "b", tool: "rec", params: { tag: "b" }, output_mapping: { x: "{a.data}" } },
      ],
    };
    await runPlan(plan, { tools: [rec.tool], cache, ...quiet });
    rec.calls.length = 0;
    const second = await runPlan(plan, { tools: [rec.tool], cache, ...quiet });
    expect(second.cached).toEqual(["a"]);
    expect(rec.calls).toEqual(["b"]);
  });

  it("after a resume, a join behind an already-decided branch is called once", async () => {
    const rec = recorder();
    const plan = {
      steps: [
        { id: "a", tool: "rec", params: { tag: "a", ms: 5 } },
        { id: "slow", tool: "rec", params: { tag: "slow", ms: 150 } },
        { id: "t", tool: "rec", params: { tag: "t", ms: 5 } },
        { id: "e", tool: "rec", params: { tag: "e", ms: 5 } },
        { id: "join", tool: "rec", params: { tag: "join", ms: 5 }, depends_on: ["slow"], optional_depends_on: ["t", "e"] },
      ],
      decisions: [{ id: "gate", after: ["a"], condition: "true", then: ["t"], else: ["e"] }],
    };
    const checkpointer = new MemorySaver();
    const store = new CrashableStore();
    const crash = new AbortController();
    // Crash the moment slow completes (its record is saved; nothing after it is): join has not run.
    const onEvent = (event: RunEvent) => {
      if (event.type === "step_end" && event.step === "slow") {
        store.crashed = true;
        crash.abort();
      }
    };
    // The emulated crash rejects the run; what it left on record is what is checked.
    await runPlan(plan, { tools: [rec.tool], checkpointer, store, threadId: "t", signal: crash.signal, onEvent, ...quiet }).catch(() => undefined);
    expect(rec.count("join")).toBe(0);
    store.crashed = false;
    const resumed = await runPlan(plan, { tools: [rec.tool], checkpointer, store, threadId: "t", resume: null, ...quiet });
    expect(resumed.status).toBe("completed");
    expect(resumed.skipped).toEqual(["e"]);
    expect(rec.count("join")).toBe(1);
  });
});
