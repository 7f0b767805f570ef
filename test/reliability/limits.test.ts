/**
 * Hostile plans, limits: every limit of `src/plan/limits.ts` is configurable, and a plan over it
 * is rejected with a typed error before any tool runs. Each limit has its own case: the plan is
 * accepted under a looser setting (so it is the limit, not something else, that rejects it), and
 * rejected under the tighter one with the limit's code, the offending id or path, and a sentence.
 *
 * Reproduce: npx vitest run test/reliability/limits.test.ts
 */
import { describe, expect, it } from "vitest";
import { PlangraphError, PlanValidationError, type ErrorCode } from "../../src/model/errors.js";
import { runPlan } from "../../src/api/run-plan.js";
import { createPlanTool } from "../../src/agents/index.js";
import type { PlanLimitsInput } from "../../src/plan/limits.js";
import { counter, hostileTools, prepare } from "./support/tools.js";

interface Expected {
  code: ErrorCode;
  message: RegExp;
  path?: string;
  step?: string;
}

/** The plan is rejected by runPlan with the expected issue, and no tool was called. */
async function rejectedBeforeRunning(plan: unknown, limits: PlanLimitsInput, expected: Expected): Promise<PlangraphError> {
  const tools = counter();
  let caught: unknown;
  try {
    await runPlan(plan, { tools: [tools.tool], limits, chatModel: null, telemetry: false });
  } catch (error) {
    caught = error;
  }
  expect(caught, "the plan should be rejected").toBeInstanceOf(PlanValidationError);
  const issues = (caught as PlanValidationError).issues;
  const issue = issues.find((i) => i.code === expected.code);
  expect(issue, `an issue with code ${expected.code} among ${issues.map((i) => i.code).join(", ")}`).toBeDefined();
  expect(issue!.message).toMatch(expected.message);
  expect(issue!.message).toMatch(/\s/);
  if (expected.path !== undefined) expect(issue!.path).toBe(expected.path);
  if (expected.step !== undefined) expect(issue!.step).toBe(expected.step);
  expect(tools.calls, "no tool may run before the plan is accepted").toEqual([]);
  return issue!;
}

/** The same plan passes preparation under `looser` limits. */
function acceptedUnder(plan: unknown, looser: PlanLimitsInput): void {
  expect(() => prepare(plan, [counter().tool], looser)).not.toThrow();
}

const chain = (n: number) => ({
  steps: Array.from({ length: n }, (_, i) => ({ id: `s${i}`, tool: "count", params: { tag: `s${i}` }, ...(i ? { depends_on: [`s${i - 1}`] } : {}) })),
});

