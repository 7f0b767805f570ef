/**
 * Retries and timeouts live in the scheduler, where eagerly started tools run: a retried step is
 * called exactly as often as its attempts say, never again by its node, and a timed-out call is
 * told to stop through its abort signal.
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compilePlan, runPlan } from "../../src/api/run-plan.js";
import { defineTool } from "../../src/tools/define.js";
import { probeStep, probeTool } from "./support.js";

const retry = { max_attempts: 3, backoff_ms: 1 };

describe("retries", () => {
  it("retries a tool that fails twice and then succeeds: done, 3 attempts, exactly 3 calls", async () => {
    const flaky = probeTool({ name: "flaky", failTimes: 2 });
    const plan = { steps: [probeStep("S", { retry, params: { q: "lb" } }, "flaky")] };
    const result = await runPlan(plan, { tools: [flaky.tool], chatModel: null });

    expect(result.status).toBe("completed");
    expect(result.results.S).toEqual({ data: { step: "S", q: "lb" } });
    expect(result.attempts.S).toBe(3);
    expect(flaky.count("S")).toBe(3);
  });

  it("never duplicates a retried call: each node runs once and each tool exactly max_attempts times, behind a decision too", async () => {
    const flaky = probeTool({ name: "flaky", failTimes: 2 });
    const plan = {
      steps: [
        probeStep("A", { retry }, "flaky"),
        probeStep("S1", { retry }, "flaky"),
        probeStep("S2", { retry }, "flaky"),
        probeStep("S3", { retry, depends_on: ["S1", "S2"] }, "flaky"),
      ],
      decisions: [{ id: "D", after: ["A"], condition: "true", then: ["S1", "S2"], else: [] }],
    };
    const graph = compilePlan(plan, { tools: [flaky.tool], chatModel: null });
    const nodeRuns: string[] = [];
    for await (const chunk of await graph.stream({}, { streamMode: "updates" })) nodeRuns.push(...Object.keys(chunk as object));

    expect(nodeRuns.sort()).toEqual(["A", "D", "S1", "S2", "S3"]);
    expect(flaky.steps().sort()).toEqual(["A", "A", "A", "S1", "S1", "S1", "S2", "S2", "S2", "S3", "S3", "S3"]);
  });

  it("gives up after max_attempts and reports the last error with the attempt count", async () => {
    const flaky = probeTool({ name: "flaky", failTimes: 5 });
    const result = await runPlan({ steps: [probeStep("S", { retry }, "flaky")] }, { tools: [flaky.tool], chatModel: null });

    expect(result.status).toBe("failed");
    expect(result.error_codes.S).toBe("TOOL_FAILED");
    expect(result.errors.S).toContain("flaky failure 3 of 5");
    expect(result.attempts.S).toBe(3);
    expect(flaky.count("S")).toBe(3);
  });

  it("does not retry a side-effecting tool, even with a retry policy", async () => {
    const restart = probeTool({ name: "restart_vm", failTimes: 1, sideEffects: true });
    const result = await runPlan({ steps: [probeStep("S", { retry }, "restart_vm")] }, { tools: [restart.tool], chatModel: null });

    expect(result.status).toBe("failed");
    expect(restart.count("S")).toBe(1);
    expect(result.attempts.S).toBe(1);
    expect(result.errors.S).toContain("flaky failure 1 of 1");
  });

  it("retries a side-effecting tool that is declared idempotent", async () => {
    const upsert = probeTool({ name: "upsert_ticket", failTimes: 2, sideEffects: true, idempotent: true });
    const result = await runPlan({ steps: [probeStep("S", { retry }, "upsert_ticket")] }, { tools: [upsert.tool], chatModel: null });

    expect(result.status).toBe("completed");
    expect(upsert.count("S")).toBe(3);
    expect(result.attempts.S).toBe(3);
  });

  it("retries only the failure kinds listed in retry_on", async () => {
    const flaky = probeTool({ name: "flaky", failTimes: 1 });
    const plan = { steps: [probeStep("S", { retry: { ...retry, retry_on: ["timeout"] } }, "flaky")] };
    const result = await runPlan(plan, { tools: [flaky.tool], chatModel: null });

    expect(result.status).toBe("failed");
    expect(flaky.count("S")).toBe(1);
  });
});

/** A tool that never answers on its own; it records the signal it was given. */
function hangingTool() {
  const seen: AbortSignal[] = [];
  const tool = defineTool({
    name: "hang",
    description: "Never answers (tests).",
    input: z.object({}).catchall(z.unknown()),
    run: (_input, config: RunnableConfig) => {
      if (config.signal) seen.push(config.signal);
      return new Promise<never>(() => undefined);
    },
  });
  return { tool, seen };
}

describe("timeouts", () => {
  it("fails a tool that hangs past timeout_ms with TOOL_TIMEOUT, and aborts the signal the tool saw", { timeout: 5_000 }, async () => {
    const hang = hangingTool();
    const result = await runPlan({ steps: [{ id: "S", tool: "hang", timeout_ms: 50 }] }, { tools: [hang.tool], chatModel: null });

    expect(result.status).toBe("failed");
    expect(result.error_codes.S).toBe("TOOL_TIMEOUT");
    expect(result.errors.S).toBe("step 'S' timed out after 50 ms");
    expect(hang.seen).toHaveLength(1);
    expect(hang.seen[0]!.aborted).toBe(true);
    expect(hang.seen[0]!.reason).toMatchObject({ code: "TOOL_TIMEOUT" });
    expect(result.timings.S!.end_ms - result.timings.S!.start_ms).toBeGreaterThanOrEqual(45);
  });

  it("gives each attempt its own timeout and its own aborted signal", { timeout: 5_000 }, async () => {
    const hang = hangingTool();
    const plan = { steps: [{ id: "S", tool: "hang", timeout_ms: 30, retry: { max_attempts: 2, backoff_ms: 1 } }] };
    const result = await runPlan(plan, { tools: [hang.tool], chatModel: null });

    expect(result.error_codes.S).toBe("TOOL_TIMEOUT");
    expect(result.attempts.S).toBe(2);
    expect(hang.seen).toHaveLength(2);
    expect(hang.seen.every((signal) => signal.aborted)).toBe(true);
  });

  it("skips what depends on a timed-out step, and still runs the rest", { timeout: 5_000 }, async () => {
    const hang = hangingTool();
    const probe = probeTool();
    const plan = {
      steps: [{ id: "S", tool: "hang", timeout_ms: 30 }, probeStep("After", { depends_on: ["S"] }), probeStep("Other")],
    };
    const result = await runPlan(plan, { tools: [hang.tool, probe.tool], chatModel: null });

    expect(result.skip_reasons).toEqual({ After: "'S' failed" });
    expect(probe.steps()).toEqual(["Other"]);
  });
});
