/**
 * Hostile or broken tools: a tool that throws, rejects, hangs past its timeout (listening to its
 * signal or not), returns something that is not JSON data, or returns a huge payload fails its
 * own step with a typed error, and only that step's dependents are skipped. Side-effecting tools
 * are never retried unless idempotent, and pause for approval when the run's policy says so.
 *
 * Reproduce: npx vitest run test/reliability/hostile-tools.test.ts
 */
import { MemorySaver } from "@langchain/langgraph";
import { z } from "zod";
import { describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { defineTool } from "../../src/tools/define.js";
import { PlangraphError } from "../../src/model/errors.js";
import { counter, hostileTools } from "./support/tools.js";

const quiet = { chatModel: null, telemetry: false } as const;

/** One hostile step with a dependent, next to a healthy chain that must not notice anything. */
function isolationPlan(tool: string, params: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) {
  return {
    steps: [
      { id: "healthy", tool: "count", params: { tag: "healthy", ms: 30 } },
      { id: "healthy_next", tool: "count", params: { tag: "healthy_next" }, output_mapping: { from: "{healthy.data.tag}" } },
      { id: "hostile", tool, params: { tag: "hostile", ...params }, ...extra },
      { id: "dependent", tool: "count", params: { tag: "dependent" }, output_mapping: { from: "{hostile.data}" } },
      { id: "join", tool: "count", params: { tag: "join" }, depends_on: ["healthy_next", "dependent"] },
    ],
  };
}

const CASES: Array<{ name: string; tool: string; params?: Record<string, unknown>; extra?: Record<string, unknown>; limits?: Record<string, unknown>; code: string; message: RegExp }> = [
  { name: "throws synchronously", tool: "throws", code: "TOOL_FAILED", message: /tool 'throws'\) failed: synchronous boom/ },
  { name: "rejects with a non-Error reason", tool: "rejects", code: "TOOL_FAILED", message: /failed: .*"weird":"reason"/ },
  { name: "hangs past its timeout (and listens to its signal)", tool: "hangs", extra: { timeout_ms: 150 }, code: "TOOL_TIMEOUT", message: /timed out after 150 ms/ },
  { name: "hangs past its timeout and ignores its signal", tool: "hangs_deaf", extra: { timeout_ms: 150 }, code: "TOOL_TIMEOUT", message: /timed out after 150 ms/ },
  { name: "returns a cyclic object", tool: "cyclic", code: "OUTPUT_NOT_SERIALIZABLE", message: /not JSON data/ },
  { name: "returns a BigInt", tool: "bigint", code: "OUTPUT_NOT_SERIALIZABLE", message: /not JSON data.*BigInt/i },
  { name: "returns an object whose toJSON throws", tool: "to_json_throws", code: "OUTPUT_NOT_SERIALIZABLE", message: /toJSON exploded/ },
  {
    name: "returns a payload over the per-step output cap",
    tool: "huge",
    params: { bytes: 200_000 },
    limits: { maxOutputBytes: 100_000 },
    code: "OUTPUT_TOO_LARGE",
    message: /returned 200\d{3} bytes; the cap per step is 100000/,
  },
];

