import { RunResultSchema } from "../../src/model/result.js";
import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { runPlan } from "../../src/api/run-plan.js";
import { PlanValidationError } from "../../src/model/errors.js";
import { defineTool } from "../../src/tools/define.js";
import { CONTRACT_KEYS, callLog, expectContractShape, randomDagPlan, seeded } from "./helpers.js";

/**
 * The contract may only grow by adding ("change it only by adding"): every key beyond the
 * contract's must be declared in RunResult with an `Extension:` doc comment. Read from the source so
 * this test follows new extensions without being edited.
 */
function documentedExtensions(): Set<string> {
  const source = readFileSync(fileURLToPath(new URL("../../src/model/result.ts", import.meta.url)), "utf8");
  return new Set([...source.matchAll(/\/\*\* Extension:[^*]*\*\/\s*(\w+)\??:/g)].map((m) => m[1]!));
}

describe("execution result: the contract's JSON object", () => {
  it("has every contract key with the contract's types, and survives JSON unchanged", async () => {
    const result = await runPlan({
      steps: [
        { id: "a", tool: "echo", params: { x: 1 } },
        { id: "b", tool: "echo", output_mapping: { y: "{a.data.x}" } },
      ],
    });
    expectContractShape(result as unknown as Record<string, unknown>);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    expect(RunResultSchema.strict().safeParse(result).error).toBeUndefined();
    expect(result).toMatchObject({
      status: "completed",
      strategy: "SERIAL",
      order: [["a"], ["b"]],
      results: { a: { data: { x: 1 } }, b: { data: { y: 1 } } },
      errors: {},
      skipped: [],
      decisions: {},
      warnings: [],
      pending: [],
    });
    expect(Object.keys(result.timings).sort()).toEqual(["a", "b"]);
  });

  it("has no keys beyond the contract's except documented additive extensions", async () => {
    const extensions = documentedExtensions();
    expect(extensions.size).toBeGreaterThan(0);
    for (const key of CONTRACT_KEYS) expect(extensions.has(key), key).toBe(false);
    const result = await runPlan({ steps: [{ id: "a", tool: "echo" }], answer: "a said {a.data}" });
    const extra = Object.keys(result).filter((k) => !(CONTRACT_KEYS as readonly string[]).includes(k));
    expect(extra.filter((k) => !extensions.has(k))).toEqual([]);
  });

  it("measures times from the start of the run, and makespan is the last end", async () => {
    const result = await runPlan({ steps: [{ id: "a", tool: "sleep", params: { ms: 20 } }, { id: "b", tool: "sleep", params: { ms: 5 }, depends_on: ["a"] }] });
    const { a, b } = result.timings as Record<string, { start_ms: number; end_ms: number }>;
    expect(a!.start_ms).toBeGreaterThanOrEqual(0);
    expect(a!.end_ms - a!.start_ms).toBeGreaterThanOrEqual(19);
    expect(b!.start_ms).toBeGreaterThanOrEqual(a!.end_ms);
    expect(result.makespan_ms).toBe(b!.end_ms);
    expect(result.critical_path_ms).toBeCloseTo(a!.end_ms - a!.start_ms + (b!.end_ms - b!.start_ms), 2);
  });
});

describe("execution result: failures", () => {
  const plan = {
    steps: [
      { id: "bad", tool: "fail", params: { message: "database is down" } },
      { id: "after_bad", tool: "echo", depends_on: ["bad"] },
      { id: "after_after", tool: "echo", depends_on: ["after_bad"] },
      { id: "slow_ok", tool: "sleep", params: { ms: 30 } },
      { id: "after_ok", tool: "echo", depends_on: ["slow_ok"] },
      { id: "mixed", tool: "echo", depends_on: ["slow_ok", "after_bad"] },
    ],
  };

  it("never stops independent steps when one step fails", async () => {
    const result = await runPlan(plan);
    expect(result.status).toBe("failed");
    expect(Object.keys(result.results).sort()).toEqual(["after_ok", "slow_ok"]);
    expect(result.timings.slow_ok!.end_ms).toBeGreaterThan(result.timings.bad!.end_ms);
  });

  it("reports the failure in errors with the tool's message", async () => {
    const result = await runPlan(plan);
    expect(Object.keys(result.errors)).toEqual(["bad"]);
    expect(result.errors.bad).toContain("database is down");
    expect(result.errors.bad).toContain("'bad'");
  });

  it("skips every transitive dependent of the failed step, and only those", async () => {
    const result = await runPlan(plan);
    expect([...result.skipped].sort()).toEqual(["after_after", "after_bad", "mixed"]);
  });
});

