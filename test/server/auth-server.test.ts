/**
 * Auth on the real LangGraph dev server (one server for this file), driven with the official SDK
 * and tokens of two tenants signed here with jose — acme's HS256 with PLANGRAPH_AUTH_JWT_SECRET,
 * globex's ES256 from an "identity provider" whose JWKS file is PLANGRAPH_AUTH_JWKS: every thread, run,
 * state, history and pending approval of tenant acme is invisible to tenant globex and cannot be
 * resumed, answered, changed or deleted by it; no token, a forged, expired or wrongly signed one is
 * a 401 with a message; a client cannot choose its tenant; per-tenant run limits answer 429; the
 * audit route is for the tenant's admins. Every globex response body is recorded and searched for
 * acme's thread ids and markers.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevServer, type DevServer } from "./dev-server.js";

const SECRET = "plangraph-auth-server-test-secret-0123456789-abcdef";
const MARKER = "acme-private-marker-5f1c";
const GLOBEX_MARKER = "globex-private-marker-93ab";
const globexThreads: string[] = [];
const scratch = mkdtempSync(join(tmpdir(), "plangraph-auth-server-"));
let server: DevServer;
/** Tenant globex's tokens come from an "identity provider": ES256, verified with PLANGRAPH_AUTH_JWKS. */
let idpKey: CryptoKey;

type Values = Record<string, unknown> & { result?: { status: string; results: Record<string, { data?: Record<string, unknown> }>; errors: Record<string, string> }; __interrupt__?: Array<{ id: string; value: { step: string } }> };

function token(claims: { sub: string; tenant: string; roles: string[] }, options: { secret?: string; expiresIn?: number; alg?: string; key?: CryptoKey } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ tenant: claims.tenant, roles: claims.roles })
    .setProtectedHeader(options.key ? { alg: "ES256", kid: "idp-1" } : { alg: options.alg ?? "HS256" })
    .setSubject(claims.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + (options.expiresIn ?? 600))
    .sign(options.key ?? new TextEncoder().encode(options.secret ?? SECRET));
}

/** Every response a client received, as "<status> <body>", in order (SSE streams included, read to their end). */
interface Recorded {
  client: Client;
  bodies: Promise<string>[];
  text(): Promise<string>;
}

function clientWith(headers: Record<string, string>): Recorded {
  const bodies: Promise<string>[] = [];
  const recordingFetch = async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
    const response = await fetch(input, init);
    bodies.push(response.clone().text().then((text) => `${response.status} ${text}`, () => ""));
    return response;
  };
  const client = new Client({ apiUrl: server.url, apiKey: null, defaultHeaders: headers, callerOptions: { fetch: recordingFetch, maxRetries: 0 } });
  return { client, bodies, text: async () => (await Promise.all(bodies)).join("\n") };
}

const bearer = async (claims: { sub: string; tenant: string; roles: string[] }) => ({ Authorization: `Bearer ${await token(claims)}` });

let acme: Recorded;
let globex: Recorded;

const approvalPlan = {
  steps: [
    { id: "secret", tool: "echo", params: { note: MARKER } },
    { id: "gate", tool: "echo", output_mapping: { note: "{secret.data.note}" }, requires_approval: true },
  ],
};

beforeAll(async () => {
  writeFileSync(join(scratch, "limits.json"), JSON.stringify({ tenants: { initech: { max_concurrent_runs: 1 } } }));
  const pair = await generateKeyPair("ES256", { extractable: true });
  idpKey = pair.privateKey;
  writeFileSync(join(scratch, "jwks.json"), JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: "idp-1", alg: "ES256", use: "sig" }] }));
  server = await startDevServer({ env: { PLANGRAPH_AUTH_JWT_SECRET: SECRET, PLANGRAPH_AUTH_JWKS: join(scratch, "jwks.json"), PLANGRAPH_TENANT_LIMITS: join(scratch, "limits.json") } });
  acme = clientWith(await bearer({ sub: "alice", tenant: "acme", roles: ["operator", "admin"] }));
  globex = clientWith({ Authorization: `Bearer ${await token({ sub: "bob", tenant: "globex", roles: ["operator", "admin"] }, { key: idpKey })}` });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function status(path: string, init: RequestInit = {}): Promise<{ status: number; body: string; headers: Headers }> {
  const response = await fetch(`${server.url}${path}`, init);
  return { status: response.status, body: await response.text(), headers: response.headers };
}

