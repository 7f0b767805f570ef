import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compilePlan, defineTool, isPlangraphError, PlanValidationError, runPlan } from "../../src/index.js";

/** A search stand-in that finds `round * 2` results, counting its calls. */
function countingSearch() {
  const calls: number[] = [];
  const tool = defineTool({
    name: "fake_search",
    description: "returns round*2 hits",
    input: z.object({ round: z.number() }),
    output: z.object({ data: z.object({ total: z.number(), round: z.number() }) }),
    run: ({ round }) => {
      calls.push(round);
      return { data: { total: round * 2, round } };
    },
  });
  return { tool, calls };
}

const loopPlan = (maxIterations: number, threshold: number) => ({
  goal: "search until enough results",
  steps: [
    { id: "seed", tool: "echo", params: { query: "db" } },
    { id: "broaden", tool: "echo", output_mapping: { round: "{__loop.iteration}", query: "{seed.data.query}" } },
    { id: "search", tool: "fake_search", output_mapping: { round: "{broaden.data.round}" } },
    { id: "report", tool: "echo", output_mapping: { found: "{search.data.total}", query: "{broaden.data.query}" } },
  ],
  decisions: [
    { id: "enough", after: ["search"], condition: `{search.data.total} >= ${threshold}`, then: ["report"], else: ["broaden"], max_iterations: maxIterations },
  ],
});

async function rejection(plan: unknown): Promise<PlanValidationError> {
  try {
    compilePlan(plan, { tools: [countingSearch().tool] });
  } catch (error) {
    expect(isPlangraphError(error)).toBe(true);
    return error as PlanValidationError;
  }
  throw new Error("expected the plan to be rejected");
}

describe("bounded loops", () => {
  it("goes back until the decision is satisfied, and later steps see the last iteration", async () => {
    const { tool, calls } = countingSearch();
    const result = await runPlan(loopPlan(5, 6), { tools: [tool] });
    expect(result.status).toBe("completed");
    expect(calls).toEqual([1, 2, 3]);
    expect(result.results.report).toEqual({ data: { found: 6, query: "db" } });
    expect(result.decisions.enough).toMatchObject({ branch: "then", source: "rule", iterations: 3 });
  });

  it("keeps every iteration's output in the result", async () => {
    const { tool } = countingSearch();
    const result = await runPlan(loopPlan(5, 6), { tools: [tool] });
    expect(result.iterations.search).toEqual([1, 2, 3].map((round) => ({ data: { total: round * 2, round } })));
    expect(result.iterations.broaden).toHaveLength(3);
    expect(result.iterations.report).toBeUndefined();
  });

  it("leaves the loop by the other branch once max_iterations is reached, and says so", async () => {
    const { tool, calls } = countingSearch();
    const result = await runPlan(loopPlan(2, 100), { tools: [tool] });
    expect(calls).toEqual([1, 2]);
    expect(result.decisions.enough?.branch).toBe("then");
    expect(result.decisions.enough?.reason).toContain("max_iterations (2) reached");
    expect(result.results.report).toEqual({ data: { found: 4, query: "db" } });
  });

  it("runs each body node once per iteration in LangGraph too", async () => {
    const { tool } = countingSearch();
    const graph = compilePlan(loopPlan(5, 6), { tools: [tool] });
    const passes: string[] = [];
    for await (const chunk of await graph.stream({}, { streamMode: "updates", recursionLimit: 100 })) passes.push(...Object.keys(chunk as object));
    const count = (id: string) => passes.filter((p) => p === id).length;
    expect(count("seed")).toBe(1);
    expect(count("broaden")).toBe(3);
    expect(count("search")).toBe(3);
    expect(count("enough")).toBe(3);
    expect(count("report")).toBe(1);
  });

  it("draws the back edge as a conditional edge from the decision to the earlier step", async () => {
    const { tool } = countingSearch();
    const drawn = await compilePlan(loopPlan(3, 6), { tools: [tool] }).getGraphAsync();
    const back = drawn.edges.find((e) => e.source === "enough" && e.target === "broaden");
    expect(back?.conditional).toBe(true);
    expect(drawn.edges.find((e) => e.source === "enough" && e.target === "report")?.conditional).toBe(true);
  });

  it("requires max_iterations on a decision that goes back", async () => {
    const plan = loopPlan(3, 6);
    delete (plan.decisions[0] as { max_iterations?: number }).max_iterations;
    const error = await rejection(plan);
    expect(error.code).toBe("BAD_DECISION");
    expect(error.message).toContain("needs 'max_iterations'");
    expect(error.path).toBe("$.decisions[0].max_iterations");
  });

  it("rejects a loop with no way out", async () => {
    const plan = loopPlan(3, 6);
    plan.decisions[0]!.then = ["seed"];
    const error = await rejection(plan);
    expect(error.message).toContain("loops back on both branches");
  });

  it("rejects a step that reads the loop from outside without waiting for its decision", async () => {
    const plan = loopPlan(3, 6);
    plan.steps.push({ id: "peek", tool: "echo", output_mapping: { total: "{search.data.total}" } } as never);
    const error = await rejection(plan);
    expect(error.message).toContain("'peek' depends on 'search' inside the loop of 'enough'");
  });

  it("rejects {__loop.iteration} outside a loop, and any other loop field", async () => {
    const outside = { steps: [{ id: "a", tool: "echo", output_mapping: { n: "{__loop.iteration}" } }] };
    expect((await rejection(outside)).message).toContain("is not inside a loop");
    const plan = loopPlan(3, 6);
    plan.steps[1]!.output_mapping = { round: "{__loop.count}", query: "{seed.data.query}" };
    expect((await rejection(plan)).message).toContain("a loop offers only {__loop.iteration}");
  });
});
