/**
 * The server's safe defaults, on the real dev server (`langgraphjs dev`) through
 * @langchain/langgraph-sdk: the assistants people start from are on the first page of
 * `assistants.search` (issue 13 finding 10); every server run gets the policy of
 * PLANGRAPH_SERVER_POLICY — a run budget, step timeouts, approval for side-effecting tools, a tool
 * allowlist — which `configurable.limits` may tighten but never loosen (issue 12 finding 12); a
 * refused plan comes back with every problem as structured data (issue 13 finding 6); and a
 * hostile plan does not stall other requests (issue 12 finding 4).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reply, startOpenAIStub, type OpenAIStub } from "../support/openai-stub.js";
import { REPO, startDevServer, type DevServer } from "./dev-server.js";

let server: DevServer;
let client: Client;
let stub: OpenAIStub;
const scratch = mkdtempSync(join(tmpdir(), "plangraph-policy-test-"));

/** The policy this server runs under: small enough numbers that a test sees them bite. */
const POLICY = { maxRunMs: 4_000, maxStepMs: 2_500, allowedTools: ["echo", "sleep", "page_oncall", "host_lookup"] };

type Problem = { code: string; message: string; path?: string; step?: string };
type Values = Record<string, unknown> & {
  result?: { status: string; results: Record<string, unknown>; errors: Record<string, string>; pending: Array<{ step: string }> };
  error?: { error: string; code: string; message: string; problems: Problem[] };
  __interrupt__?: Array<{ id: string; value: { step: string; tool: string } }>;
};

beforeAll(async () => {
  writeFileSync(join(scratch, "policy.json"), JSON.stringify(POLICY));
  writeFileSync(join(scratch, "mcp.json"), JSON.stringify({ mcpServers: { inventory: { command: process.execPath, args: [resolve(REPO, "test/mcp/fixtures/inventory-server.mjs")] } } }));
  // ops_agent's model: plans an hour-long nap, then answers.
  stub = await startOpenAIStub((request) =>
    request.tools?.some((t) => t.function.name === "run_plan")
      ? reply.toolCall("run_plan", { steps: [{ id: "nap", tool: "sleep", params: { ms: 3_600_000 }, timeout_ms: 3_600_000 }] })
      : reply.text("The nap was cut short."),
  );
  server = await startDevServer({
    env: { PLANGRAPH_SERVER_POLICY: join(scratch, "policy.json"), PLANGRAPH_MCP_CONFIG: join(scratch, "mcp.json"), OPENAI_API_KEY: "test", OPENAI_BASE_URL: stub.url, PLANGRAPH_MODEL: "stub-model" },
  });
  client = new Client({ apiUrl: server.url });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  await stub?.close();
  rmSync(scratch, { recursive: true, force: true });
});

const run = async (plan: unknown, configurable: Record<string, unknown> = {}) => {
  const thread = await client.threads.create();
  return (await client.runs.wait(thread.thread_id, "orchestrator", { input: {}, config: { configurable: { plan, ...configurable } } })) as Values;
};

