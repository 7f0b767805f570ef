import { describe, expect, it } from "vitest";
import { END, START } from "@langchain/langgraph";
import { compilePlan, runPlan } from "../../src/api/run-plan.js";
import type { PlanGraph } from "../../src/langgraph/graph.js";
import { callLog } from "./helpers.js";

/** a, b roots; c after a; d after b and c (a fan-in); e after a. Sinks: d, e. */
const plan = {
  steps: [
    { id: "a", tool: "echo" },
    { id: "b", tool: "echo" },
    { id: "c", tool: "echo", depends_on: ["a"] },
    { id: "d", tool: "echo", depends_on: ["b"], output_mapping: { from_c: "{c.data}" } },
    { id: "e", tool: "echo", depends_on: ["a"] },
  ],
};
const dependencyEdges = [
  ["a", "c"],
  ["b", "d"],
  ["c", "d"],
  ["a", "e"],
];

const key = (edge: readonly string[]) => edge.join(" → ");

/** LangGraph's builder behind a compiled graph: plain edges and waiting (multi-source) edges. */
function builderOf(graph: PlanGraph): { edges: Set<[string, string]>; waitingEdges: Set<[string[], string]> } {
  const builder = (graph as unknown as { builder?: { edges: Set<[string, string]>; waitingEdges: Set<[string[], string]> } }).builder;
  if (!builder) throw new Error("the compiled graph does not expose its builder");
  return builder;
}

describe("compile: the plan becomes a LangGraph graph", () => {
  it("has exactly the plan's steps as nodes, plus __start__ and __end__", async () => {
    const drawable = await compilePlan(plan).getGraphAsync();
    expect(Object.keys(drawable.nodes).sort()).toEqual([START, END, "a", "b", "c", "d", "e"].sort());
    expect(Object.keys(compilePlan(plan).getGraph().nodes).sort()).toEqual(Object.keys(drawable.nodes).sort());
  });

  it("has exactly the dependency edges, plus START → roots and sinks → END", async () => {
    const drawable = await compilePlan(plan).getGraphAsync();
    const edges = drawable.edges.map((e) => key([e.source, e.target])).sort();
    const expected = [...dependencyEdges, [START, "a"], [START, "b"], ["d", END], ["e", END]].map(key).sort();
    expect(edges).toEqual(expected);
    expect(drawable.edges.every((e) => !e.conditional)).toBe(true);
  });

  it("gives a fan-in node exactly one waiting edge, and no separate edges into it", () => {
    const builder = builderOf(compilePlan(plan));
    const intoD = [...builder.waitingEdges].filter(([, target]) => target === "d");
    expect(intoD).toHaveLength(1);
    expect([...intoD[0]![0]].sort()).toEqual(["b", "c"]);
    expect([...builder.edges].filter(([, target]) => target === "d")).toEqual([]);
    // Every other node has one plain edge in; no node has two.
    const inbound = new Map<string, number>();
    for (const [, target] of builder.edges) inbound.set(target, (inbound.get(target) ?? 0) + 1);
    for (const [, target] of builder.waitingEdges) inbound.set(target, (inbound.get(target) ?? 0) + 1);
    for (const id of ["a", "b", "c", "d", "e"]) expect(inbound.get(id), id).toBe(1);
  });

  it("calls a 3-way fan-in step's tool exactly once", async () => {
    const log = callLog("record", { ms: 2 });
    const fanIn = {
      steps: [
        { id: "x", tool: "record", params: { tag: "x", ms: 5 } },
        { id: "y", tool: "record", params: { tag: "y", ms: 1 } },
        { id: "z", tool: "record", params: { tag: "z", ms: 10 } },
        { id: "join", tool: "record", params: { tag: "join" }, depends_on: ["x", "y", "z"] },
      ],
    };
    const builder = builderOf(compilePlan(fanIn, { tools: [log.tool] }));
    expect([...builder.waitingEdges].filter(([, t]) => t === "join")).toHaveLength(1);
    const result = await runPlan(fanIn, { tools: [log.tool] });
    expect(result.status).toBe("completed");
    expect(log.count("join")).toBe(1);
    expect(log.calls).toHaveLength(4);
  });

  it("draws every step in Mermaid", async () => {
    const mermaid = (await compilePlan(plan).getGraphAsync()).drawMermaid();
    expect(mermaid).toMatch(/^graph TD;/m);
    for (const id of ["a", "b", "c", "d", "e"]) expect(mermaid).toMatch(new RegExp(`^\\s*${id}\\(${id}\\)`, "m"));
    for (const [from, to] of dependencyEdges) expect(mermaid).toContain(`${from} --> ${to};`);
  });

  it("compiles a sectioned plan to its section names", async () => {
    const drawable = await compilePlan({ primary: { tool: "echo" }, aggregate: { tool: "echo" }, graph: { tool: "echo" } }).getGraphAsync();
    expect(Object.keys(drawable.nodes).sort()).toEqual([START, END, "aggregate", "graph", "primary"].sort());
    expect(drawable.edges.map((e) => key([e.source, e.target])).sort()).toEqual(
      [[START, "primary"], ["primary", "aggregate"], ["primary", "graph"], ["aggregate", END], ["graph", END]].map(key).sort(),
    );
  });

  it("rejects an invalid plan at compile time, before any graph exists", () => {
    expect(() => compilePlan({ steps: [{ id: "a", tool: "echo", depends_on: ["nope"] }] })).toThrow(/unknown step 'nope'/);
  });
});
