/**
 * The caller policy on the real LangGraph dev server (one server for this file, auth on, a policy
 * file in PLANGRAPH_POLICY, its own audit trail in PLANGRAPH_AUDIT_DB), driven with the official SDK
 * and HS256 tokens signed here with jose: a viewer's write step is refused before anything runs, an
 * operator's write step pauses for approval without `requires_approval` in the plan, only the
 * policy's approvers answer it, every refusal, approval and write is on the tenant's audit trail
 * (readable by its admins only), the policy file's limits answer 429, and a run's result says whom
 * it ran for and holds that tenant's data.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeOpsDatabase, defaultDataDir, openOpsDatabase } from "../../tools/index.js";
import type { AuditEntry } from "../../src/model/audit.js";
import { startDevServer, type DevServer } from "./dev-server.js";

const SECRET = "plangraph-auth-policy-test-secret-0123456789-abcdef";
const scratch = mkdtempSync(join(tmpdir(), "plangraph-auth-policy-"));
let server: DevServer;

/** Only admins approve; initech may run one run at a time — both from the one policy file. */
const POLICY = {
  roles: {
    viewer: { allow: ["read_only"] },
    operator: { allow: ["read_only", "side_effects"], approval: ["side_effects"] },
    admin: { allow: ["*"] },
  },
  approvers: { roles: ["admin"] },
  limits: { tenants: { initech: { max_concurrent_runs: 1 } } },
};

type Claims = { sub: string; tenant: string; roles: string[] };
type Interrupt = { id: string; value: { step: string; tool: string } };
type Values = Record<string, unknown> & {
  result?: { status: string; results: Record<string, unknown>; errors: Record<string, string>; context?: Record<string, unknown> };
  error?: { code: string; message: string; problems?: Array<{ code: string; step?: string; message: string }> };
  __interrupt__?: Interrupt[];
};

async function bearer(claims: Claims): Promise<Record<string, string>> {
  const now = Math.floor(Date.now() / 1000);
  const jwt = await new SignJWT({ tenant: claims.tenant, roles: claims.roles })
    .setProtectedHeader({ alg: "HS256" })
    .setSubject(claims.sub)
    .setIssuedAt(now)
    .setExpirationTime(now + 600)
    .sign(new TextEncoder().encode(SECRET));
  return { Authorization: `Bearer ${jwt}` };
}

async function clientFor(claims: Claims): Promise<Client> {
  return new Client({ apiUrl: server.url, apiKey: null, defaultHeaders: await bearer(claims), callerOptions: { maxRetries: 0 } });
}

async function audit(claims: Claims, query = ""): Promise<{ status: number; body: { tenant?: string; entries?: AuditEntry[]; error?: string; message?: string } }> {
  const response = await fetch(`${server.url}/plangraph/audit${query}`, { headers: await bearer(claims) });
  return { status: response.status, body: (await response.json()) as never };
}

const alice: Claims = { sub: "alice", tenant: "acme", roles: ["operator"] };
const oscar: Claims = { sub: "oscar", tenant: "acme", roles: ["operator"] };
const victor: Claims = { sub: "victor", tenant: "acme", roles: ["viewer"] };
const ada: Claims = { sub: "ada", tenant: "acme", roles: ["admin"] };
const gina: Claims = { sub: "gina", tenant: "globex", roles: ["admin"] };

/** A maintenance window on the tenant's own db-prod-01, starting tomorrow. */
function maintenancePlan(reason: string): { steps: unknown[] } {
  const from = new Date(Date.now() + 86_400_000);
  const to = new Date(from.getTime() + 3_600_000);
  return {
    steps: [
      { id: "look", tool: "ci_search", params: { query: "db-prod-01", limit: 1 } },
      { id: "window", tool: "ci_set_maintenance", depends_on: ["look"], params: { ci_id: "db-prod-01", from: from.toISOString(), to: to.toISOString(), reason } },
    ],
  };
}

/** Starts a plan on a new thread; returns the thread and the run's final values. */
async function start(client: Client, plan: unknown): Promise<{ thread: string; values: Values }> {
  const thread = await client.threads.create();
  const values = (await client.runs.wait(thread.thread_id, "orchestrator", { input: {}, config: { configurable: { plan } } })) as Values;
  return { thread: thread.thread_id, values };
}

async function pendingSteps(client: Client, thread: string): Promise<string[]> {
  const state = await client.threads.getState(thread);
  return state.tasks.flatMap((task) => (task.interrupts as Interrupt[]).map((i) => i.value.step));
}

/** A resume's outcome: its final values, or the error the server answered with. */
async function resume(client: Client, thread: string, answer: unknown): Promise<Values | Error> {
  return (client.runs.wait(thread, "orchestrator", { command: { resume: answer } }) as Promise<Values>).catch((error: Error) => error);
}

/** The error text of a refused run, whether the SDK threw it or the run's values carry it. */
function refusal(outcome: Values | Error): string {
  if (outcome instanceof Error) return outcome.message;
  return JSON.stringify(outcome.__error__ ?? outcome.error ?? outcome);
}