// First in the file: assistants created later are newer, and the server lists newest first.
describe("finding the assistants (issue 13 finding 10)", () => {
  it("lists orchestrator and ops_agent first on the server's default page of POST /assistants/search {}", async () => {
    const response = await fetch(`${server.url}/assistants/search`, { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(response.status).toBe(200);
    const page = (await response.json()) as Array<{ graph_id: string }>;
    expect(page).toHaveLength(10); // the server's default page; there are 12 graphs
    expect(page.slice(0, 2).map((a) => a.graph_id)).toEqual(["orchestrator", "ops_agent"]);
    // The SDK's search with no arguments shows the same page.
    expect((await client.assistants.search()).slice(0, 2).map((a) => a.graph_id)).toEqual(["orchestrator", "ops_agent"]);
    // And any graph is found by its id (docs/SERVER.md).
    const [example] = await client.assistants.search({ graphId: "sectioned_retries" });
    expect(example?.graph_id).toBe("sectioned_retries");
  });
});

describe("the server's policy (issue 12 finding 12)", () => {
  it("cuts off hour-long sleeps at the step timeout, so ten of them do not hold every worker slot", async () => {
    const hour = { steps: [{ id: "nap", tool: "sleep", params: { ms: 3_600_000 } }] };
    const started = Date.now();
    const sleepers = Array.from({ length: 10 }, () => run(hour));
    await new Promise((done) => setTimeout(done, 300));
    const good = await run({ steps: [{ id: "hello", tool: "echo", params: { hi: 1 } }] });
    const goodMs = Date.now() - started;
    expect(good.result).toMatchObject({ status: "completed", results: { hello: { data: { hi: 1 } } } });
    // The dev server runs 10 at a time: the good run got a slot when the sleepers were cut off (2.5 s).
    expect(goodMs).toBeLessThan(10_000);
    for (const values of await Promise.all(sleepers)) {
      expect(values.result?.status).toBe("failed");
      expect(values.result?.errors.nap).toMatch(/timed out after 2500 ms/);
    }
  }, 60_000);

  it("cuts a run off at the run budget even when every step is under its timeout", async () => {
    const chain = { steps: [0, 1, 2].map((i) => ({ id: `s${i}`, tool: "sleep", params: { ms: 1_800 }, ...(i ? { depends_on: [`s${i - 1}`] } : {}) })) };
    const started = Date.now();
    const values = await run(chain);
    const elapsed = Date.now() - started;
    expect(values.result?.status).toBe("failed");
    expect(Object.keys(values.result!.results).sort()).toEqual(["s0", "s1"]);
    expect(values.result?.errors.s2).toMatch(/time budget of 4000 ms/);
    expect(elapsed).toBeLessThan(8_000);
  }, 30_000);

  it("pauses a side-effecting tool for approval before it runs, and runs it once approved", async () => {
    const plan = { steps: [{ id: "note", tool: "echo", params: { n: 1 } }, { id: "page", tool: "page_oncall", depends_on: ["note"], params: { message: "db-prod-01 is down" } }] };
    const thread = await client.threads.create();
    const config = { configurable: { plan } };
    const paused = (await client.runs.wait(thread.thread_id, "orchestrator", { input: {}, config })) as Values;
    expect(paused.__interrupt__?.map((i) => i.value)).toEqual([expect.objectContaining({ step: "page", tool: "page_oncall" })]);
    const state = (await client.threads.getState(thread.thread_id)).values as Values;
    expect(state.result).toMatchObject({ status: "interrupted", results: { note: { data: { n: 1 } } } });
    expect(state.result?.results).not.toHaveProperty("page");
    const done = (await client.runs.wait(thread.thread_id, "orchestrator", { command: { resume: { page: "approve" } }, config })) as Values;
    expect(done.result).toMatchObject({ status: "completed", results: { page: "paged on-call: db-prod-01 is down" } });
  }, 30_000);

  it("refuses a tool outside the allowlist before anything runs, naming the step and field", async () => {
    const plan = { steps: [{ id: "first", tool: "sleep", params: { ms: 1 } }, { id: "boom", tool: "fail", params: {} }] };
    const values = await run(plan);
    expect(values.error).toMatchObject({ code: "UNKNOWN_TOOL", problems: [{ code: "UNKNOWN_TOOL", path: "$.steps[1].tool", step: "boom" }] });
    expect(values.error?.problems[0]!.message).toMatch(/'fail', which this run does not allow/);
    expect(values).not.toHaveProperty("result");
    expect(Object.keys(values).filter((k) => k.startsWith("step:"))).toEqual([]);
  });

  it("lets configurable.limits tighten the policy: a smaller budget, a narrower allowlist", async () => {
    const slow = { steps: [{ id: "nap", tool: "sleep", params: { ms: 2_000 } }] };
    const tight = await run(slow, { limits: { maxRunMs: 300 } });
    expect(tight.result?.errors.nap).toMatch(/time budget of 300 ms/);
    const narrow = await run(slow, { limits: { allowedTools: ["echo"] } });
    expect(narrow.error?.problems).toEqual([expect.objectContaining({ code: "UNKNOWN_TOOL", step: "nap" })]);
  });

  it("never lets configurable.limits loosen the policy: every loosening field is refused, nothing runs", async () => {
    const plan = { steps: [{ id: "page", tool: "page_oncall", params: { message: "x" } }] };
    const values = await run(plan, { limits: { maxRunMs: 0, maxStepMs: 60_000, approveSideEffects: false, allowedTools: ["fail"] } });
    expect(values.error?.problems.map((p) => p.path).sort()).toEqual([
      "configurable.limits.allowedTools",
      "configurable.limits.approveSideEffects",
      "configurable.limits.maxRunMs",
      "configurable.limits.maxStepMs",
    ]);
    expect(values.error?.problems.every((p) => p.code === "LIMIT_EXCEEDED")).toBe(true);
    expect(values).not.toHaveProperty("result");
    // An assistant configured to loosen it cannot be drawn either.
    const assistant = await client.assistants.create({ graphId: "orchestrator", config: { configurable: { plan, limits: { maxRunMs: 10_000 } } } });
    await expect(client.assistants.getGraph(assistant.assistant_id)).rejects.toThrow(/maxRunMs: 10000 is above the server's 4000/);
  });
});

describe("ops_agent under the server's policy (issue 12 finding 12)", () => {
  it("shows its model only the allowed tools and runs the model's plan with the step timeout cap", async () => {
    const thread = await client.threads.create();
    const started = Date.now();
    const state = (await client.runs.wait(thread.thread_id, "ops_agent", { input: { messages: [{ role: "user", content: "nap for an hour" }] } })) as Values;
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(state.result?.status).toBe("failed");
    expect(state.result?.errors.nap).toMatch(/timed out after 2500 ms/);
    const planTool = stub.requests[0]!.tools!.find((t) => t.function.name === "run_plan")!;
    const parameters = planTool.function.parameters as { properties: { steps: { items: { properties: { tool: { enum: string[] } } } } } };
    expect(parameters.properties.steps.items.properties.tool.enum).toEqual([...POLICY.allowedTools].sort());
  }, 30_000);
});

describe("refused plans answer with every problem, structured (issue 13 finding 6)", () => {
  const broken = {
    steps: [
      { id: "a", tool: "ci_grpah" },
      { id: "b", tool: "echo", output_mapping: { x: "{primray.data}" } },
      { id: "c", tool: "echo", output_mapping: { y: "{ghost.rows[0]}" } },
      { id: "d", tool: "nope" },
      { id: "e", tool: "sleep", params: { ms: "slow" } },
    ],
  };

  it("runs.wait returns the problems as data (code, message, path, step), not JSON in an error string", async () => {
    const values = await run(broken);
    expect(values.__error__).toBeUndefined();
    const problems = values.error!.problems;
    expect(values.error).toMatchObject({ error: "PlanValidationError", code: problems[0]!.code, message: expect.stringMatching(/more problems/) });
    expect(problems.map((p) => `${p.code} ${p.step} ${p.path}`)).toEqual([
      "UNKNOWN_TOOL a $.steps[0].tool",
      "UNKNOWN_STEP b $.steps[1].output_mapping.x",
      "UNKNOWN_STEP c $.steps[2].output_mapping.y",
      "UNKNOWN_TOOL d $.steps[3].tool",
      "TOOL_INPUT_INVALID e $.steps[4].params.ms",
    ]);
    expect(problems[0]!.message).toBe("step 'a' uses unknown tool 'ci_grpah' (did you mean 'ci_graph'?)");
  });

  it("getGraph answers HTTP 400 with the same problems", async () => {
    const assistant = await client.assistants.create({ graphId: "orchestrator", config: { configurable: { plan: broken } } });
    const response = await fetch(`${server.url}/assistants/${assistant.assistant_id}/graph`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { issues: Problem[] };
    expect(body.issues.map((p) => `${p.code} ${p.step}`)).toEqual((await run(broken)).error!.problems.map((p) => `${p.code} ${p.step}`));
  });
});

describe("a hostile plan does not stall the server (issue 12 finding 4)", () => {
  it("keeps a small run's round trip fast while a plan with a 900 KB string of '{' is checked, and refuses that plan", async () => {
    const hostile = { steps: [{ id: "blob", tool: "echo", params: { text: "{".repeat(900_000) } }] };
    // Caught here so that a failure below does not leave it unhandled.
    const pending = run(hostile).catch((error: unknown) => ({ thrown: String(error) }) as Values);
    await new Promise((done) => setTimeout(done, 200));
    const started = Date.now();
    const small = await run({ steps: [{ id: "ping", tool: "echo", params: { ok: true } }] });
    const roundTrip = Date.now() - started;
    expect(small.result?.status).toBe("completed");
    expect(roundTrip).toBeLessThan(3_000);
    const refused = await pending;
    expect(refused.error?.code).toMatch(/^[A-Z_]+$/);
  }, 60_000);
});