describe("a hostile tool affects only its own step and that step's dependents", () => {
  for (const c of CASES) {
    it(`a tool that ${c.name} → ${c.code}; the healthy chain completes`, async () => {
      const hostile = hostileTools();
      const tools = counter();
      const started = Date.now();
      const result = await runPlan(isolationPlan(c.tool, c.params, c.extra), { tools: [tools.tool, ...hostile.tools], ...(c.limits ? { limits: c.limits } : {}), ...quiet });
      expect(result.status).toBe("failed");
      expect(result.error_codes).toEqual({ hostile: c.code });
      expect(result.errors.hostile).toMatch(c.message);
      expect(result.errors.hostile).toContain("'hostile'");
      expect(Object.keys(result.results).sort()).toEqual(["healthy", "healthy_next"]);
      expect(result.skipped.sort()).toEqual(["dependent", "join"]);
      expect(result.skip_reasons.dependent).toMatch(/'hostile' failed/);
      expect(tools.calls.sort()).toEqual(["healthy", "healthy_next"]);
      // No hang: a timeout ends the step at its timeout, not when the tool gives up.
      expect(Date.now() - started).toBeLessThan(5_000);
      if (c.tool === "hangs") expect(hostile.observed.aborted).toEqual(["hostile"]);
    });
  }

  it("an output cap failure is not retried, even with a retry policy", async () => {
    const hostile = hostileTools();
    const calls: number[] = [];
    const huge = defineTool({
      name: "huge_counted",
      description: "Returns `bytes` characters and counts its calls.",
      input: z.object({ bytes: z.number() }),
      run: (input) => {
        calls.push(1);
        return { data: "x".repeat(input.bytes) };
      },
    });
    const result = await runPlan(
      { steps: [{ id: "big", tool: "huge_counted", params: { bytes: 50_000 }, retry: { max_attempts: 3, retry_on: ["error"] } }] },
      { tools: [huge, ...hostile.tools], limits: { maxOutputBytes: 10_000 }, ...quiet },
    );
    expect(result.error_codes.big).toBe("OUTPUT_TOO_LARGE");
    expect(calls).toHaveLength(1);
  });

  it("values JSON cannot hold are converted to plain data: functions and undefined dropped, instances by own fields, getters never run", async () => {
    const hostile = hostileTools();
    const result = await runPlan({ steps: [{ id: "odd", tool: "function_value", params: {} }, { id: "none", tool: "undefined_output", params: {} }] }, { tools: hostile.tools, ...quiet });
    expect(result.status).toBe("completed");
    expect(result.results.odd).toEqual({ data: { instance: { secret: 1 }, date: "1970-01-01T00:00:00.000Z" } });
    expect(Object.getPrototypeOf((result.results.odd as { data: object }).data)).toBe(Object.prototype);
    expect(result.results.none).toBeNull();
  });

  it("a failing step's siblings and the rest of the plan go on; failFast stops everything", async () => {
    const hostile = hostileTools();
    const tools = counter();
    const plan = {
      steps: [
        { id: "boom", tool: "throws", params: {} },
        { id: "slow", tool: "count", params: { tag: "slow", ms: 300 } },
        { id: "after_slow", tool: "count", params: { tag: "after_slow" }, depends_on: ["slow"] },
      ],
    };
    const tolerant = await runPlan(plan, { tools: [tools.tool, ...hostile.tools], ...quiet });
    expect(Object.keys(tolerant.results).sort()).toEqual(["after_slow", "slow"]);
    const strict = await runPlan(plan, { tools: [tools.tool, ...hostile.tools], failFast: true, ...quiet });
    expect(strict.results.after_slow).toBeUndefined();
  });
});

