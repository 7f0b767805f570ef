/**
 * langgraph.json, checked without a server (the starter project's habit): every graph path exists
 * and exports what it names, every example plan has its own graph, and the orchestrator factory
 * builds the plan the config names.
 */
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { REPO } from "./dev-server.js";
import { orchestrator } from "../../graphs/orchestrator.js";
import { ops_agent } from "../../graphs/ops-agent.js";
import { DEFAULT_PLAN_ID } from "../../graphs/plans.js";

const config = JSON.parse(readFileSync(join(REPO, "langgraph.json"), "utf8")) as { graphs: Record<string, string>; node_version?: string };
const examples = readdirSync(join(REPO, "examples")).filter((f) => f.endsWith(".json")).map((f) => f.slice(0, -5));
const nodesOf = async (graph: { getGraphAsync: () => Promise<{ nodes: Record<string, unknown> }> }) => Object.keys((await graph.getGraphAsync()).nodes).filter((id) => !id.startsWith("__")).sort();
const idsOf = (plan: { steps?: Array<{ id: string }>; decisions?: Array<{ id: string }> } & Record<string, unknown>) =>
  [...(plan.steps?.map((s) => s.id) ?? ["primary", "secondary", "aggregate", "graph", "metric"].filter((k) => plan[k])), ...(plan.decisions?.map((d) => d.id) ?? [])].sort();

describe("langgraph.json", () => {
  it("points every graph at an existing file and an exported graph or graph factory", async () => {
    expect(config.node_version).toBe("20");
    for (const [id, spec] of Object.entries(config.graphs)) {
      const [file, symbol] = spec.split(":");
      expect(existsSync(join(REPO, file!)), `${id}: ${file}`).toBe(true);
      const module = (await import(join(REPO, file!))) as Record<string, unknown>;
      expect(typeof module[symbol!], `${id}: export ${symbol}`).toBe("function");
    }
  });

  it("has orchestrator, ops_agent and one graph per example plan, named after its file", () => {
    const expected = ["orchestrator", "ops_agent", ...examples.map((e) => e.replaceAll("-", "_"))].sort();
    expect(Object.keys(config.graphs).sort()).toEqual(expected);
  });

  it("draws each example graph with its plan's steps and decisions as nodes", async () => {
    for (const name of examples) {
      const spec = config.graphs[name.replaceAll("-", "_")]!;
      const [file, symbol] = spec.split(":");
      const factory = ((await import(join(REPO, file!))) as Record<string, (c?: unknown) => Promise<never>>)[symbol!]!;
      const plan = JSON.parse(readFileSync(join(REPO, "examples", `${name}.json`), "utf8"));
      expect(await nodesOf(await factory({ configurable: {} })), name).toEqual(idsOf(plan));
    }
  });
});

describe("orchestrator graph factory", () => {
  const plan = { steps: [{ id: "one", tool: "echo" }, { id: "two", tool: "echo", depends_on: ["one"] }] };

  it("builds the plan in configurable.plan, as an object or as JSON text", async () => {
    expect(await nodesOf(await orchestrator({ configurable: { plan } }))).toEqual(["one", "two"]);
    expect(await nodesOf(await orchestrator({ configurable: { plan: JSON.stringify(plan) } }))).toEqual(["one", "two"]);
  });

  it("builds the example named by configurable.plan_id, and the default example without either", async () => {
    expect(await nodesOf(await orchestrator({ configurable: { plan_id: "eager-dataflow" } }))).toEqual(["A", "B", "C", "D"]);
    const fallback = JSON.parse(readFileSync(join(REPO, "examples", `${DEFAULT_PLAN_ID}.json`), "utf8"));
    expect(await nodesOf(await orchestrator({ configurable: {} }))).toEqual(idsOf(fallback));
    expect(await nodesOf(await orchestrator())).toEqual(idsOf(fallback));
  });

  it("takes only names of example files as plan_id, never paths", async () => {
    await expect(orchestrator({ configurable: { plan_id: "../package" } })).rejects.toThrow(/unknown plan_id '..\/package': use one of .*eager-dataflow/);
  });

  it("keeps the result in a result channel and runs any depth of plan", async () => {
    const steps = Array.from({ length: 30 }, (_, i) => ({ id: `s${i}`, tool: "echo", ...(i ? { depends_on: [`s${i - 1}`] } : {}) }));
    const graph = await orchestrator({ configurable: { plan: { steps } } });
    const out = (await graph.invoke({})) as { result: { status: string; order: string[][] } };
    expect(out.result.status).toBe("completed");
    expect(out.result.order).toHaveLength(30);
  });

  it("answers a run of a refused plan with a graph whose output lists every problem, and getGraph with HTTP 400", async () => {
    const broken = { steps: [{ id: "a", tool: "nope" }, { id: "b", tool: "echo", output_mapping: { x: "{ghost.data}" } }] };
    // The server's run config carries the run's id; that of getGraph does not.
    const refused = await orchestrator({ configurable: { plan: broken, run_id: "run-1" } });
    const out = (await refused.invoke({})) as { error: { code: string; problems: Array<{ code: string; step: string; path: string }> } };
    expect(out.error.problems.map((p) => `${p.code} ${p.step} ${p.path}`)).toEqual(["UNKNOWN_TOOL a $.steps[0].tool", "UNKNOWN_STEP b $.steps[1].output_mapping.x"]);
    const thrown = (await orchestrator({ configurable: { plan: broken } }).catch((e: unknown) => e)) as { getResponse: () => Response };
    const response = thrown.getResponse();
    expect(response.status).toBe(400);
    expect(((await response.json()) as { issues: unknown[] }).issues).toEqual(out.error.problems);
  });

  it("gives every step the server's step timeout cap, and refuses configurable.limits that loosen the policy", async () => {
    const graph = await orchestrator({ configurable: { plan: { steps: [{ id: "s", tool: "sleep", params: { ms: 1 }, timeout_ms: 3_600_000 }] } } });
    expect((graph as unknown as { prepared: { steps: Map<string, { spec: { timeout_ms: number } }> } }).prepared.steps.get("s")!.spec.timeout_ms).toBe(30_000);
    await expect(orchestrator({ configurable: { plan, limits: { maxRunMs: 0 } } })).rejects.toThrow(/configurable\.limits\.maxRunMs: 0 \(no budget\) is above the server's 120000/);
  });

  it("ops_agent refuses loosening limits the same way: a run gets them as its error value, getGraph a 400", async () => {
    const limits = { approveSideEffects: false };
    const refused = await ops_agent({ configurable: { limits, run_id: "run-2" } });
    const out = (await refused.invoke({} as never)) as unknown as { error: { problems: Array<{ code: string; path: string }> } };
    expect(out.error.problems).toEqual([expect.objectContaining({ code: "LIMIT_EXCEEDED", path: "configurable.limits.approveSideEffects" })]);
    const thrown = (await ops_agent({ configurable: { limits } }).catch((e: unknown) => e)) as { getResponse: () => Response };
    expect(thrown.getResponse().status).toBe(400);
  });
});
