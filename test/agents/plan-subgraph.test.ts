/**
 * `planSubgraph(plan)`: a plan embedded as a node of a parent graph. The parent receives the
 * contract's result in its `result` channel, draws the plan's steps with xray, inherits the
 * checkpointer, and pauses for approvals — and a resumed parent never runs a finished step again.
 */
import { Annotation, Command, END, MemorySaver, START, StateGraph, interrupt } from "@langchain/langgraph";
import { describe, expect, it } from "vitest";
import { planSubgraph } from "../../src/agents/index.js";
import { inventoryTools } from "./support.js";

const ParentState = Annotation.Root({ request: Annotation<string>(), result: Annotation<Record<string, unknown> | null>() });

function parentWith(plan: unknown, registry = inventoryTools().registry) {
  return new StateGraph(ParentState)
    .addNode("plan", planSubgraph(plan, { registry, chatModel: null, name: "plan" }) as never)
    .addEdge(START, "plan")
    .addEdge("plan", END);
}

describe("planSubgraph: a plan as a node of a parent graph", () => {
  it("hands the contract's result to the parent's result channel", async () => {
    const plan = { steps: [{ id: "a", tool: "ci_lookup", params: { query: "db" } }, { id: "b", tool: "ci_lookup", output_mapping: { query: "{a.data.rows[0].ci_id}" } }] };
    const out = await parentWith(plan).compile().invoke({ request: "x" });
    expect(out.result).toMatchObject({ status: "completed", results: { b: { data: { rows: [{ ci_id: "ci-ci-db" }] } } } });
  });

  it("is drawn with the plan's steps inside the parent (xray), as Studio shows it", async () => {
    const plan = {
      steps: [
        { id: "a", tool: "ci_lookup", params: { query: "db" } },
        { id: "b", tool: "ci_lookup", params: { query: "web" } },
      ],
      decisions: [{ id: "enough", after: ["a"], condition: "{a.data.total} > 0", then: ["b"], else: [] }],
    };
    const drawn = (await parentWith(plan).compile().getGraphAsync({ xray: true })).toJSON() as { nodes: Array<{ id: string }>; edges: unknown[] };
    const ids = drawn.nodes.map((n) => n.id);
    expect(ids).toEqual(expect.arrayContaining(["plan:a", "plan:b", "plan:enough"]));
    expect(drawn.edges).toEqual(expect.arrayContaining([expect.objectContaining({ source: "plan:enough", target: "plan:b", conditional: true, data: "then" })]));
  });

  it("runs plans deeper than LangGraph's default recursion limit of 25 supersteps", async () => {
    const steps = Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, tool: "echo", params: { i }, ...(i ? { depends_on: [`s${i - 1}`] } : {}) }));
    const out = await parentWith({ steps }).compile().invoke({ request: "chain" }, { recursionLimit: 25 });
    expect(out.result).toMatchObject({ status: "completed" });
    expect(Object.keys((out.result as { results: object }).results)).toHaveLength(40);
  });

  it("pauses the parent for an approval and, resumed, runs every step exactly once", async () => {
    const inventory = inventoryTools();
    const plan = {
      steps: [
        { id: "find", tool: "ci_lookup", params: { query: "web-01" } },
        { id: "restart", tool: "ci_restart", output_mapping: { ci_id: "{find.data.rows[0].ci_id}" }, requires_approval: true },
      ],
    };
    const graph = parentWith(plan, inventory.registry).compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "sub-approval" } };
    const paused = (await graph.invoke({ request: "restart" }, config)) as { __interrupt__?: Array<{ id: string; value: { step: string } }> };
    expect(paused.__interrupt__?.map((i) => i.value.step)).toEqual(["restart"]);
    const done = await graph.invoke(new Command({ resume: { [paused.__interrupt__![0]!.id]: "approve" } }), config);
    expect(inventory.calls.map((c) => c.tool)).toEqual(["ci_lookup", "ci_restart"]);
    expect(done.result).toMatchObject({ status: "completed" });
  });

  it("starts a fresh plan run when the parent resumes from its own interrupt before the plan", async () => {
    const inventory = inventoryTools();
    const plan = { steps: [{ id: "find", tool: "ci_lookup", params: { query: "db" } }] };
    const graph = new StateGraph(ParentState)
      .addNode("confirm", () => {
        interrupt("run the plan?");
        return {};
      })
      .addNode("plan", planSubgraph(plan, { registry: inventory.registry, chatModel: null }) as never)
      .addEdge(START, "confirm")
      .addEdge("confirm", "plan")
      .addEdge("plan", END)
      .compile({ checkpointer: new MemorySaver() });
    const config = { configurable: { thread_id: "parent-first" } };
    await graph.invoke({ request: "x" }, config);
    const done = await graph.invoke(new Command({ resume: "yes" }), config);
    expect(done.result).toMatchObject({ status: "completed", results: { find: { data: { total: 1 } } } });
    expect(inventory.calls).toHaveLength(1);
  });
});