describe("retries and side effects", () => {
  function flaky(name: string, traits: { sideEffects?: boolean; idempotent?: boolean }) {
    const calls: number[] = [];
    const tool = defineTool({
      name,
      description: "Fails on its first two calls, then succeeds.",
      input: z.object({}),
      ...traits,
      run: () => {
        calls.push(calls.length + 1);
        if (calls.length < 3) throw new Error(`transient failure ${calls.length}`);
        return { data: { call: calls.length } };
      },
    });
    return { tool, calls };
  }
  const retried = (tool: string) => ({ steps: [{ id: "s", tool, params: {}, retry: { max_attempts: 3, backoff_ms: 1, retry_on: ["error"] } }] });

  it("a plain tool is retried per its step's policy", async () => {
    const t = flaky("plain", {});
    const result = await runPlan(retried("plain"), { tools: [t.tool], ...quiet });
    expect(result.status).toBe("completed");
    expect(result.attempts.s).toBe(3);
    expect(t.calls).toEqual([1, 2, 3]);
  });

  it("a side-effecting tool is never retried, whatever the step's policy says", async () => {
    const t = flaky("write", { sideEffects: true });
    const result = await runPlan(retried("write"), { tools: [t.tool], ...quiet });
    expect(result.status).toBe("failed");
    expect(result.attempts.s).toBe(1);
    expect(t.calls).toEqual([1]);
  });

  it("a side-effecting tool is never retried after a timeout either (the first call may still be landing)", async () => {
    const calls: number[] = [];
    const slowWrite = defineTool({
      name: "slow_write",
      description: "A side effect that takes longer than its step allows.",
      input: z.object({}),
      sideEffects: true,
      run: async () => {
        calls.push(1);
        await new Promise((r) => setTimeout(r, 200));
        return { data: {} };
      },
    });
    const result = await runPlan(
      { steps: [{ id: "s", tool: "slow_write", params: {}, timeout_ms: 50, retry: { max_attempts: 3, backoff_ms: 1, retry_on: ["timeout", "error"] } }] },
      { tools: [slowWrite], ...quiet },
    );
    expect(result.error_codes.s).toBe("TOOL_TIMEOUT");
    expect(calls).toHaveLength(1);
  });

  it("a side-effecting tool marked idempotent is retried", async () => {
    const t = flaky("upsert", { sideEffects: true, idempotent: true });
    const result = await runPlan(retried("upsert"), { tools: [t.tool], ...quiet });
    expect(result.status).toBe("completed");
    expect(t.calls).toEqual([1, 2, 3]);
  });

  it("a side-effecting tool is never served from the cache", async () => {
    const calls: number[] = [];
    const write = defineTool({ name: "cached_write", description: "A side effect.", input: z.object({ v: z.number() }), sideEffects: true, run: () => ({ data: calls.push(1) }) });
    const plan = { steps: [{ id: "w", tool: "cached_write", params: { v: 1 }, cache: true }] };
    await runPlan(plan, { tools: [write], ...quiet });
    await runPlan(plan, { tools: [write], ...quiet });
    expect(calls).toHaveLength(2);
  });

  describe("approval policy (limits.approveSideEffects)", () => {
    const write = () => {
      const calls: unknown[] = [];
      const tool = defineTool({
        name: "restart",
        description: "Restarts a service (a side effect).",
        input: z.object({ service: z.string() }),
        sideEffects: true,
        run: (input) => {
          calls.push(input);
          return { data: { restarted: input.service } };
        },
      });
      return { tool, calls };
    };
    const plan = {
      steps: [
        { id: "look", tool: "echo", params: { service: "api" } },
        { id: "restart_api", tool: "restart", output_mapping: { service: "{look.data.service}" } },
      ],
    };

    it("with the policy on, a side-effecting step pauses before its tool runs and runs once after approval", async () => {
      const w = write();
      const checkpointer = new MemorySaver();
      const options = { tools: [w.tool], limits: { approveSideEffects: true }, checkpointer, threadId: "approve-1", ...quiet };
      const paused = await runPlan(plan, options);
      expect(paused.status).toBe("interrupted");
      expect(paused.pending).toEqual([{ step: "restart_api", tool: "restart", params: { service: "api" } }]);
      expect(paused.results.look).toBeDefined();
      expect(w.calls).toEqual([]);
      const done = await runPlan(plan, { ...options, resume: "approve" });
      expect(done.status).toBe("completed");
      expect(done.results.restart_api).toEqual({ data: { restarted: "api" } });
      expect(w.calls).toEqual([{ service: "api" }]);
    });

    it("with the policy on, a rejected side effect never runs and its step is reported rejected", async () => {
      const w = write();
      const checkpointer = new MemorySaver();
      const options = { tools: [w.tool], limits: { approveSideEffects: true }, checkpointer, threadId: "approve-2", ...quiet };
      await runPlan(plan, options);
      const done = await runPlan(plan, { ...options, resume: "reject" });
      expect(done.error_codes.restart_api).toBe("STEP_REJECTED");
      expect(w.calls).toEqual([]);
    });

    it("with the policy on and nowhere to keep a paused run, runPlan refuses before anything runs", async () => {
      const w = write();
      const tools = counter();
      await expect(runPlan(plan, { tools: [w.tool, tools.tool], limits: { approveSideEffects: true }, ...quiet })).rejects.toMatchObject({
        code: "APPROVAL_REQUIRED",
      });
      expect(w.calls).toEqual([]);
    });

    it("with the policy off (the default), side effects run without a pause", async () => {
      const w = write();
      const result = await runPlan(plan, { tools: [w.tool], ...quiet });
      expect(result.status).toBe("completed");
      expect(w.calls).toHaveLength(1);
    });

    it("the policy error is typed", async () => {
      const w = write();
      const error = await runPlan(plan, { tools: [w.tool], limits: { approveSideEffects: true }, ...quiet }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(PlangraphError);
      expect((error as PlangraphError).message).toMatch(/'restart_api' needs approval/);
    });
  });
});