const json = (body: unknown, headers: Record<string, string> = {}): RequestInit => ({ method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });

describe("authentication", () => {
  it("answers 401 with a reason to no token, a forged, an expired and a wrongly signed token, and to Studio's header", async () => {
    const cases: Array<[string, Record<string, string>, RegExp]> = [
      ["no token", {}, /no Authorization header/],
      ["not bearer", { Authorization: "Basic YWxpY2U6c2VjcmV0" }, /not 'Bearer <token>'/],
      ["forged", { Authorization: `Bearer ${await token({ sub: "mallory", tenant: "acme", roles: ["admin"] }, { secret: "not-the-server-secret-but-long-enough-0123456789" })}` }, /signature does not verify/],
      ["expired", { Authorization: `Bearer ${await token({ sub: "alice", tenant: "acme", roles: ["admin"] }, { expiresIn: -3600 })}` }, /expired/],
      ["wrong alg", { Authorization: `Bearer ${await token({ sub: "alice", tenant: "acme", roles: ["admin"] }, { alg: "HS512", secret: SECRET + SECRET })}` }, /algorithm is not accepted/],
      ["Studio's scheme header", { "x-auth-scheme": "langsmith" }, /no Authorization header/],
      ["ES256 from a key outside the JWKS", { Authorization: `Bearer ${await token({ sub: "mallory", tenant: "globex", roles: ["admin"] }, { key: (await generateKeyPair("ES256")).privateKey })}` }, /signature does not verify/],
    ];
    for (const [name, headers, reason] of cases) {
      const answer = await status("/threads/search", json({}, headers));
      expect(answer.status, name).toBe(401);
      expect(answer.body, name).toMatch(reason);
      expect(answer.headers.get("www-authenticate"), name).toMatch(/^Bearer/);
    }
    // The server is still up and serving the tokens it should.
    expect((await status("/threads/search", json({}, await bearer({ sub: "alice", tenant: "acme", roles: [] })))).status).toBe(200);
  });

  it("keeps the liveness probe open and every resource closed without a token", async () => {
    expect((await status("/ok")).status).toBe(200);
    expect((await status("/assistants/search", json({}))).status).toBe(401);
    expect((await status("/store/items/search", json({ namespace_prefix: ["acme"] }))).status).toBe(401);
  });
});

