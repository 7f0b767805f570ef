import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { CALLER_CONFIG_KEY, CALL_CONFIG_KEY, localCaller, toolCallIdentity } from "../../src/model/caller.js";
import { toolTraits } from "../../src/tools/traits.js";
import { OPS_WRITE_TOOL_NAMES } from "../../tools/index.js";
import { FRESH_KEY_NOTE } from "../../tools/ops/tools/write-call.js";
import { BACKENDS, run, testEstate, toolsFor, type TestDatabase } from "./harness.js";

/** The config a run gives one call of step `step`: the caller (tenant, user) and the call's identity. */
function stepConfig(tenant: string, runKey: string, step: string, itemIndex?: number, user = "alice") {
  return {
    configurable: {
      [CALLER_CONFIG_KEY]: localCaller("trace-writes", { tenant, user, roles: ["operator"], source: "library" }),
      [CALL_CONFIG_KEY]: toolCallIdentity(runKey, step, itemIndex),
    },
  };
}

const WINDOW = { from: "2026-12-05T22:00:00Z", to: "2026-12-06T02:00:00Z", reason: "CHG-1234: kernel patch" };

/** A CI id the default tenant has and `tenant` has not. */
function onlyInAcme(tenant: string, type: string): string {
  const theirs = new Set(testEstate(tenant).cis.map((c) => c.ci_id));
  const id = testEstate("acme").cis.find((c) => c.type === type && !theirs.has(c.ci_id))?.ci_id;
  if (!id) throw new Error(`no ${type} of acme is missing from ${tenant}`);
  return id;
}

/** An event id another tenant has and `tenant` has not. */
function foreignEvent(tenant: string): string {
  const own = new Set(testEstate(tenant).events.map((e) => e.event_id));
  for (const other of ["acme", "globex", "initech"].filter((t) => t !== tenant)) {
    const id = testEstate(other).events.find((e) => !own.has(e.event_id))?.event_id;
    if (id) return id;
  }
  throw new Error(`every event id of the other tenants is also one of ${tenant}'s`);
}

describe("the write tools are declared side-effecting and idempotent", () => {
  it.each(OPS_WRITE_TOOL_NAMES)("%s", (name) => {
    const tool = Object.values(toolsFor({} as never)).find((t) => t.name === name)!;
    expect(toolTraits(tool)).toMatchObject({ sideEffects: true, idempotent: true, warmUp: expect.any(Function) });
  });
});

