/**
 * One run context per invocation: created where the run starts (the caller, or the graph's single
 * stream wrapper when the caller gave none), carried in `configurable`, never stored on the graph.
 */
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { compilePlan } from "../../src/api/compile-plan.js";
import { RUN_CONTEXT_KEY } from "../../src/langgraph/channels.js";
import { RunContext } from "../../src/langgraph/run-context.js";
import { createRunContext, withRunContext } from "../../src/langgraph/run-stream.js";
import { defineTool } from "../../src/tools/define.js";

const quiet = { chatModel: null, telemetry: false } as const;

function slowEcho() {
  const calls: string[] = [];
  const tool = defineTool({
    name: "slow_echo",
    description: "Echoes its tag after `ms`.",
    input: z.object({ tag: z.string(), ms: z.number().default(5) }),
    run: async ({ tag, ms }) => {
      calls.push(tag);
      await new Promise((r) => setTimeout(r, ms));
      return { data: tag };
    },
  });
  return { tool, calls };
}

const plan = {
  steps: [
    { id: "a", tool: "slow_echo", params: { tag: "a", ms: 10 } },
    { id: "b", tool: "slow_echo", params: { tag: "b" }, depends_on: ["a"] },
  ],
};

/** Every own property of an object, with the values that are objects (where run state could hide). */
function ownState(graph: object): Map<string | symbol, unknown> {
  return new Map(Reflect.ownKeys(graph).map((key) => [key, (graph as Record<string | symbol, unknown>)[key]]));
}

describe("a compiled plan graph holds nothing about any run", () => {
  it("has the same own properties, with the same values, before and after concurrent runs", async () => {
    const { tool } = slowEcho();
    const graph = compilePlan(plan, { tools: [tool], ...quiet });
    const before = ownState(graph);
    await Promise.all([graph.invoke({}), graph.invoke({}), graph.invoke({ run_id: "r3" })]);
    const after = ownState(graph);
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [key, value] of after) expect(value, String(key)).toBe(before.get(key));
    expect("lastRun" in graph).toBe(false);
    for (const value of after.values()) expect(value).not.toBeInstanceOf(RunContext);
  });
});

describe("the caller's run context", () => {
  it("is the one the graph's nodes run with: the caller reads the run's scheduler from it", async () => {
    const { tool } = slowEcho();
    const graph = compilePlan(plan, { tools: [tool], ...quiet });
    const context = createRunContext(graph);
    await graph.invoke({ run_id: "mine" }, withRunContext({}, context) as never);
    expect(context.current?.runId).toBe("mine");
    expect(context.current?.stepRecord("b")?.status).toBe("done");
  });

  it("serves one invocation only: a second invoke with it gets a context of its own", async () => {
    const { tool } = slowEcho();
    const graph = compilePlan(plan, { tools: [tool], ...quiet });
    const context = createRunContext(graph);
    const config = withRunContext({}, context);
    await graph.invoke({ run_id: "first" }, config as never);
    await graph.invoke({ run_id: "second" }, config as never);
    expect(context.current?.runId).toBe("first");
  });

  it("keeps concurrent invocations of one graph apart, each with its own scheduler", async () => {
    const { tool } = slowEcho();
    const graph = compilePlan(plan, { tools: [tool], ...quiet });
    const contexts = Array.from({ length: 10 }, () => createRunContext(graph));
    await Promise.all(contexts.map((context, i) => graph.invoke({ run_id: `run-${i}` }, withRunContext({}, context) as never)));
    expect(contexts.map((c) => c.current?.runId)).toEqual(contexts.map((_, i) => `run-${i}`));
    expect(new Set(contexts.map((c) => c.current)).size).toBe(10);
  });

  it("is ignored when it belongs to another graph (a plan graph inside another plan's run)", async () => {
    const { tool } = slowEcho();
    const one = compilePlan(plan, { tools: [tool], ...quiet });
    const other = compilePlan(plan, { tools: [tool], ...quiet });
    const foreign = createRunContext(one);
    const state = (await other.invoke({ run_id: "other" }, { configurable: { [RUN_CONTEXT_KEY]: foreign } } as never)) as Record<string, unknown>;
    expect(state.run_id).toBe("other");
    expect(foreign.current, "the other graph did not use it").toBeUndefined();
  });

  it("can only be made for a graph compiled by plangraph", () => {
    expect(() => createRunContext({})).toThrow(expect.objectContaining({ code: "INTERNAL" }));
  });
});
