import { describe, expect, it } from "vitest";
import { compilePlan } from "../../src/api/compile-plan.js";
import { elementTools, fanOutPlan } from "./support.js";

describe("LangGraph: a for_each step is one node", () => {
  it("getGraph and Mermaid show the step once, whatever its list holds", async () => {
    const elements = Array.from({ length: 5 }, (_, i) => ({ id: `e${i}`, ms: 0, fail: false }));
    const graph = compilePlan(fanOutPlan(elements), { tools: elementTools().tools });
    const drawn = await graph.getGraphAsync();
    expect(Object.keys(drawn.nodes).filter((id) => !id.startsWith("__")).sort()).toEqual(["after", "each", "list"]);
    const mermaid = drawn.drawMermaid();
    expect(mermaid.match(/\beach\b/g)?.length).toBeGreaterThan(0);
    expect(mermaid).toMatch(/list --> each|list -.-> each|list -->.*each/);
    expect(mermaid).not.toMatch(/each\[\d\]|each#/);
  });
});