beforeAll(async () => {
  // The server writes (maintenance windows) into an estate of its own: the shared one may be open in
  // another test process, and a process reading a private copy of an open estate refuses writes.
  await openOpsDatabase();
  await closeOpsDatabase();
  cpSync(defaultDataDir(), join(scratch, "estate"), { recursive: true });
  writeFileSync(join(scratch, "policy.json"), JSON.stringify(POLICY));
  // The server policy's blanket approval of every side effect is off: the caller policy alone decides who waits.
  writeFileSync(join(scratch, "server-policy.json"), JSON.stringify({ approveSideEffects: false }));
  server = await startDevServer({
    env: {
      PLANGRAPH_AUTH_JWT_SECRET: SECRET,
      PLANGRAPH_POLICY: join(scratch, "policy.json"),
      PLANGRAPH_SERVER_POLICY: join(scratch, "server-policy.json"),
      PLANGRAPH_AUDIT_DB: join(scratch, "audit.sqlite"),
      PLANGRAPH_DATA_DIR: join(scratch, "estate"),
    },
  });
}, 180_000);

afterAll(async () => {
  await server?.stop();
  await closeOpsDatabase();
  rmSync(scratch, { recursive: true, force: true });
});

describe("the caller policy on the server", () => {
  let viewerThread: string;
  let operatorThread: string;

  it("refuses a viewer's write step before anything runs, naming the step, the tool and the role", async () => {
    const { thread, values } = await start(await clientFor(victor), maintenancePlan("viewer tries"));
    viewerThread = thread;
    expect(values.error).toMatchObject({ code: "TOOL_NOT_ALLOWED" });
    expect(values.error!.message).toMatch(/step 'window': tool 'ci_set_maintenance' \(side-effecting\) is not allowed for role 'viewer'/);
    // Not even the read-only step ran: the plan was refused whole.
    expect(values).not.toHaveProperty("result");
    expect(Object.keys(values).filter((k) => k.startsWith("step:"))).toEqual([]);
  }, 90_000);

  it("pauses an operator's write step for approval though the plan does not ask for one", async () => {
    const { thread, values } = await start(await clientFor(alice), maintenancePlan("operator patch night"));
    operatorThread = thread;
    expect(values.__interrupt__?.map((i) => i.value)).toEqual([expect.objectContaining({ step: "window", tool: "ci_set_maintenance" })]);
    const state = (await (await clientFor(alice)).threads.getState(thread)).values as Values;
    expect(state.result?.status).toBe("interrupted");
    expect(state.result?.results).toHaveProperty("look");
    expect(state.result?.results).not.toHaveProperty("window");
  }, 60_000);

  it("refuses an answer by another operator or a viewer, and the step stays pending and unrun", async () => {
    const byOperator = await resume(await clientFor(oscar), operatorThread, { window: "approve" });
    expect(refusal(byOperator)).toMatch(/APPROVER_NOT_ALLOWED|user 'oscar' \(roles 'operator'\) may not approve/);
    const byViewer = await resume(await clientFor(victor), operatorThread, "approve");
    expect(refusal(byViewer)).toMatch(/user 'victor' \(roles 'viewer'\) may not approve/);
    const admin = await clientFor(ada);
    expect(await pendingSteps(admin, operatorThread)).toEqual(["window"]);
    const state = (await admin.threads.getState(operatorThread)).values as Values;
    expect(state.result?.results).not.toHaveProperty("window");
  }, 60_000);

  it("lets an admin of the tenant approve it, and the write runs once", async () => {
    const admin = await clientFor(ada);
    expect(await pendingSteps(admin, operatorThread)).toEqual(["window"]);
    const done = await resume(admin, operatorThread, { window: "approve" });
    expect(done).not.toBeInstanceOf(Error);
    const result = (done as Values).result!;
    expect(result.status).toBe("completed");
    expect(result.results.window).toMatchObject({ data: { rows: [expect.objectContaining({ ci_id: "db-prod-01" })] } });
    expect(await pendingSteps(admin, operatorThread)).toEqual([]);
  }, 60_000);

  it("reads an admin's rejection of a step gated for its operator: the step does not run", async () => {
    const { thread, values } = await start(await clientFor(alice), maintenancePlan("to be rejected"));
    expect(values.__interrupt__?.map((i) => i.value.step)).toEqual(["window"]);
    const rejected = (await resume(await clientFor(ada), thread, { window: { action: "reject", reason: "not tonight" } })) as Values;
    expect(rejected.result?.results).not.toHaveProperty("window");
    expect(JSON.stringify(rejected.result)).toMatch(/not tonight|rejected/);
  }, 60_000);

  it("keeps every refusal, approval and write on the tenant's trail, for its admins only", async () => {
    // A write of globex's admin: no approval needed for admins, and it must never show in acme's trail.
    const globex = await start(await clientFor(gina), maintenancePlan("globex own window"));
    expect(globex.values.result?.status).toBe("completed");

    const acme = await audit(ada, "?limit=1000");
    expect(acme.status).toBe(200);
    expect(acme.body.tenant).toBe("acme");
    const entries = acme.body.entries!;
    expect(entries.every((e) => e.tenant === "acme")).toBe(true);
    expect(entries).toContainEqual(expect.objectContaining({ kind: "refusal", user: "victor", thread_id: viewerThread, step: "window", tool: "ci_set_maintenance", outcome: "refused:TOOL_NOT_ALLOWED" }));
    expect(entries).toContainEqual(expect.objectContaining({ kind: "refusal", user: "oscar", thread_id: operatorThread, step: "window", outcome: "refused:APPROVER_NOT_ALLOWED" }));
    expect(entries).toContainEqual(expect.objectContaining({ kind: "refusal", user: "victor", thread_id: operatorThread, step: "window", outcome: "refused:APPROVER_NOT_ALLOWED" }));
    expect(entries).toContainEqual(expect.objectContaining({ kind: "approval", user: "ada", thread_id: operatorThread, step: "window", tool: "ci_set_maintenance", outcome: "approved" }));
    expect(entries).toContainEqual(expect.objectContaining({ kind: "rejection", user: "ada", step: "window", outcome: "rejected" }));
    const writes = entries.filter((e) => e.kind === "tool_call" && e.thread_id === operatorThread);
    expect(writes).toEqual([expect.objectContaining({ tool: "ci_set_maintenance", step: "window", params_digest: expect.any(String) })]);
    // Nothing of the viewer's refused run was called.
    expect(entries.filter((e) => e.kind === "tool_call" && e.thread_id === viewerThread)).toEqual([]);

    const other = await audit(gina, "?limit=1000");
    expect(other.status).toBe(200);
    expect(other.body.entries!.every((e) => e.tenant === "globex")).toBe(true);
    expect(other.body.entries).toContainEqual(expect.objectContaining({ kind: "tool_call", user: "gina", thread_id: globex.thread, tool: "ci_set_maintenance" }));
    expect(JSON.stringify(other.body)).not.toContain(operatorThread);

    const forbidden = await audit(alice);
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.message).toContain("'admin' role");
  }, 90_000);
});

