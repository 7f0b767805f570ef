/**
 * The public API's entry points: runPlan, compilePlan and planSubgraph take a prepared plan as
 * well as raw input (so no entry point prepares a plan twice); one policy decides approvals; the
 * plan's tools are warmed up before the run's clock starts, wherever the run starts.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { preparePlan } from "../../src/analysis/prepare.js";
import { compilePlan } from "../../src/api/compile-plan.js";
import { planSubgraph } from "../../src/api/plan-subgraph.js";
import { requireApprovalHome } from "../../src/api/policy.js";
import { isPreparedPlan, runPlan } from "../../src/api/run-plan.js";
import { createPlanTool } from "../../src/agents/plan-tool.js";
import type { RunResult } from "../../src/engine/result.js";
import { normalizePlan } from "../../src/plan/normalize.js";
import { defineTool } from "../../src/tools/define.js";
import { createToolRegistry } from "../../src/tools/registry.js";
import { declareToolTraits } from "../../src/tools/traits.js";

const quiet = { chatModel: null, telemetry: false } as const;

/** A tool only this registry has: re-preparing with the default registry would not find it. */
const ownTool = defineTool({ name: "only_here", description: "Echoes n.", input: z.object({ n: z.number() }), run: async ({ n }) => ({ data: n }) });
const plan = { steps: [{ id: "a", tool: "only_here", params: { n: 1 } }, { id: "b", tool: "only_here", params: { n: 2 }, depends_on: ["a"] }] };
const prepared = () => preparePlan(plan, { registry: createToolRegistry([ownTool]) });

describe("a prepared plan is accepted wherever raw plan input is", () => {
  it("isPreparedPlan tells preparePlan's output from raw and normalised plans", () => {
    expect(isPreparedPlan(prepared())).toBe(true);
    for (const other of [plan, normalizePlan(plan), null, "{}", { steps: new Map() }]) expect(isPreparedPlan(other)).toBe(false);
  });

  it("runPlan runs it as prepared, with the tools it was prepared with", async () => {
    const result = await runPlan(prepared(), quiet);
    expect(result.status).toBe("completed");
    expect(result.results).toEqual({ a: { data: 1 }, b: { data: 2 } });
    await expect(runPlan(plan, quiet), "raw input is prepared with the default registry").rejects.toMatchObject({ code: "UNKNOWN_TOOL" });
  });

  it("compilePlan and planSubgraph compile it without preparing it again", async () => {
    const once = prepared();
    expect(compilePlan(once, quiet).prepared).toBe(once);
    const graph = planSubgraph(once, quiet);
    expect(graph.prepared).toBe(once);
    expect(((await graph.invoke({})) as { result: RunResult }).result.results).toEqual({ a: { data: 1 }, b: { data: 2 } });
  });
});

describe("one approval policy for every entry point", () => {
  const gated = { steps: [{ id: "restart", tool: "echo", requires_approval: true }, { id: "stop", tool: "echo", requires_approval: true }, { id: "look", tool: "echo" }] };
  const gatedPrepared = preparePlan(gated, { registry: createToolRegistry() });

  it("refuses a plan whose approvals have nowhere to wait, naming every such step and the caller's remedy", () => {
    expect(() => requireApprovalHome(gatedPrepared, { canPause: false, remedy: "do X" })).toThrow(
      expect.objectContaining({ code: "APPROVAL_REQUIRED", step: "restart", message: "steps 'restart', 'stop' need approval: do X" }),
    );
    expect(() => requireApprovalHome(gatedPrepared, { canPause: true, remedy: "do X" })).not.toThrow();
    expect(() => requireApprovalHome(gatedPrepared, { approveAll: true, canPause: false, remedy: "do X" })).not.toThrow();
  });

  it("says the same sentence through runPlan and the plan tool, each with its own remedy", async () => {
    const one = { steps: [gated.steps[0]!] };
    await expect(runPlan(one, quiet)).rejects.toMatchObject({ code: "APPROVAL_REQUIRED", message: "step 'restart' needs approval: pass a checkpointer and threadId to pause and resume, or approveAll" });
    await expect(createPlanTool({ chatModel: null }).invoke(one)).rejects.toMatchObject({
      code: "APPROVAL_REQUIRED",
      message: "step 'restart' needs approval: call the plan tool from a graph with a checkpointer, or create it with approveAll",
    });
  });
});

/** Two tools sharing one 80 ms warm-up; `broken` has a warm-up that fails. */
function warmTools() {
  const log: string[] = [];
  const warmUp = async () => {
    log.push("warm-up");
    await new Promise((r) => setTimeout(r, 80));
  };
  const make = (name: string) =>
    declareToolTraits(
      defineTool({ name, description: "Logs its call.", input: z.object({}), run: async () => (log.push(name), { data: name }) }),
      { warmUp },
    );
  const broken = declareToolTraits(defineTool({ name: "broken", description: "Cold.", input: z.object({}), run: async () => ({ data: "cold" }) }), {
    warmUp: async () => {
      throw new Error("estate not built");
    },
  });
  return { log, tools: [make("one"), make("two"), broken] };
}

const warmPlan = { steps: [{ id: "x", tool: "one" }, { id: "y", tool: "two", depends_on: ["x"] }, { id: "z", tool: "broken" }] };

describe("the plan's tools are warmed up before the run's clock starts", () => {
  const check = (result: RunResult, log: string[]) => {
    expect(log.filter((e) => e === "warm-up"), "a shared warm-up runs once").toHaveLength(1);
    expect(log.indexOf("warm-up")).toBeLessThan(log.indexOf("one"));
    expect(result.timings.x!.start_ms, "the warm-up is not in the first step's time").toBeLessThan(40);
    expect(result.makespan_ms).toBeLessThan(60);
    expect(result.warnings).toContain("warming up broken failed: estate not built");
    expect(result.status).toBe("completed");
  };

  it("by runPlan", async () => {
    const { log, tools } = warmTools();
    check(await runPlan(warmPlan, { tools, ...quiet }), log);
  });

  it("by the graph's stream wrapper, for a run the server or a parent graph starts", async () => {
    const { log, tools } = warmTools();
    const output = (await planSubgraph(warmPlan, { tools, ...quiet }).invoke({})) as { result: RunResult };
    check(output.result, log);
  });
});
