/**
 * The parts of the server's auth that need no server: the caller a served graph runs for, the
 * per-tenant run admission, the tenant limits file, the server's own assistant ids, and the
 * admin-only audit route (a Hono app, asked in-process as the server would route to it).
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Annotation, StateGraph, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { Hono } from "hono";
import { v5 as uuidV5Reference } from "uuid";
import { describe, expect, it } from "vitest";
import { RunAdmission } from "../../src/auth/admission.js";
import { auditRoutes, type AuditReader, type TenantAuditFilter } from "../../src/auth/audit-route.js";
import { callerFromRunConfig, markServerAuthActive } from "../../src/auth/caller.js";
import { serveForCaller } from "../../src/auth/served-graph.js";
import { systemAssistantIds, uuidV5 } from "../../src/auth/system-assistants.js";
import { tenantLimitsFromEnv } from "../../src/auth/tenant-limits.js";
import { localUser, type AuthUser } from "../../src/auth/user.js";
import type { AuditEntry } from "../../src/model/audit.js";

const globexUser: AuthUser = { identity: "bob", display_name: "bob", is_authenticated: true, permissions: ["operator"], tenant: "globex", roles: ["operator"], source: "auth" };
const spoofed = { tenant: "acme", user: "alice", roles: ["admin"], trace_id: "x", source: "auth" };

describe("the caller of a served run", () => {
  it("is the local caller until plangraph's auth handler is loaded, whatever langgraph_auth_user says", () => {
    // Without auth.path a server passes a client's langgraph_auth_user through: it is not trusted.
    expect(callerFromRunConfig({ run_id: "r1", langgraph_auth_user: globexUser })).toMatchObject({ tenant: "acme", user: "local", source: "default", trace_id: "r1" });
  });

  it("comes from langgraph_auth_user once the handler is loaded, never from plangraph_caller", () => {
    markServerAuthActive();
    expect(callerFromRunConfig({ run_id: "r2", langgraph_auth_user: globexUser, plangraph_caller: spoofed })).toEqual({ tenant: "globex", user: "bob", roles: ["operator"], trace_id: "r2", source: "auth" });
    expect(callerFromRunConfig({ run_id: "r3", langgraph_auth_user: localUser() })).toMatchObject({ tenant: "acme", user: "local", source: "default" });
    // Studio's built-in user (no tenant) or a malformed user is no plangraph user: the local caller, not a partial one.
    expect(callerFromRunConfig({ langgraph_auth_user: { identity: "langgraph-studio-user", is_authenticated: true, permissions: [], display_name: "x" }, plangraph_caller: { ...spoofed, tenant: "globex" } })).toMatchObject({ tenant: "acme", user: "local" });
  });

  it("is pinned into the config every node and subgraph of the served graph sees", async () => {
    markServerAuthActive();
    const seen: unknown[] = [];
    const State = Annotation.Root({ n: Annotation<number>() });
    const graph = new StateGraph(State)
      .addNode("look", (_state: typeof State.State, config: LangGraphRunnableConfig) => {
        seen.push(config.configurable?.plangraph_caller);
        return { n: 1 };
      })
      .addEdge("__start__", "look")
      .compile();
    const served = serveForCaller(graph);
    await served.invoke({ n: 0 }, { configurable: { run_id: "run-9", langgraph_auth_user: globexUser, plangraph_caller: spoofed } });
    expect(seen).toEqual([{ tenant: "globex", user: "bob", roles: ["operator"], trace_id: "run-9", source: "auth" }]);
  });

  it("holds the run's admission slot while it streams and frees it when it ends or fails", async () => {
    markServerAuthActive();
    const admission = new RunAdmission({ limitsFor: () => ({ max_concurrent_runs: 1 }) });
    const State = Annotation.Root({ n: Annotation<number>() });
    const during: number[] = [];
    const build = (fail: boolean) =>
      serveForCaller(
        new StateGraph(State)
          .addNode("work", () => {
            during.push(admission.active("globex"));
            if (fail) throw new Error("tool blew up");
            return { n: 1 };
          })
          .addEdge("__start__", "work")
          .compile(),
        admission,
      );
    admission.admit("globex", "run-a");
    await build(false).invoke({ n: 0 }, { configurable: { run_id: "run-a", langgraph_auth_user: globexUser } });
    expect(admission.active("globex")).toBe(0);
    admission.admit("globex", "run-b");
    await expect(build(true).invoke({ n: 0 }, { configurable: { run_id: "run-b", langgraph_auth_user: globexUser } })).rejects.toThrow(/tool blew up/);
    expect(during).toEqual([1, 1]);
    expect(admission.active("globex")).toBe(0);
  });
});

describe("run admission per tenant", () => {
  it("refuses a run over the concurrent limit with TENANT_LIMIT naming tenant and limit, and admits it once a run ends", () => {
    const admission = new RunAdmission({ limitsFor: (t) => (t === "initech" ? { max_concurrent_runs: 2 } : {}) });
    admission.admit("initech", "a");
    admission.admit("initech", "b");
    expect(() => admission.admit("initech", "c")).toThrow(expect.objectContaining({ code: "TENANT_LIMIT", message: expect.stringMatching(/tenant 'initech' already has 2 runs.*\(2\)/) }));
    for (let i = 0; i < 50; i++) admission.admit("acme", `acme-${i}`);
    admission.finished("a");
    admission.admit("initech", "c");
    // The same run admitted twice (a retried handler) takes one slot.
    admission.admit("initech", "c");
    expect(admission.active("initech")).toBe(2);
  });

  it("refuses a run over the per-minute limit until the minute has passed", () => {
    let now = 1_000_000;
    const admission = new RunAdmission({ limitsFor: () => ({ runs_per_minute: 2 }), now: () => now });
    admission.admit("globex", "a");
    admission.finished("a");
    now += 10_000;
    admission.admit("globex", "b");
    admission.finished("b");
    expect(() => admission.admit("globex", "c")).toThrow(expect.objectContaining({ code: "TENANT_LIMIT", message: expect.stringContaining("retry in 50 s") }));
    expect(admission.retryAfterSeconds("globex")).toBe(50);
    now += 50_001;
    admission.admit("globex", "c");
  });

  it("lets a slot lapse when its run never started (refused by the server after admission), but not a started run's", () => {
    let now = 0;
    const admission = new RunAdmission({ limitsFor: () => ({ max_concurrent_runs: 1 }), now: () => now, reservationMs: 1000, runLeaseMs: 60_000 });
    admission.admit("globex", "never-started");
    expect(() => admission.admit("globex", "next")).toThrow(/TENANT_LIMIT|already has 1/);
    now = 1001;
    admission.admit("globex", "next");
    admission.started("next", "globex");
    now = 30_000;
    expect(() => admission.admit("globex", "third")).toThrow(/already has 1/);
  });
});

describe("the tenant limits file (PLANGRAPH_TENANT_LIMITS)", () => {
  const dir = mkdtempSync(join(tmpdir(), "plangraph-limits-"));
  const file = (name: string, body: string) => {
    writeFileSync(join(dir, name), body);
    return join(dir, name);
  };

  it("gives each tenant its own entry over the default, field by field; no file, no limits", () => {
    const limitsFor = tenantLimitsFromEnv({ PLANGRAPH_TENANT_LIMITS: file("ok.json", JSON.stringify({ default: { max_concurrent_runs: 5, runs_per_minute: 60 }, tenants: { globex: { max_concurrent_runs: 1 } } })) });
    expect(limitsFor("globex")).toEqual({ max_concurrent_runs: 1, runs_per_minute: 60 });
    expect(limitsFor("acme")).toEqual({ max_concurrent_runs: 5, runs_per_minute: 60 });
    expect(limitsFor("__proto__")).toEqual({ max_concurrent_runs: 5, runs_per_minute: 60 });
    expect(tenantLimitsFromEnv({})("acme")).toEqual({});
  });

  it("refuses a broken file naming the file and the field", () => {
    expect(() => tenantLimitsFromEnv({ PLANGRAPH_TENANT_LIMITS: file("bad.json", JSON.stringify({ tenants: { globex: { max_concurrent_runs: 0 } } })) })).toThrow(expect.objectContaining({ code: "USAGE", message: expect.stringMatching(/bad\.json' at tenants\.globex\.max_concurrent_runs/) }));
    expect(() => tenantLimitsFromEnv({ PLANGRAPH_TENANT_LIMITS: file("typo.json", JSON.stringify({ default: { max_runs: 1 } })) })).toThrow(/typo\.json' at default/);
    expect(() => tenantLimitsFromEnv({ PLANGRAPH_TENANT_LIMITS: join(dir, "absent.json") })).toThrow(/absent\.json/);
  });
});

describe("the server's own assistants", () => {
  it("have the ids the JS server gives them (UUID v5 of the graph id)", () => {
    for (const graph of ["orchestrator", "ops_agent", "eager_dataflow"]) expect(uuidV5(graph, "6ba7b821-9dad-11d1-80b4-00c04fd430c8")).toBe(uuidV5Reference(graph, "6ba7b821-9dad-11d1-80b4-00c04fd430c8"));
    expect(systemAssistantIds(["orchestrator"]).has("224cf0be-a5c6-522f-86f0-b84379f45109")).toBe(true);
  });
});

describe("GET /plangraph/audit", () => {
  const entry = (tenant: string, step: string): AuditEntry => ({ kind: "tool_call", at: "2026-12-01T12:00:00.000Z", tenant, user: "u", trace_id: "t", thread_id: "th", run_key: "rk", step, item_index: null, tool: "ci_set_maintenance", params_digest: "d", outcome: "ok", detail: null });
  const asked: TenantAuditFilter[] = [];
  // A trail that ignores the filter, as a buggy store might: the route must still return one tenant.
  const leaky: AuditReader = { list: async (filter) => (asked.push(filter), [entry("acme", "mine"), entry("globex", "theirs")]) };
  const serverWith = (user: unknown, reader: AuditReader | "no trail" = leaky) => {
    const server = new Hono<{ Variables: { auth?: { user?: unknown } } }>();
    server.use(async (c, next) => {
      c.set("auth", { user });
      await next();
    });
    server.route("/", auditRoutes(async () => (reader === "no trail" ? undefined : reader)));
    return server;
  };
  const admin: AuthUser = { ...globexUser, identity: "ann", tenant: "acme", roles: ["admin"], permissions: ["admin"] };

  it("returns the admin's tenant only, asking the trail for that tenant and passing the filters on", async () => {
    const response = await serverWith(admin).request("/plangraph/audit?limit=5&kind=tool_call");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ tenant: "acme", entries: [entry("acme", "mine")] });
    expect(asked.at(-1)).toEqual({ tenant: "acme", limit: 5, kind: "tool_call" });
  });

  it("refuses a query naming a tenant, non-admins (403), anonymous requests (401), and says when there is no trail (503)", async () => {
    const spoof = await serverWith(admin).request("/plangraph/audit?tenant=globex");
    expect(spoof.status).toBe(400);
    expect(((await spoof.json()) as { message: string }).message).toMatch(/tenant/);
    const viewer = await serverWith({ ...admin, roles: ["viewer"], permissions: ["viewer"] }).request("/plangraph/audit");
    expect(viewer.status).toBe(403);
    expect(((await viewer.json()) as { message: string }).message).toContain("user 'ann' has 'viewer'");
    expect((await serverWith({ identity: "anonymous", is_authenticated: false, permissions: [], display_name: "anonymous" }).request("/plangraph/audit")).status).toBe(401);
    const none = await serverWith(admin, "no trail").request("/plangraph/audit");
    expect(none.status).toBe(503);
    expect(await none.json()).toEqual({ error: "AUDIT_FAILED", message: "this server keeps no audit trail" });
  });
});