describe("limits: each configurable, each a typed error before anything runs", () => {
  it("maxPlanBytes: plan text and plan objects over the size limit → PLAN_TOO_LARGE", async () => {
    const plan = { steps: [{ id: "a", tool: "count", params: { tag: "a", pad: "x".repeat(2_000) } }] };
    acceptedUnder(plan, { maxPlanBytes: 10_000 });
    await rejectedBeforeRunning(plan, { maxPlanBytes: 1_000 }, { code: "PLAN_TOO_LARGE", message: /bytes; the limit is 1000/, path: "$" });
    await rejectedBeforeRunning(JSON.stringify(plan), { maxPlanBytes: 1_000 }, { code: "PLAN_TOO_LARGE", message: /bytes; the limit is 1000/, path: "$" });
    // Multi-byte text counts in bytes, not characters.
    const wide = { steps: [{ id: "a", tool: "count", params: { tag: "€".repeat(400) } }] };
    await rejectedBeforeRunning(JSON.stringify(wide), { maxPlanBytes: 1_000 }, { code: "PLAN_TOO_LARGE", message: /the limit is 1000/ });
  });

  it("maxSteps: more steps than allowed → LIMIT_EXCEEDED at $.steps", async () => {
    acceptedUnder(chain(6), { maxSteps: 6 });
    await rejectedBeforeRunning(chain(6), { maxSteps: 5 }, { code: "LIMIT_EXCEEDED", message: /6 steps; the limit is 5/, path: "$.steps" });
  });

  it("maxDecisions: more decisions than allowed → LIMIT_EXCEEDED at $.decisions", async () => {
    const plan = {
      steps: [
        { id: "a", tool: "count", params: { tag: "a" } },
        { id: "b", tool: "count", params: { tag: "b" } },
        { id: "c", tool: "count", params: { tag: "c" } },
      ],
      decisions: [
        { id: "d1", after: ["a"], condition: "true", then: ["b"] },
        { id: "d2", after: ["a"], condition: "true", then: ["c"] },
      ],
    };
    acceptedUnder(plan, { maxDecisions: 2 });
    await rejectedBeforeRunning(plan, { maxDecisions: 1 }, { code: "LIMIT_EXCEEDED", message: /2 decisions; the limit is 1/, path: "$.decisions" });
  });

  it("maxFanIn: a step waiting for more steps than allowed → LIMIT_EXCEEDED naming it", async () => {
    const plan = {
      steps: [
        ...["a", "b", "c"].map((id) => ({ id, tool: "count", params: { tag: id } })),
        { id: "join", tool: "count", params: { tag: "join" }, depends_on: ["a", "b", "c"] },
      ],
    };
    acceptedUnder(plan, { maxFanIn: 3 });
    await rejectedBeforeRunning(plan, { maxFanIn: 2 }, { code: "LIMIT_EXCEEDED", message: /'join' waits for 3 steps; the fan-in limit is 2/, step: "join" });
  });

  it("maxFanOut: more steps waiting for one step than allowed → LIMIT_EXCEEDED naming it", async () => {
    const plan = {
      steps: [
        { id: "root", tool: "count", params: { tag: "root" } },
        ...["a", "b", "c"].map((id) => ({ id, tool: "count", params: { tag: id }, output_mapping: { from: "{root.data.tag}" } })),
      ],
    };
    acceptedUnder(plan, { maxFanOut: 3 });
    await rejectedBeforeRunning(plan, { maxFanOut: 2 }, { code: "LIMIT_EXCEEDED", message: /3 steps wait for 'root'; the fan-out limit is 2/, step: "root" });
  });

  it("maxReferenceLength: a reference longer than allowed → LIMIT_EXCEEDED naming the step", async () => {
    const long = `{a.data.${"k".repeat(60)}}`;
    const plan = { steps: [{ id: "a", tool: "count", params: { tag: "a" } }, { id: "b", tool: "count", output_mapping: { tag: long } }] };
    acceptedUnder(plan, { maxReferenceLength: 100 });
    await rejectedBeforeRunning(plan, { maxReferenceLength: 50 }, { code: "LIMIT_EXCEEDED", message: /reference longer than the limits \(50 characters/, step: "b" });
  });

  it("maxPathDepth: a reference path deeper than allowed → LIMIT_EXCEEDED naming the step", async () => {
    const deep = `{a${".x".repeat(10)}}`;
    const plan = { steps: [{ id: "a", tool: "count", params: { tag: "a" } }, { id: "b", tool: "count", output_mapping: { tag: deep } }] };
    acceptedUnder(plan, { maxPathDepth: 10 });
    await rejectedBeforeRunning(plan, { maxPathDepth: 9 }, { code: "LIMIT_EXCEEDED", message: /9 segments/, step: "b" });
    // The default depth (32) holds against a model that nests a path a thousand levels deep.
    const abyss = { steps: [{ id: "a", tool: "count", params: { tag: "a" } }, { id: "b", tool: "count", output_mapping: { tag: `{a${"[0]".repeat(1_000)}}` } }] };
    await rejectedBeforeRunning(abyss, { maxReferenceLength: 10_000 }, { code: "LIMIT_EXCEEDED", message: /32 segments/, step: "b" });
  });

  it("maxLoopIterations: a loop allowing more iterations than the limit → LIMIT_EXCEEDED at its max_iterations", async () => {
    const plan = {
      steps: [
        { id: "seed", tool: "count", params: { tag: "seed" } },
        { id: "again", tool: "count", params: { tag: "again" }, depends_on: ["seed"] },
        { id: "done", tool: "count", params: { tag: "done" } },
      ],
      decisions: [{ id: "more", after: ["again"], condition: "false", then: ["done"], else: ["again"], max_iterations: 50 }],
    };
    acceptedUnder(plan, { maxLoopIterations: 50 });
    await rejectedBeforeRunning(plan, { maxLoopIterations: 10 }, {
      code: "LIMIT_EXCEEDED",
      message: /allows 50 iterations; the limit is 10/,
      path: "$.decisions[0].max_iterations",
      step: "more",
    });
  });

  it("allowedTools per run: a tool outside the run's allowlist → UNKNOWN_TOOL at the step's tool, nothing runs", async () => {
    const plan = { steps: [{ id: "ok", tool: "echo", params: {} }, { id: "bad", tool: "count", params: { tag: "bad" } }] };
    acceptedUnder(plan, { allowedTools: ["echo", "count"] });
    await rejectedBeforeRunning(plan, { allowedTools: ["echo"] }, { code: "UNKNOWN_TOOL", message: /'count', which this run does not allow/, path: "$.steps[1].tool", step: "bad" });
    // An empty allowlist allows nothing.
    await rejectedBeforeRunning({ steps: [{ id: "ok", tool: "echo", params: {} }] }, { allowedTools: [] }, { code: "UNKNOWN_TOOL", message: /does not allow/ });
  });

  it("allowedTools per assistant: a plan tool created with an allowlist refuses other tools and runs nothing", async () => {
    const tools = counter();
    const planTool = createPlanTool({ tools: [tools.tool], limits: { allowedTools: ["echo"] }, chatModel: null, approveAll: true });
    const answer = String(await planTool.invoke({ steps: [{ id: "bad", tool: "count", params: { tag: "bad" } }] }));
    expect(answer).toMatch(/invalid and did not run/);
    expect(answer).toMatch(/'count', which this run does not allow/);
    expect(tools.calls).toEqual([]);
    // The same assistant runs a plan within its allowlist.
    const ok = JSON.parse(String(await planTool.invoke({ steps: [{ id: "fine", tool: "echo", params: { x: 1 } }] }))) as { status: string };
    expect(ok.status).toBe("completed");
  });

  it("maxRunMs: the whole-run budget fails every unfinished step with RUN_BUDGET_EXCEEDED and aborts its tool", async () => {
    const tools = counter();
    const hostile = hostileTools();
    const started = Date.now();
    const result = await runPlan(
      {
        steps: [
          { id: "quick", tool: "count", params: { tag: "quick" } },
          { id: "slow", tool: "hangs", params: { tag: "slow" } },
          { id: "after_slow", tool: "count", params: { tag: "after" }, depends_on: ["slow"] },
        ],
      },
      { tools: [tools.tool, ...hostile.tools], limits: { maxRunMs: 300 }, chatModel: null, telemetry: false },
    );
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.status).toBe("failed");
    expect(result.results.quick).toBeDefined();
    expect(result.error_codes.slow).toBe("RUN_BUDGET_EXCEEDED");
    expect(result.errors.slow).toMatch(/time budget of 300 ms/);
    expect(result.skipped).toContain("after_slow");
    expect(tools.count("after")).toBe(0);
    // The tool itself was told: its signal aborted.
    expect(hostile.observed.aborted).toEqual(["slow"]);
  });

  it("maxNestingDepth: params nested deeper than allowed → LIMIT_EXCEEDED naming the JSON path, for objects and plan text", async () => {
    const nested = (depth: number) => {
      let value: unknown = "leaf";
      for (let i = 0; i < depth; i++) value = { k: value };
      return { steps: [{ id: "a", tool: "count", params: { tag: "a", deep: value } }] };
    };
    // The plan is depth 1, steps 2, the step 3, params 4, `deep` 5: 60 levels inside `deep` reach 64.
    acceptedUnder(nested(60), {});
    const issue = await rejectedBeforeRunning(nested(61), {}, { code: "LIMIT_EXCEEDED", message: /nests deeper than 64 levels at \$\.steps\[0\]\.params\.deep(\.k)+ \(limits\.maxNestingDepth\)/ });
    expect(issue.path).toBe(`$.steps[0].params.deep${".k".repeat(60)}`);
    acceptedUnder(nested(61), { maxNestingDepth: 100 });
    await rejectedBeforeRunning(nested(10), { maxNestingDepth: 8 }, { code: "LIMIT_EXCEEDED", message: /deeper than 8 levels/ });
  });

  it("maxNestingDepth: 2,500 and 100,000 levels are a typed error, never a stack overflow, as objects, arrays and text", async () => {
    for (const depth of [2_500, 100_000]) {
      const text = `{"steps":[{"id":"a","tool":"count","params":{"deep":${"[".repeat(depth)}${"]".repeat(depth)}}}]}`;
      await rejectedBeforeRunning(text, { maxPlanBytes: 1_000_000 }, { code: "LIMIT_EXCEEDED", message: /nests deeper than 64 levels at \$\.steps\[0\]\.params\.deep(\[0\])+/ });
      await rejectedBeforeRunning(JSON.parse(text), { maxPlanBytes: 1_000_000 }, { code: "LIMIT_EXCEEDED", message: /nests deeper than 64 levels/ });
    }
  });

  it("maxNestingDepth: raised to its maximum (1,000), a plan that deep validates and runs without falling back; an output that deep is refused by its step alone", async () => {
    let deep: unknown = 1;
    for (let i = 0; i < 990; i++) deep = [deep];
    const plan = { steps: [{ id: "a", tool: "count", params: { tag: "a", deep } }] };
    const tools = counter();
    const result = await runPlan(plan, { tools: [tools.tool], limits: { maxNestingDepth: 1_000 }, chatModel: null, telemetry: false });
    // The tool echoes its 990-deep input: deeper than a checkpoint can hold (MAX_OUTPUT_DEPTH), so
    // that one step fails with a typed error; nothing falls back and the tool ran once.
    expect(result.error_codes).toEqual({ a: "LIMIT_EXCEEDED" });
    expect(result.errors.a).toMatch(/nested 99\d levels deep; at most 256/);
    expect(result.warnings.join("\n")).not.toMatch(/fall|sequential|orchestration/i);
    expect(tools.calls).toEqual(["a"]);
    // Beyond what the later stages are tested at, the limit itself is refused.
    await expect(runPlan(plan, { tools: [tools.tool], limits: { maxNestingDepth: 5_000 }, chatModel: null, telemetry: false })).rejects.toThrow(/maxNestingDepth/);
  });

  it("maxTemplateChars: 900 KB of '{' in params → LIMIT_EXCEEDED naming the field, in bounded time", async () => {
    const braces = { steps: [{ id: "a", tool: "count", params: { tag: "a", text: "{".repeat(900_000) } }] };
    const started = performance.now();
    await rejectedBeforeRunning(braces, { maxPlanBytes: 2_000_000 }, {
      code: "LIMIT_EXCEEDED",
      message: /more than 500000 characters of text to check \(limits\.maxTemplateChars\)/,
      path: "$.steps[0].params.text",
      step: "a",
    });
    // Raised, the same plan is accepted: the scan is linear, so checking it is cheap either way.
    acceptedUnder(braces, { maxPlanBytes: 2_000_000, maxTemplateChars: 1_000_000 });
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it("maxReferences: more references in the plan than allowed → LIMIT_EXCEEDED", async () => {
    const plan = {
      steps: [
        { id: "a", tool: "count", params: { tag: "a" } },
        { id: "b", tool: "count", output_mapping: Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`x${i}`, "{a.data.tag}"])) },
      ],
    };
    acceptedUnder(plan, { maxReferences: 30 });
    await rejectedBeforeRunning(plan, { maxReferences: 29 }, { code: "LIMIT_EXCEEDED", message: /more than 29 references \(limits\.maxReferences\)/, step: "b" });
  });

  it("every limit has a default, and the defaults accept an ordinary plan", () => {
    expect(() => prepare(chain(20), [counter().tool])).not.toThrow();
  });

  it("a malformed limits option is a typed error naming the limit", async () => {
    let caught: unknown;
    try {
      await runPlan({ steps: [{ id: "a", tool: "echo" }] }, { limits: { maxSteps: -1 }, chatModel: null, telemetry: false });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(PlangraphError);
    expect((caught as PlangraphError).message).toMatch(/maxSteps/);
  });
});