describe("tenants on one server", () => {
  let acmeThread: string;
  let interruptId: string;

  beforeAll(async () => {
    const thread = await acme.client.threads.create({ metadata: { purpose: MARKER } });
    acmeThread = thread.thread_id;
    const paused = (await acme.client.runs.wait(acmeThread, "orchestrator", { input: {}, config: { configurable: { plan: approvalPlan } } })) as Values;
    const state = await acme.client.threads.getState(acmeThread);
    const pending = paused.__interrupt__ ?? state.tasks.flatMap((task) => task.interrupts as Array<{ id: string; value: { step: string } }>);
    expect(pending.map((i) => i.value.step)).toEqual(["gate"]);
    interruptId = pending[0]!.id;
  }, 60_000);

  it("shows a tenant its own thread, stamped with its owner", async () => {
    const thread = await acme.client.threads.get(acmeThread);
    expect(thread.metadata).toMatchObject({ owner_tenant: "acme", owner_user: "alice", purpose: MARKER });
    expect((await acme.client.threads.search({ limit: 100 })).map((t) => t.thread_id)).toContain(acmeThread);
  });

  it("lets another tenant find nothing of it: thread, search, state, history, runs, approvals", async () => {
    const g = globex.client;
    await expect(g.threads.get(acmeThread)).rejects.toThrow(/404/);
    expect((await g.threads.search({ limit: 100 })).map((t) => t.thread_id)).not.toContain(acmeThread);
    expect((await g.threads.search({ metadata: { purpose: MARKER } })).length).toBe(0);
    expect(await g.threads.count({})).toBe(0);
    await expect(g.threads.getState(acmeThread)).rejects.toThrow(/404/);
    await expect(g.threads.getHistory(acmeThread)).rejects.toThrow(/404/);
    const runs = await acme.client.runs.list(acmeThread);
    expect(runs.length).toBeGreaterThan(0);
    expect(await g.runs.list(acmeThread).catch((error: Error) => error.message)).toSatisfy((answer: unknown) => (Array.isArray(answer) ? answer.length === 0 : /404/.test(String(answer))));
    await expect(g.runs.get(acmeThread, runs[0]!.run_id)).rejects.toThrow(/404/);
    const joined = await g.runs.join(acmeThread, runs[0]!.run_id).catch((error: Error) => error.message);
    expect(JSON.stringify(joined)).toMatch(/404|not found/i);
  });

  it("refuses another tenant's resume, approval, state update, metadata change, copy, cancel and delete — and the approval still waits", async () => {
    const g = globex.client;
    await expect(g.runs.wait(acmeThread, "orchestrator", { command: { resume: { [interruptId]: "approve" } } })).rejects.toThrow(/404/);
    await expect(g.runs.wait(acmeThread, "orchestrator", { command: { resume: { gate: "approve" } } })).rejects.toThrow(/404/);
    await expect(g.runs.create(acmeThread, "orchestrator", { input: {} })).rejects.toThrow(/404/);
    await expect(g.threads.updateState(acmeThread, { values: { result: null } })).rejects.toThrow(/40[34]/);
    await expect(g.threads.update(acmeThread, { metadata: { owner_tenant: "globex" } })).rejects.toThrow(/404/);
    await expect(g.threads.copy(acmeThread)).rejects.toThrow(/409|404/);
    const runs = await acme.client.runs.list(acmeThread);
    await expect(g.runs.cancel(acmeThread, runs[0]!.run_id)).rejects.toThrow(/404/);
    await expect(g.threads.delete(acmeThread)).rejects.toThrow(/404/);
    // A thread id taken by another tenant cannot be claimed either.
    await expect(g.threads.create({ threadId: acmeThread, ifExists: "do_nothing" })).rejects.toThrow(/409/);

    const state = await acme.client.threads.getState(acmeThread);
    expect((state.values as Values).result?.status).toBe("interrupted");
    expect(state.tasks.flatMap((task) => task.interrupts as Array<{ id: string }>).map((i) => i.id)).toEqual([interruptId]);
    expect((await acme.client.threads.get(acmeThread)).metadata).toMatchObject({ owner_tenant: "acme" });
  });

  it("lets the owner answer its own approval afterwards", async () => {
    const done = (await acme.client.runs.wait(acmeThread, "orchestrator", { command: { resume: { [interruptId]: "approve" } } })) as Values;
    expect(done.result).toMatchObject({ status: "completed", results: { gate: { data: { note: MARKER } } } });
  });

  it("keeps the server's assistants readable to every tenant and unchangeable by any", async () => {
    const g = globex.client;
    expect((await g.assistants.get("orchestrator")).graph_id).toBe("orchestrator");
    const system = await g.assistants.search({ metadata: { created_by: "system" }, limit: 100 });
    expect(system.map((a) => a.graph_id)).toContain("orchestrator");
    await expect(g.assistants.update("orchestrator", { metadata: { hijacked: true } })).rejects.toThrow(/404/);
    await expect(g.assistants.delete("orchestrator")).rejects.toThrow(/404/);
    expect((await acme.client.assistants.get("orchestrator")).metadata).toEqual({ created_by: "system" });
  });

  it("hides a tenant's assistant, with its plan, from the other tenant, and refuses posing as a server assistant", async () => {
    const own = await acme.client.assistants.create({ graphId: "orchestrator", name: "acme-plan", metadata: { created_by: "system", note: MARKER }, config: { configurable: { plan: approvalPlan } } });
    expect(own.metadata).toMatchObject({ owner_tenant: "acme", note: MARKER });
    expect(own.metadata).not.toHaveProperty("created_by");
    await expect(globex.client.assistants.get(own.assistant_id)).rejects.toThrow(/404/);
    expect((await globex.client.assistants.search({ limit: 100 })).map((a) => a.assistant_id)).not.toContain(own.assistant_id);
    expect((await globex.client.assistants.search({ metadata: { created_by: "system" }, limit: 100 })).map((a) => a.assistant_id)).not.toContain(own.assistant_id);
    await expect(globex.client.assistants.getGraph(own.assistant_id)).rejects.toThrow(/404/);
    await expect(globex.client.runs.wait(null, own.assistant_id, { input: {} })).rejects.toThrow(/404/);
  });

  it("does not stream another tenant's stateless run to a client that knows its run id", async () => {
    const slow = { steps: [{ id: "wait", tool: "sleep", params: { ms: 800, note: MARKER } }, { id: "say", tool: "echo", output_mapping: { note: "{wait.data.note}" } }] };
    const run = await acme.client.runs.create(null, "orchestrator", { input: {}, config: { configurable: { plan: slow } }, onCompletion: "continue" });
    const seen: unknown[] = [];
    try {
      for await (const chunk of globex.client.runs.joinStream(null, run.run_id)) seen.push(chunk);
    } catch (error) {
      seen.push(String(error));
    }
    // Not one event of the run: no metadata, no values (the dev server itself would stream them all).
    expect(seen.filter((chunk) => typeof chunk === "object" && chunk !== null && (chunk as { event: string }).event !== "error")).toEqual([]);
    expect(JSON.stringify(seen)).not.toContain(MARKER);
    const own: unknown[] = [];
    for await (const chunk of acme.client.runs.joinStream(run.thread_id, run.run_id)) own.push(chunk);
    expect(JSON.stringify(own)).toContain(MARKER);
  });

  it("never puts a tenant's thread ids, run ids or data into another tenant's responses", async () => {
    const responses = (await Promise.all(globex.bodies)).filter(Boolean);
    expect(responses.length).toBeGreaterThan(20);
    const runIds = (await acme.client.runs.list(acmeThread)).map((run) => run.run_id);
    for (const response of responses) {
      expect(response).not.toContain(MARKER);
      for (const runId of runIds) expect(response).not.toContain(runId);
      // A "not found" may repeat the id that was asked for; anything else never names it.
      expect(response.replaceAll(`Thread with ID ${acmeThread} not found`, "")).not.toContain(acmeThread);
    }
  });
});