describe.each(BACKENDS)("write tools on $name", (backend) => {
  let handle: TestDatabase;
  let t: Record<string, StructuredToolInterface>;
  let runKey: string;

  beforeAll(async () => {
    if (backend.skip) return;
    handle = await backend.open();
    t = toolsFor(handle.db);
  });
  afterAll(async () => handle?.close());
  const fresh = () => (runKey = `run-${randomUUID()}`);

  /** Rows stored under a key, read independently of the tools. */
  async function stored(table: "ci_maintenance" | "event_comments", tenant: string, key: string) {
    return handle.db.client.query<Record<string, unknown>>(`SELECT * FROM ops.${table} WHERE tenant = $1 AND idempotency_key = $2`, [tenant, key]);
  }

  describe.skipIf(backend.skip)("ci_set_maintenance", () => {
    it("records a window on a CI of the caller's tenant and returns it as stored", async () => {
      fresh();
      const out = await run(t.ci_set_maintenance!, { ci_id: "db-prod-01", ...WINDOW }, stepConfig("globex", runKey, "patch"));
      const globexDb = testEstate("globex").cis.find((c) => c.ci_id === "db-prod-01")!;
      expect(out.data).toMatchObject({ total: 1, ids: ["db-prod-01"], replayed: false, note: null, idempotency_key: toolCallIdentity(runKey, "patch").idempotency_key });
      expect(out.data.rows[0]).toMatchObject({ ci_id: "db-prod-01", ci_name: globexDb.name, ci_type: "database", ...WINDOW, requested_by: "alice" });
      expect(out.data.rows[0].window_id).toMatch(/^mw-[0-9a-f]{12}$/);
      const rows = await stored("ci_maintenance", "globex", out.data.idempotency_key);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ tenant: "globex", ci_id: "db-prod-01", reason: WINDOW.reason, window_id: out.data.rows[0].window_id });
      expect(await stored("ci_maintenance", "acme", out.data.idempotency_key)).toEqual([]);
    });

    it("changes nothing when the same call is repeated, and returns the first call's result", async () => {
      fresh();
      const config = stepConfig("acme", runKey, "patch");
      const first = await run(t.ci_set_maintenance!, { ci_id: "host-prod-0001", ...WINDOW }, config);
      const second = await run(t.ci_set_maintenance!, { ci_id: "host-prod-0001", ...WINDOW }, config);
      // The same instants written another way are the same request.
      const third = await run(t.ci_set_maintenance!, { ci_id: "host-prod-0001", ...WINDOW, from: "2026-12-06T00:00:00+02:00" }, config);
      expect(second.data).toEqual({ ...first.data, replayed: true });
      expect(third.data).toEqual({ ...first.data, replayed: true });
      expect(await stored("ci_maintenance", "acme", first.data.idempotency_key)).toHaveLength(1);
    });

    it("writes once when calls with the same key run concurrently, and every call returns that write", async () => {
      fresh();
      const config = stepConfig("acme", runKey, "patch", 3);
      const outs = await Promise.all(Array.from({ length: 6 }, () => run(t.ci_set_maintenance!, { ci_id: "db-prod-01", ...WINDOW }, config)));
      expect(outs.filter((o) => !o.data.replayed)).toHaveLength(1);
      expect(new Set(outs.map((o) => JSON.stringify(o.data.rows)))).toHaveLength(1);
      expect(await stored("ci_maintenance", "acme", outs[0].data.idempotency_key)).toHaveLength(1);
    });

    it("writes one window per key: other steps, elements and runs are other writes", async () => {
      fresh();
      const keys = [stepConfig("acme", runKey, "a"), stepConfig("acme", runKey, "b"), stepConfig("acme", runKey, "b", 0), stepConfig("acme", `${runKey}-2`, "a")];
      const outs = [];
      for (const config of keys) outs.push(await run(t.ci_set_maintenance!, { ci_id: "db-prod-01", ...WINDOW }, config));
      expect(outs.every((o) => !o.data.replayed)).toBe(true);
      expect(new Set(outs.map((o) => o.data.rows[0].window_id)).size).toBe(4);
      expect(new Set(outs.map((o) => o.data.idempotency_key)).size).toBe(4);
    });

    it("keeps keys per tenant: the same call identity in two tenants writes each tenant's own CI", async () => {
      fresh();
      const acme = await run(t.ci_set_maintenance!, { ci_id: "db-prod-01", ...WINDOW }, stepConfig("acme", runKey, "patch"));
      const initech = await run(t.ci_set_maintenance!, { ci_id: "db-prod-01", ...WINDOW }, stepConfig("initech", runKey, "patch"));
      expect(initech.data.replayed).toBe(false);
      expect(initech.data.rows[0].window_id).not.toBe(acme.data.rows[0].window_id);
      expect(initech.data.rows[0].ci_name).toBe(testEstate("initech").cis.find((c) => c.ci_id === "db-prod-01")!.name);
    });

    it("refuses a repeated key with other params, naming the key, and changes nothing", async () => {
      fresh();
      const config = stepConfig("acme", runKey, "patch");
      const first = await run(t.ci_set_maintenance!, { ci_id: "db-prod-01", ...WINDOW }, config);
      await expect(run(t.ci_set_maintenance!, { ci_id: "db-prod-01", ...WINDOW, reason: "something else" }, config)).rejects.toMatchObject({
        code: "IDEMPOTENCY_CONFLICT",
        message: expect.stringContaining(first.data.idempotency_key),
      });
      const rows = await stored("ci_maintenance", "acme", first.data.idempotency_key);
      expect(rows).toHaveLength(1);
      expect(rows[0]!.reason).toBe(WINDOW.reason);
    });

    it("gives a direct call (no call identity) a fresh key and says so in the result", async () => {
      const a = await run(t.ci_set_maintenance!, { ci_id: "db-prod-01", ...WINDOW });
      const b = await run(t.ci_set_maintenance!, { ci_id: "db-prod-01", ...WINDOW });
      for (const out of [a, b]) {
        expect(out.data).toMatchObject({ replayed: false, note: FRESH_KEY_NOTE });
        expect(out.data.idempotency_key).toMatch(/^direct-/);
        expect(out.data.rows[0].requested_by).toBe("local");
        expect(await stored("ci_maintenance", "acme", out.data.idempotency_key)).toHaveLength(1);
      }
      expect(a.data.idempotency_key).not.toBe(b.data.idempotency_key);
    });

    it("treats another tenant's CI exactly like a CI that does not exist, and writes nothing", async () => {
      fresh();
      const foreign = onlyInAcme("globex", "host");
      const missing = "host-nowhere-0001";
      const attempt = (id: string, step: string) => run(t.ci_set_maintenance!, { ci_id: id, ...WINDOW }, stepConfig("globex", runKey, step));
      const [a, b] = await Promise.all([attempt(foreign, "x").catch((e) => e), attempt(missing, "y").catch((e) => e)]);
      expect(a).toMatchObject({ code: "TOOL_INPUT_INVALID", path: "ci_id" });
      expect(a.message.replaceAll(foreign, "ID")).toBe(b.message.replaceAll(missing, "ID"));
      expect(a.code).toBe(b.code);
      const [count] = await handle.db.client.query<{ n: number }>("SELECT count(*)::int AS n FROM ops.ci_maintenance WHERE ci_id = ANY($1::text[])", [[foreign, missing]]);
      expect(count!.n).toBe(0);
    });

    it("has the database refuse a window of one tenant on another tenant's CI, whatever the SQL", async () => {
      const foreign = onlyInAcme("initech", "vm");
      await expect(
        handle.db.client.query(
          `INSERT INTO ops.ci_maintenance (tenant, window_id, ci_id, starts_at, ends_at, reason, requested_by, idempotency_key, params_digest)
           VALUES ('initech', 'mw-forged', $1, now(), now() + interval '1 hour', 'x', 'x', $2, 'x')`,
          [foreign, `forged-${randomUUID()}`],
        ),
      ).rejects.toThrow(/foreign key/);
    });

    it("refuses to write into a private copy of an estate another process has open", async () => {
      fresh();
      const copy = toolsFor({ ...handle.db, writable: false, location: "/tmp/estate" });
      await expect(run(copy.ci_set_maintenance!, { ci_id: "db-prod-01", ...WINDOW }, stepConfig("acme", runKey, "patch"))).rejects.toMatchObject({
        code: "TOOL_FAILED",
        message: expect.stringMatching(/open in another process.*private copy/),
      });
      expect(await stored("ci_maintenance", "acme", toolCallIdentity(runKey, "patch").idempotency_key)).toEqual([]);
    });
  });

  describe.skipIf(backend.skip)("incident_comment", () => {
    const incident = testEstate("acme").events.find((e) => e.ci_id === "db-prod-01" && e.kind === "incident" && e.status === "open")!;

    it("comments on an incident of the caller's tenant and returns the comment with its event and CI", async () => {
      fresh();
      const out = await run(t.incident_comment!, { event_id: incident.event_id, body: "Killed the long-running report query." }, stepConfig("acme", runKey, "note", undefined, "bob"));
      expect(out.data).toMatchObject({ total: 1, ids: ["db-prod-01"], replayed: false, note: null });
      expect(out.data.rows[0]).toMatchObject({
        event_id: incident.event_id,
        event_kind: "incident",
        event_status: "open",
        event_title: incident.title,
        ci_id: "db-prod-01",
        body: "Killed the long-running report query.",
        author: "bob",
      });
      expect(out.data.rows[0].comment_id).toMatch(/^cmt-[0-9a-f]{12}$/);
    });

    it("comments on the same event id of each tenant's own estate", async () => {
      fresh();
      const id = "inc-000001";
      for (const tenant of ["acme", "globex", "initech"]) {
        const own = testEstate(tenant).events.find((e) => e.event_id === id)!;
        const out = await run(t.incident_comment!, { event_id: id, body: "seen" }, stepConfig(tenant, runKey, "note"));
        expect(out.data.rows[0], tenant).toMatchObject({ event_title: own.title, ci_id: own.ci_id });
      }
    });

    it("writes once under repeated and concurrent calls with one key, and returns the first call's result", async () => {
      fresh();
      const config = stepConfig("acme", runKey, "note", 7);
      const first = await run(t.incident_comment!, { event_id: incident.event_id, body: "Failover scheduled." }, config);
      const repeats = await Promise.all(Array.from({ length: 5 }, () => run(t.incident_comment!, { event_id: incident.event_id, body: "Failover scheduled." }, config)));
      for (const r of repeats) expect(r.data).toEqual({ ...first.data, replayed: true });
      expect(await stored("event_comments", "acme", first.data.idempotency_key)).toHaveLength(1);
      await expect(run(t.incident_comment!, { event_id: incident.event_id, body: "Something else." }, config)).rejects.toMatchObject({ code: "IDEMPOTENCY_CONFLICT" });
    });

    it("treats another tenant's event exactly like an event that does not exist", async () => {
      fresh();
      const foreign = foreignEvent("acme");
      const missing = "inc-999999";
      const attempt = (id: string, step: string) => run(t.incident_comment!, { event_id: id, body: "x" }, stepConfig("acme", runKey, step)).catch((e) => e);
      const [a, b] = [await attempt(foreign, "x"), await attempt(missing, "y")];
      expect(a).toMatchObject({ code: "TOOL_INPUT_INVALID", path: "event_id" });
      expect(a.message.replaceAll(foreign, "ID")).toBe(b.message.replaceAll(missing, "ID"));
      const [count] = await handle.db.client.query<{ n: number }>("SELECT count(*)::int AS n FROM ops.event_comments WHERE event_id = ANY($1::text[])", [[foreign, missing]]);
      expect(count!.n).toBe(0);
    });
  });
});
