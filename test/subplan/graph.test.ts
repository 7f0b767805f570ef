import { describe, expect, it } from "vitest";
import { compilePlan } from "../../src/api/compile-plan.js";
import { perServicePlan, serviceTools } from "./support.js";

const tools = serviceTools([{ name: "a", hosts: ["h1"] }]).tools;

describe("LangGraph: a sub-plan step is a subgraph", () => {
  it("without xray it is one node, wired like any step", async () => {
    const drawn = await compilePlan(perServicePlan(), { tools }).getGraphAsync();
    expect(Object.keys(drawn.nodes).filter((id) => !id.startsWith("__")).sort()).toEqual(["per_service", "report", "svc"]);
    const mermaid = drawn.drawMermaid();
    expect(mermaid).toMatch(/svc --> per_service/);
    expect(mermaid).toMatch(/per_service --> report/);
  });

  it("with xray its inner steps are drawn inside it, in their order", async () => {
    const drawn = await compilePlan(perServicePlan(), { tools }).getGraphAsync({ xray: true });
    const nodes = Object.keys(drawn.nodes).filter((id) => !id.startsWith("__"));
    expect(nodes.sort()).toEqual(["per_service:cpu", "per_service:hosts", "report", "svc"]);
    const mermaid = drawn.drawMermaid();
    expect(mermaid).toMatch(/subgraph per_service/);
    expect(mermaid).toMatch(/per_service_hosts --> per_service_cpu/);
    expect(mermaid).toMatch(/svc --> per_service_hosts/);
    expect(mermaid).toMatch(/per_service_cpu --> report/);
  });

  it("a sub-plan's decision is drawn as a conditional edge inside the subgraph", async () => {
    const plan = {
      steps: [
        { id: "svc", tool: "services" },
        {
          id: "sub",
          steps: [
            { id: "hosts", tool: "hosts_of", params: { service: "{svc.data.rows[0].name}" } },
            { id: "cpu", tool: "cpu_of", params: { hosts: "{hosts.data.hosts}" } },
            { id: "none", tool: "echo", params: { why: "no hosts" } },
          ],
          decisions: [{ id: "any", after: ["hosts"], condition: "{hosts.data.hosts[0]} != null", then: ["cpu"], else: ["none"] }],
        },
      ],
    };
    const drawn = await compilePlan(plan, { tools }).getGraphAsync({ xray: true });
    const mermaid = drawn.drawMermaid();
    expect(mermaid).toMatch(/sub_any -\. &nbsp;then&nbsp; \.-> sub_cpu/);
    expect(mermaid).toMatch(/sub_any -\. &nbsp;else&nbsp; \.-> sub_none/);
  });

  it("at run time the inner nodes run inside the subgraph, in its namespace, and the step's record reaches the outer state", async () => {
    const graph = compilePlan(perServicePlan(), { tools: serviceTools([{ name: "a", hosts: ["h1"] }, { name: "b", hosts: ["h2"] }]).tools });
    const seen: Array<{ namespace: string[]; nodes: string[] }> = [];
    for await (const chunk of await graph.stream({}, { streamMode: "updates", subgraphs: true })) {
      const [namespace, update] = chunk as unknown as [string[], Record<string, unknown>];
      seen.push({ namespace, nodes: Object.keys(update) });
    }
    const inner = seen.filter((s) => s.namespace.length === 1 && s.namespace[0]!.startsWith("per_service:"));
    expect(inner.flatMap((s) => s.nodes)).toEqual(["hosts", "cpu"]);
    expect(seen.filter((s) => s.namespace.length === 0).flatMap((s) => s.nodes)).toEqual(["svc", "per_service", "report"]);
    const state = (await graph.invoke({})) as Record<string, unknown>;
    const record = Object.entries(state).find(([key]) => key.includes("per_service"))?.[1] as { status: string; output: unknown[] };
    expect(record.status).toBe("done");
    expect(record.output).toHaveLength(2);
  });
});