describe("spoofing the caller", () => {
  it("refuses a caller context in the request and keeps the token's tenant whatever configurable, metadata or plan params say", async () => {
    const thread = await globex.client.threads.create({ metadata: { owner_tenant: "acme", owner_user: "alice", note: GLOBEX_MARKER } });
    globexThreads.push(thread.thread_id);
    expect(thread.metadata).toMatchObject({ owner_tenant: "globex", owner_user: "bob" });
    const spoof = { tenant: "acme", user: "alice", roles: ["admin"], trace_id: "t", source: "auth" };
    const plan = { steps: [{ id: "look", tool: "echo", params: { tenant_id: "acme", tenant: "acme" } }] };
    // A caller context in the request is refused, naming the field, and nothing runs.
    const refused = await globex.client.runs.wait(thread.thread_id, "orchestrator", { input: {}, config: { configurable: { plan, plangraph_caller: spoof } } }).catch((error: Error) => error);
    expect(String(refused)).toMatch(/400.*CONTEXT_SPOOFED: config\.configurable\.plangraph_caller is set by the server.*tenant 'globex' and user 'bob'/);
    expect(await globex.client.runs.list(thread.thread_id)).toEqual([]);
    await expect(globex.client.assistants.create({ graphId: "orchestrator", config: { configurable: { plan, langgraph_auth_user: { identity: "alice", tenant: "acme" } } } })).rejects.toThrow(/CONTEXT_SPOOFED: config\.configurable\.langgraph_auth_user/);
    // The server's own key is overwritten by the server; owner metadata and plan params change nothing.
    const values = (await globex.client.runs.wait(thread.thread_id, "orchestrator", {
      input: {},
      metadata: { owner_tenant: "acme" },
      config: { configurable: { plan, langgraph_auth_user: { identity: "alice", tenant: "acme", roles: ["admin"], permissions: ["admin"], is_authenticated: true, display_name: "alice", source: "auth" } } },
    })) as Values;
    expect(values.result?.status).toBe("completed");
    // The thread stays globex's: acme cannot see it, and the run's config holds the token's user, no client caller.
    await expect(acme.client.threads.get(thread.thread_id)).rejects.toThrow(/404/);
    const stored = await globex.client.threads.get(thread.thread_id);
    expect(stored.metadata).toMatchObject({ owner_tenant: "globex" });
    const configurable = (stored.config as { configurable?: Record<string, unknown> }).configurable ?? {};
    expect(configurable.plangraph_caller).toBeUndefined();
    expect(configurable.langgraph_auth_user).toMatchObject({ identity: "bob", tenant: "globex" });
    const runs = await globex.client.runs.list(thread.thread_id);
    for (const run of runs) expect(run.metadata).toMatchObject({ owner_tenant: "globex" });
    // Nor can the owner hand its thread to another tenant by updating its metadata.
    const updated = await globex.client.threads.update(thread.thread_id, { metadata: { owner_tenant: "acme", note: "mine" } });
    expect(updated.metadata).toMatchObject({ owner_tenant: "globex", note: "mine" });
    await expect(acme.client.threads.get(thread.thread_id)).rejects.toThrow(/404/);
  });

  it("keeps the store to the caller's tenant namespace", async () => {
    await acme.client.store.putItem(["acme", "notes"], "k", { note: MARKER });
    await expect(globex.client.store.getItem(["acme", "notes"], "k")).rejects.toThrow(/403/);
    await expect(globex.client.store.searchItems(["acme"])).rejects.toThrow(/403/);
    await expect(globex.client.store.searchItems([])).rejects.toThrow(/40[03]/);
    await expect(globex.client.store.listNamespaces()).rejects.toThrow(/403/);
    await expect(globex.client.store.putItem(["acme", "notes"], "k", { note: "overwritten" })).rejects.toThrow(/403/);
    expect((await acme.client.store.getItem(["acme", "notes"], "k"))?.value).toEqual({ note: MARKER });
  });
});

