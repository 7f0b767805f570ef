/**
 * Completion-store writes are never fire-and-forget: a write that fails — at once or long after
 * the step's node has written its record — is a warning in the run's result naming the step, and
 * the run still completes. (The durable policy, where such a failure fails the run with
 * STORE_WRITE_FAILED, is driven in test/engine/scheduler.test.ts.)
 *
 * Reproduce: npx vitest run test/reliability/store-writes.test.ts
 */
import { MemorySaver } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { MemoryCompletionStore } from "../../src/durability/completion-store.js";

const quiet = { chatModel: null, telemetry: false } as const;

/** A store whose step and decision writes reject after `lagMs` (a full disk, a dropped connection, a timeout). */
class FailingStore extends MemoryCompletionStore {
  constructor(private readonly lagMs: number) {
    super();
  }
  override async saveStep(): Promise<void> {
    await new Promise((r) => setTimeout(r, this.lagMs));
    throw new Error("connection reset");
  }
  override async saveDecision(): Promise<void> {
    await new Promise((r) => setTimeout(r, this.lagMs));
    throw new Error("connection reset");
  }
}

const plan = {
  steps: [
    { id: "a", tool: "echo", params: { n: 1 } },
    { id: "b", tool: "echo", output_mapping: { from: "{a.data.n}" } },
    { id: "yes", tool: "echo", params: {} },
  ],
  decisions: [{ id: "d", after: ["b"], condition: "{b.data.from} == 1", then: ["yes"], else: [] }],
};

describe("a completion store whose writes fail", () => {
  for (const lagMs of [0, 80]) {
    it(`is reported in the result's warnings, step by step and for the decision (failing ${lagMs ? `${lagMs} ms later` : "at once"})`, async () => {
      const result = await runPlan(plan, { store: new FailingStore(lagMs), checkpointer: new MemorySaver(), threadId: `t${lagMs}`, ...quiet });
      expect(result.status).toBe("completed");
      expect(Object.keys(result.results).sort()).toEqual(["a", "b", "yes"]);
      for (const id of ["step 'a'", "step 'b'", "step 'yes'", "decision 'd'"]) {
        expect(result.warnings.filter((w) => w.startsWith(`${id}: its completion could not be saved to the completion store (connection reset)`))).toHaveLength(1);
      }
    });
  }
});