describe("one policy file for the library and the server", () => {
  it("answers 429 over the policy file's concurrent-run limit of the tenant, and admits again once the run ends", async () => {
    const initech = await clientFor({ sub: "ian", tenant: "initech", roles: ["operator"] });
    const slow = { steps: [{ id: "slow", tool: "sleep", params: { ms: 1500 } }] };
    const first = await initech.threads.create();
    const running = await initech.runs.create(first.thread_id, "orchestrator", { input: {}, config: { configurable: { plan: slow } } });
    const second = await initech.threads.create();
    const refused = await initech.runs.create(second.thread_id, "orchestrator", { input: {}, config: { configurable: { plan: slow } } }).catch((error: Error) => error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error).message).toMatch(/429/);
    expect((refused as Error).message).toMatch(/tenant 'initech' already has 1 runs? queued or running/);
    await initech.runs.join(first.thread_id, running.run_id);
    const after = (await initech.runs.wait(second.thread_id, "orchestrator", { input: {}, config: { configurable: { plan: { steps: [{ id: "a", tool: "echo" }] } } } })) as Values;
    expect(after.result?.status).toBe("completed");
  }, 30_000);
});

describe("whom a served run ran for", () => {
  it("says the token's tenant, user and roles in the result's context, and reads that tenant's estate", async () => {
    const search = { steps: [{ id: "look", tool: "ci_search", params: { query: "db-prod-01", limit: 1 } }] };
    const acmeRun = await start(await clientFor(victor), search);
    const globexRun = await start(await clientFor({ sub: "gus", tenant: "globex", roles: ["viewer"] }), search);
    expect(acmeRun.values.result?.context).toMatchObject({ tenant: "acme", user: "victor", roles: ["viewer"], source: "auth" });
    expect(globexRun.values.result?.context).toMatchObject({ tenant: "globex", user: "gus", roles: ["viewer"], source: "auth" });

    // The same CI id in each tenant, read independently from the estate (a private copy: the server holds its own).
    const db = await openOpsDatabase();
    const rowOf = async (tenant: string) =>
      (
        await db.client.query<Record<string, unknown>>(
          `SELECT ci_id, name, type, status, environment, location, owner_team, criticality, description, attributes,
                  to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS updated_at
             FROM ops.cis WHERE tenant = $1 AND ci_id = 'db-prod-01'`,
          [tenant],
        )
      )[0]!;
    const [acmeRow, globexRow] = [await rowOf("acme"), await rowOf("globex")];
    expect(acmeRow).not.toEqual(globexRow);
    const served = (run: Values) => ((run.result?.results.look as { data: { rows: Array<Record<string, unknown>> } }).data.rows[0]);
    expect(served(acmeRun.values)).toMatchObject(acmeRow);
    expect(served(globexRun.values)).toMatchObject(globexRow);
  }, 120_000);
});