describe("tenant limits", () => {
  it("answers 429 to a run over the tenant's concurrent runs, frees the slot when the run ends, and leaves other tenants alone", async () => {
    const initech = clientWith(await bearer({ sub: "ian", tenant: "initech", roles: ["operator"] }));
    const slow = { steps: [{ id: "slow", tool: "sleep", params: { ms: 1500 } }] };
    const first = await initech.client.threads.create();
    const running = await initech.client.runs.create(first.thread_id, "orchestrator", { input: {}, config: { configurable: { plan: slow } } });
    const second = await initech.client.threads.create();
    const refused = await initech.client.runs.create(second.thread_id, "orchestrator", { input: {}, config: { configurable: { plan: slow } } }).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/429/);
    expect((refused as Error).message).toMatch(/tenant 'initech' already has 1 runs? queued or running/);
    const raw = await status(`/threads/${second.thread_id}/runs`, json({ assistant_id: "orchestrator", input: {}, config: { configurable: { plan: slow } } }, await bearer({ sub: "ian", tenant: "initech", roles: [] })));
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    // Another tenant is not limited by initech's runs.
    const other = await globex.client.threads.create();
    expect(((await globex.client.runs.wait(other.thread_id, "orchestrator", { input: {}, config: { configurable: { plan: { steps: [{ id: "a", tool: "echo" }] } } } })) as Values).result?.status).toBe("completed");
    await initech.client.runs.join(first.thread_id, running.run_id);
    const after = (await initech.client.runs.wait(second.thread_id, "orchestrator", { input: {}, config: { configurable: { plan: { steps: [{ id: "a", tool: "echo" }] } } } })) as Values;
    expect(after.result?.status).toBe("completed");
  }, 30_000);
});

describe("afterwards", () => {
  it("never put globex's thread ids or data into acme's responses either", async () => {
    expect(globexThreads.length).toBeGreaterThan(0);
    for (const response of (await Promise.all(acme.bodies)).filter(Boolean)) {
      expect(response).not.toContain(GLOBEX_MARKER);
      for (const id of globexThreads) expect(response.replaceAll(`Thread with ID ${id} not found`, "")).not.toContain(id);
    }
  });
});

describe("the audit route", () => {
  it("is for the tenant's admins: 401 without a token, 403 for a viewer naming the role", async () => {
    expect((await status("/plangraph/audit")).status).toBe(401);
    const viewer = await status("/plangraph/audit", { headers: await bearer({ sub: "victor", tenant: "acme", roles: ["viewer"] }) });
    expect(viewer.status).toBe(403);
    expect(JSON.parse(viewer.body)).toMatchObject({ error: "FORBIDDEN", message: expect.stringContaining("'admin' role") });
    const bad = await status("/plangraph/audit?limit=lots", { headers: await bearer({ sub: "alice", tenant: "acme", roles: ["admin"] }) });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).message).toMatch(/limit/);
  });
});