describe("execution result: every tool call exactly once per run", () => {
  it("calls each tool once in a fan-out / fan-in plan", async () => {
    const log = callLog("record");
    const plan = {
      steps: [
        { id: "root", tool: "record", params: { tag: "root", ms: 3 } },
        { id: "l", tool: "record", params: { tag: "l", ms: 1 }, depends_on: ["root"] },
        { id: "m", tool: "record", params: { tag: "m", ms: 7 }, depends_on: ["root"] },
        { id: "r", tool: "record", params: { tag: "r", ms: 4 }, output_mapping: { from: "{root.data.tag}" } },
        { id: "join", tool: "record", params: { tag: "join" }, depends_on: ["l", "m", "r"] },
      ],
    };
    const result = await runPlan(plan, { tools: [log.tool] });
    expect(result.status).toBe("completed");
    expect([...log.calls].sort()).toEqual(["join", "l", "m", "r", "root"]);
    expect(log.calls[log.calls.length - 1]).toBe("join");
  });

  it("calls each tool once in a 50-step random DAG", async () => {
    for (const seed of [1, 2, 3]) {
      const log = callLog("record", { ms: 1 });
      const plan = randomDagPlan(50, seeded(seed));
      const result = await runPlan(plan, { tools: [log.tool] });
      expect(result.status).toBe("completed");
      expect(log.calls).toHaveLength(50);
      expect(new Set(log.calls).size).toBe(50);
      expect(Object.keys(result.results)).toHaveLength(50);
      expect(Object.values(result.attempts).every((n) => n === 1)).toBe(true);
    }
  });
});

describe("execution result: tool input validation", () => {
  let calls = 0;
  const lookup = defineTool({
    name: "ci_lookup",
    description: "Looks up a CI by id.",
    input: z.object({ ci_id: z.string().min(3), depth: z.number().int().max(5).default(1) }),
    run: (input) => {
      calls++;
      return { data: input };
    },
  });

  it("validates the input against the tool's zod schema at run time, naming the step and the field", async () => {
    calls = 0;
    const result = await runPlan(
      {
        steps: [
          { id: "src", tool: "echo", params: { n: 42, depth: 9 } },
          { id: "look", tool: "ci_lookup", output_mapping: { ci_id: "{src.data.n}", depth: "{src.data.depth}" } },
          { id: "after", tool: "echo", depends_on: ["look"] },
        ],
      },
      { tools: [lookup] },
    );
    expect(calls).toBe(0);
    expect(result.status).toBe("failed");
    expect(result.error_codes.look).toBe("TOOL_INPUT_INVALID");
    expect(result.errors.look).toContain("step 'look'");
    expect(result.errors.look).toContain("'ci_id'");
    expect(result.errors.look).toContain("'depth'");
    expect(result.skipped).toEqual(["after"]);
  });

  it("passes the parsed input (defaults applied) to the tool", async () => {
    calls = 0;
    const result = await runPlan({ steps: [{ id: "look", tool: "ci_lookup", params: { ci_id: "ci-1" } }] }, { tools: [lookup] });
    expect(calls).toBe(1);
    expect(result.results.look).toEqual({ data: { ci_id: "ci-1", depth: 1 } });
  });

  it("rejects literal parameters that cannot fit the tool's schema before anything runs", async () => {
    calls = 0;
    const attempt = runPlan(
      {
        steps: [
          { id: "nap", tool: "sleep", params: { ms: "ten" } },
          { id: "look", tool: "ci_lookup", params: { ci_idd: "x" } },
        ],
      },
      { tools: [lookup] },
    );
    const error = (await attempt.catch((e: unknown) => e)) as PlanValidationError;
    expect(error).toBeInstanceOf(PlanValidationError);
    const messages = error.issues.map((i) => `${i.code} ${i.path}: ${i.message}`);
    expect(messages).toContainEqual(expect.stringMatching(/^TOOL_INPUT_INVALID \$\.steps\[0\]\.params\.ms: step 'nap': parameter 'ms'/));
    expect(messages).toContainEqual(expect.stringMatching(/^TOOL_INPUT_INVALID \$\.steps\[1\]\.params\.ci_idd: .*no parameter 'ci_idd' \(did you mean 'ci_id'\?\)/));
    expect(messages).toContainEqual(expect.stringMatching(/step 'look': tool 'ci_lookup' needs parameter 'ci_id'/));
    expect(calls).toBe(0);
  });
});
