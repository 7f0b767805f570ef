/**
 * The server policy without a server: what a server run may do by default, how the policy file
 * and PLANGRAPH_ALLOWED_TOOLS set it, how `configurable.limits` may tighten and never loosen it,
 * the step-timeout cap, and the structured refusal a server run returns.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { DEFAULT_SERVER_POLICY, loadServerPolicy, tightenPolicy } from "../../src/agents/server-policy.js";
import { capStepTimeouts } from "../../src/agents/step-timeouts.js";
import { capWireStepTimeouts } from "../../src/agents/ops-agent-queue.js";
import { normalizePlan } from "../../src/plan/normalize.js";
import { planRejection, rejectedPlanGraph } from "../../src/agents/plan-rejection.js";
import { PlangraphError, PlanValidationError } from "../../src/model/errors.js";
import { DEFAULT_LIMITS } from "../../src/plan/limits.js";

const dir = mkdtempSync(join(tmpdir(), "plangraph-policy-unit-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const policyFile = (name: string, body: string) => {
  const path = join(dir, name);
  writeFileSync(path, body);
  return path;
};
const CATALOGUE = ["ci_search", "echo", "fail", "page_oncall", "sleep"];
const refusal = (run: () => unknown): PlangraphError => {
  try {
    run();
  } catch (error) {
    if (error instanceof PlangraphError) return error;
    throw error;
  }
  throw new Error("expected a refusal");
};
const problemsOf = (error: PlangraphError) => (error instanceof PlanValidationError ? error.issues : [error]).map((e) => e.toJSON());

describe("the server policy's defaults and configuration", () => {
  it("gives server runs a budget, step timeouts and approval for side effects when nothing is configured", () => {
    expect(loadServerPolicy({})).toEqual(DEFAULT_SERVER_POLICY);
    expect(DEFAULT_SERVER_POLICY).toMatchObject({ maxRunMs: 120_000, maxStepMs: 30_000, approveSideEffects: true });
    expect(DEFAULT_SERVER_POLICY.allowedTools).toBeUndefined();
    // Every other limit is the library's.
    expect(DEFAULT_SERVER_POLICY.maxSteps).toBe(DEFAULT_LIMITS.maxSteps);
  });

  it("reads a policy file (relative to the working directory) and fills in the rest", () => {
    policyFile("policy.json", JSON.stringify({ maxRunMs: 5_000, allowedTools: ["echo", "sleep"] }));
    expect(loadServerPolicy({ PLANGRAPH_SERVER_POLICY: "policy.json" }, dir)).toMatchObject({ maxRunMs: 5_000, maxStepMs: 30_000, approveSideEffects: true, allowedTools: ["echo", "sleep"] });
  });

  it("refuses a policy file with a wrong or unknown field, naming the file and every field", () => {
    const path = policyFile("bad.json", JSON.stringify({ maxRunMs: -1, maxStpMs: 10 }));
    const error = refusal(() => loadServerPolicy({ PLANGRAPH_SERVER_POLICY: path }));
    expect(error.code).toBe("USAGE");
    const messages = problemsOf(error).map((p) => p.message).join("\n");
    expect(messages).toContain(`PLANGRAPH_SERVER_POLICY: ${path}: maxRunMs:`);
    expect(messages).toMatch(/maxStpMs/);
  });

  it("refuses a missing or non-JSON policy file with a typed error naming it", () => {
    expect(refusal(() => loadServerPolicy({ PLANGRAPH_SERVER_POLICY: join(dir, "missing.json") })).message).toMatch(/cannot read .*missing\.json: ENOENT/);
    const path = policyFile("text.json", "maxRunMs: 5");
    expect(refusal(() => loadServerPolicy({ PLANGRAPH_SERVER_POLICY: path })).message).toMatch(/text\.json is not valid JSON/);
  });

  it("takes the allowlist from PLANGRAPH_ALLOWED_TOOLS, narrowed by the file's when both are set", () => {
    expect(loadServerPolicy({ PLANGRAPH_ALLOWED_TOOLS: " echo, ci_search ,," }).allowedTools).toEqual(["echo", "ci_search"]);
    const path = policyFile("narrow.json", JSON.stringify({ allowedTools: ["echo", "sleep"] }));
    expect(loadServerPolicy({ PLANGRAPH_SERVER_POLICY: path, PLANGRAPH_ALLOWED_TOOLS: "echo,ci_search" }).allowedTools).toEqual(["echo"]);
  });
});

describe("configurable.limits tightens the policy, never loosens it", () => {
  const policy = { ...DEFAULT_SERVER_POLICY, maxRunMs: 10_000, allowedTools: ["echo", "sleep", "page_oncall"] };

  it("keeps the policy when the run sets no limits, with the step cap apart from the plan limits", () => {
    const { limits, maxStepMs } = tightenPolicy(policy, undefined, CATALOGUE);
    expect(maxStepMs).toBe(30_000);
    expect(limits).toMatchObject({ maxRunMs: 10_000, approveSideEffects: true, allowedTools: ["echo", "sleep", "page_oncall"] });
    expect(limits).not.toHaveProperty("maxStepMs");
  });

  it("accepts a smaller budget, step cap and limits, and a narrower allowlist", () => {
    const run = tightenPolicy(policy, { maxRunMs: 500, maxStepMs: 100, maxSteps: 3, allowedTools: ["echo"] }, CATALOGUE);
    expect(run).toEqual({ limits: { ...policy, maxRunMs: 500, maxSteps: 3, allowedTools: ["echo"], maxStepMs: undefined }, maxStepMs: 100 });
  });

  it("refuses every loosening field at once, each as LIMIT_EXCEEDED naming configurable.limits.<field>", () => {
    const error = refusal(() => tightenPolicy(policy, { maxRunMs: 0, maxStepMs: 60_000, maxSteps: 5_000, approveSideEffects: false, allowedTools: ["echo", "fail"] }, CATALOGUE));
    const problems = problemsOf(error);
    expect(problems.map((p) => `${p.code} ${p.path}`).sort()).toEqual([
      "LIMIT_EXCEEDED configurable.limits.allowedTools",
      "LIMIT_EXCEEDED configurable.limits.approveSideEffects",
      "LIMIT_EXCEEDED configurable.limits.maxRunMs",
      "LIMIT_EXCEEDED configurable.limits.maxStepMs",
      "LIMIT_EXCEEDED configurable.limits.maxSteps",
    ]);
    const about = (field: string) => problems.find((p) => p.path === `configurable.limits.${field}`)!.message;
    expect(about("maxRunMs")).toMatch(/0 \(no budget\) is above the server's 10000/);
    expect(about("allowedTools")).toMatch(/'fail' is not in the server's allowlist/);
    expect(about("approveSideEffects")).toMatch(/without approval; a run may tighten the server's policy, never loosen it/);
  });

  it("without an allowlist in the policy, allows any subset of the catalogue and nothing else", () => {
    expect(tightenPolicy(DEFAULT_SERVER_POLICY, { allowedTools: ["fail"] }, CATALOGUE).limits.allowedTools).toEqual(["fail"]);
    expect(refusal(() => tightenPolicy(DEFAULT_SERVER_POLICY, { allowedTools: ["rm_rf"] }, CATALOGUE)).path).toBe("configurable.limits.allowedTools");
  });

  it("lets a policy without a budget take any budget, and turning approval on is always allowed", () => {
    const open = { ...DEFAULT_SERVER_POLICY, maxRunMs: 0, approveSideEffects: false };
    expect(tightenPolicy(open, { maxRunMs: 99_000_000, approveSideEffects: true }, CATALOGUE).limits).toMatchObject({ maxRunMs: 99_000_000, approveSideEffects: true });
  });

  it("refuses limits that are not limits: an unknown field or a wrong type, naming it", () => {
    expect(refusal(() => tightenPolicy(policy, { maxRunMS: 5 }, CATALOGUE)).message).toMatch(/^configurable\.limits: .*maxRunMS/);
    expect(refusal(() => tightenPolicy(policy, { maxRunMs: "fast" }, CATALOGUE)).path).toBe("configurable.limits.maxRunMs");
    expect(refusal(() => tightenPolicy(policy, "tight", CATALOGUE)).code).toBe("USAGE");
  });
});

describe("step timeouts under the policy", () => {
  it("caps every step's timeout_ms and gives steps without one the cap, in either plan form", () => {
    const plan = { steps: [{ id: "a", tool: "sleep", params: { ms: 1 }, timeout_ms: 3_600_000 }, { id: "b", tool: "echo" }, { id: "c", tool: "echo", timeout_ms: 50 }] };
    expect(capStepTimeouts(plan, 1_000, DEFAULT_LIMITS).steps.map((s) => [s.id, s.timeout_ms])).toEqual([["a", 1_000], ["b", 1_000], ["c", 50]]);
    const sectioned = JSON.stringify({ primary: { tool: "ci_search", params: { query: "db" } }, aggregate: { tool: "echo", timeout_ms: 9_000 } });
    expect(capStepTimeouts(sectioned, 2_000, DEFAULT_LIMITS).steps.map((s) => [s.id, s.timeout_ms])).toEqual([["primary", 2_000], ["aggregate", 2_000]]);
  });

  // A sub-plan's inner steps are its calls: uncapped, they would hold a slot past the policy.
  const withSubPlan = {
    steps: [
      { id: "a", tool: "echo", params: { x: 1 } },
      { id: "per", steps: [{ id: "slow", tool: "sleep", params: { ms: 1 }, timeout_ms: 3_600_000 }, { id: "note", tool: "echo", depends_on: ["slow"] }] },
    ],
  };

  it("caps a sub-plan's inner steps and gives the sub-plan step itself no timeout (it calls no tool)", () => {
    const capped = capStepTimeouts(withSubPlan, 1_000, DEFAULT_LIMITS);
    const per = capped.steps.find((s) => s.id === "per")!;
    expect(per.timeout_ms).toBeUndefined();
    expect(per.steps!.map((s) => [s.id, s.timeout_ms])).toEqual([["slow", 1_000], ["note", 1_000]]);
  });

  it("caps a queued plan's sub-plan in its wire form, which still validates", () => {
    const wire = capWireStepTimeouts(withSubPlan, 1_000) as typeof withSubPlan;
    expect(wire.steps[1]).not.toHaveProperty("timeout_ms");
    expect((wire.steps[1] as { steps: Array<{ timeout_ms?: number }> }).steps.map((s) => s.timeout_ms)).toEqual([1_000, 1_000]);
    const normalized = normalizePlan(wire, DEFAULT_LIMITS);
    expect(normalized.steps.find((s) => s.id === "per")!.steps!.map((s) => s.timeout_ms)).toEqual([1_000, 1_000]);
  });
});

describe("a refused plan as a server run's answer", () => {
  const issues = [
    new PlangraphError("UNKNOWN_TOOL", "step 'a' uses unknown tool 'nope'", { path: "$.steps[0].tool", step: "a" }),
    new PlangraphError("UNKNOWN_STEP", "step 'b' references unknown step 'ghost'", { path: "$.steps[1].output_mapping.x", step: "b" }),
  ];

  it("lists every problem with its code, message, path and step", () => {
    expect(planRejection(new PlanValidationError(issues))).toEqual({
      error: "PlanValidationError",
      code: "UNKNOWN_TOOL",
      message: "step 'a' uses unknown tool 'nope' (and 1 more problem)",
      problems: issues.map((i) => i.toJSON()),
    });
    expect(planRejection(new PlangraphError("USAGE", "unknown plan_id 'x'")).problems).toEqual([{ code: "USAGE", message: "unknown plan_id 'x'" }]);
  });

  it("is a one-node graph whose output is the refusal in `error`", async () => {
    const graph = rejectedPlanGraph(new PlanValidationError(issues), "orchestrator");
    expect(Object.keys((await graph.getGraphAsync()).nodes).sort()).toEqual(["__end__", "__start__", "plan_rejected"]);
    expect(await graph.invoke({})).toEqual({ error: planRejection(new PlanValidationError(issues)) });
  });
});
