/**
 * The real dev server with plangraph's auth handler loaded but no key configured (what `npm run
 * dev` starts by default): everything works as before, without a token, for the local user of
 * tenant acme — and new threads are stamped with that owner, so turning auth on later keeps them
 * acme's.
 */
import { Client } from "@langchain/langgraph-sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevServer, type DevServer } from "./dev-server.js";

let server: DevServer;
let client: Client;

beforeAll(async () => {
  const env: Record<string, string> = { PLANGRAPH_AUTH_JWT_SECRET: "", PLANGRAPH_AUTH_JWKS: "" };
  server = await startDevServer({ env });
  client = new Client({ apiUrl: server.url, apiKey: null });
}, 120_000);

afterAll(async () => {
  await server?.stop();
});

describe("auth off", () => {
  it("runs a plan without a token, as the local user of tenant acme", async () => {
    const thread = await client.threads.create();
    expect(thread.metadata).toMatchObject({ owner_tenant: "acme", owner_user: "local" });
    const values = (await client.runs.wait(thread.thread_id, "orchestrator", { input: {}, config: { configurable: { plan: { steps: [{ id: "a", tool: "echo", params: { x: 1 } }] } } } })) as { result?: { status: string; results: Record<string, unknown> } };
    expect(values.result).toMatchObject({ status: "completed", results: { a: { data: { x: 1 } } } });
    const stored = await client.threads.get(thread.thread_id);
    expect((stored.config as { configurable?: Record<string, unknown> }).configurable?.langgraph_auth_user).toMatchObject({ identity: "local", tenant: "acme", source: "default" });
  });

  it("lists the server's assistants as before: the default page, every graph with a limit", async () => {
    expect((await client.assistants.search()).length).toBe(10);
    expect((await client.assistants.search({ limit: 100 })).map((a) => a.graph_id)).toContain("ops_agent");
    expect((await client.assistants.search({ graphId: "orchestrator" })).map((a) => a.graph_id)).toEqual(["orchestrator"]);
  });

  it("serves Studio's requests and lets the local admin reach the audit route", async () => {
    const studio = await fetch(`${server.url}/threads/search`, { method: "POST", headers: { "content-type": "application/json", "x-auth-scheme": "langsmith" }, body: "{}" });
    expect(studio.status).toBe(200);
    const audit = await fetch(`${server.url}/plangraph/audit`);
    expect(audit.status).toBe(503);
    expect(await audit.json()).toEqual({ error: "AUDIT_FAILED", message: "this server keeps no audit trail" });
  });
});
