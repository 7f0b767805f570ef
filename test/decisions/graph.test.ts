import { describe, expect, it } from "vitest";
import { compilePlan } from "../../src/api/run-plan.js";

type Edge = { source: string; target: string; conditional: boolean; data?: unknown };

async function drawn(plan: unknown) {
  const graph = await compilePlan(plan, { chatModel: null }).getGraphAsync();
  const edges = (graph.edges as Edge[]).map(({ source, target, conditional, data }) => ({ source, target, conditional, ...(data === undefined ? {} : { data }) }));
  return { nodes: Object.keys(graph.nodes), edges, mermaid: graph.drawMermaid() };
}

const plan = {
  steps: [
    { id: "A", tool: "echo", params: { n: 5 } },
    { id: "T", tool: "echo" },
    { id: "E", tool: "echo" },
    { id: "T2", tool: "echo", depends_on: ["T"] },
  ],
  decisions: [{ id: "D", after: ["A"], condition: "{A.data.n} > 3", then: ["T"], else: ["E"] }],
};

describe("compiled graph of a decision", () => {
  it("has a node for the decision, reached by an ordinary edge from its `after` step", async () => {
    const { nodes, edges } = await drawn(plan);
    expect(nodes).toEqual(expect.arrayContaining(["A", "T", "E", "T2", "D"]));
    expect(edges).toContainEqual({ source: "A", target: "D", conditional: false });
  });

  it("draws each branch as a conditional edge from the decision to its step, labelled then / else", async () => {
    const { edges } = await drawn(plan);
    const fromDecision = edges.filter((e) => e.source === "D");
    expect(fromDecision).toHaveLength(2);
    expect(fromDecision).toContainEqual({ source: "D", target: "T", conditional: true, data: "then" });
    expect(fromDecision).toContainEqual({ source: "D", target: "E", conditional: true, data: "else" });
  });

  it("triggers branch targets only through the conditional edge", async () => {
    const { edges } = await drawn(plan);
    const into = (id: string) => edges.filter((e) => e.target === id);
    expect(into("T")).toEqual([{ source: "D", target: "T", conditional: true, data: "then" }]);
    expect(into("E")).toEqual([{ source: "D", target: "E", conditional: true, data: "else" }]);
    // What follows a branch step is an ordinary edge.
    expect(into("T2")).toEqual([{ source: "T", target: "T2", conditional: false }]);
  });

  it("prints the then / else labels in Mermaid, as dotted (conditional) arrows", async () => {
    const { mermaid } = await drawn(plan);
    expect(mermaid).toContain("D -. &nbsp;then&nbsp; .-> T;");
    expect(mermaid).toContain("D -. &nbsp;else&nbsp; .-> E;");
    expect(mermaid).toContain("A --> D;");
  });

  it("labels each target of a branch with several steps, and sends an empty branch to the end", async () => {
    const { edges, mermaid } = await drawn({
      steps: [{ id: "A", tool: "echo" }, { id: "T1", tool: "echo" }, { id: "T2", tool: "echo" }],
      decisions: [{ id: "D", after: ["A"], condition: "true", then: ["T1", "T2"], else: [] }],
    });
    expect(edges.filter((e) => e.source === "D")).toEqual(
      expect.arrayContaining([
        { source: "D", target: "T1", conditional: true, data: "then:T1" },
        { source: "D", target: "T2", conditional: true, data: "then:T2" },
        { source: "D", target: "__end__", conditional: true, data: "else" },
      ]),
    );
    expect(mermaid).toContain("D -. &nbsp;then:T1&nbsp; .-> T1;");
    expect(mermaid).toContain("D -. &nbsp;else&nbsp; .-> __end__;");
  });

  it("draws a question decision the same way as a rule", async () => {
    const { edges } = await drawn({
      steps: [{ id: "A", tool: "echo" }, { id: "T", tool: "echo" }, { id: "E", tool: "echo" }],
      decisions: [{ id: "Q", after: ["A"], question: "Is A healthy?", then: ["T"], else: ["E"] }],
    });
    expect(edges).toContainEqual({ source: "Q", target: "T", conditional: true, data: "then" });
    expect(edges).toContainEqual({ source: "Q", target: "E", conditional: true, data: "else" });
  });

  it("wires another input of a branch step into the decision, so the step keeps a single trigger", async () => {
    const { edges } = await drawn({
      steps: [{ id: "A", tool: "echo" }, { id: "X", tool: "echo" }, { id: "T", tool: "echo", depends_on: ["X"] }],
      decisions: [{ id: "D", after: ["A"], condition: "true", then: ["T"], else: [] }],
    });
    expect(edges.filter((e) => e.target === "T")).toEqual([{ source: "D", target: "T", conditional: true, data: "then" }]);
    expect(edges).toContainEqual({ source: "X", target: "D", conditional: false });
  });
});
