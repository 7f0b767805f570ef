import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { CALL_CONFIG_KEY, toolCallIdentity } from "../../src/model/caller.js";
import { OPS_TOOL_NAMES } from "../../tools/index.js";
import type { CiRecord, TenantEstate } from "../../tools/ops/estate/model.js";
import { CI_STATUSES, CI_TYPES, CRITICALITIES, ENVIRONMENTS } from "../../tools/ops/vocabulary.js";
import { BACKENDS, callerConfig, run, testEstate, toolsFor, type TestDatabase } from "./harness.js";
import { byCodePoint, round2, walk } from "./expectations.js";
import { recordingClient, scopeProblems, type Statement } from "./sql-scope.js";

const TENANTS = ["acme", "globex", "initech"] as const;
const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

/** A CI row as ci_search returns it, built from the generated record (not from SQL). */
function ciRow(c: CiRecord) {
  const { created_at: _, updated_at, ...rest } = c;
  return { ...rest, updated_at: iso(updated_at) };
}

/** An id of `type` that another tenant has and `tenant` has not: it must behave like no CI at all. */
function foreignId(tenant: string, type: string): string {
  const own = new Set(testEstate(tenant).cis.map((c) => c.ci_id));
  for (const other of TENANTS.filter((t) => t !== tenant)) {
    const id = testEstate(other).cis.find((c) => c.type === type && !own.has(c.ci_id))?.ci_id;
    if (id) return id;
  }
  throw new Error(`no ${type} of another tenant is missing from ${tenant}`);
}

interface Filters {
  query?: string;
  type?: string[];
  status?: string[];
  environment?: string[];
  criticality?: string[];
  location?: string;
  owner_team?: string;
  attributes?: Record<string, string | number>;
  ci_ids?: string[];
}

/** ci_search's filter semantics over a tenant's generated CIs: the independent answer. */
function matching(estate: TenantEstate, f: Filters): CiRecord[] {
  return estate.cis.filter(
    (c) =>
      (f.query === undefined || `${c.ci_id} ${c.name} ${c.description}`.toLowerCase().includes(f.query.toLowerCase())) &&
      (f.type === undefined || f.type.includes(c.type)) &&
      (f.status === undefined || f.status.includes(c.status)) &&
      (f.environment === undefined || f.environment.includes(c.environment)) &&
      (f.criticality === undefined || f.criticality.includes(c.criticality)) &&
      (f.location === undefined || c.location.toLowerCase() === f.location.toLowerCase()) &&
      (f.owner_team === undefined || c.owner_team.toLowerCase() === f.owner_team.toLowerCase()) &&
      (f.attributes === undefined || Object.entries(f.attributes).every(([k, v]) => c.attributes[k] === v)) &&
      (f.ci_ids === undefined || f.ci_ids.includes(c.ci_id)),
  );
}

const everyId = [...new Set(TENANTS.flatMap((t) => testEstate(t).cis.map((c) => c.ci_id)))].sort(byCodePoint);
const subset = <T>(items: readonly T[]) => fc.subarray([...items], { minLength: 1 });
const filtersArb: fc.Arbitrary<Filters> = fc.record(
  {
    query: fc.constantFrom("db", "prod-01", "orders", "api", "fra1", "replica", "Hypervisor", "zz"),
    type: subset(CI_TYPES),
    status: subset(CI_STATUSES),
    environment: subset(ENVIRONMENTS),
    criticality: subset(CRITICALITIES),
    location: fc.constantFrom("fra1", "IAD1", "sin1"),
    owner_team: fc.constantFrom("team-dba", "team-compute", "TEAM-NETWORK", "team-orders"),
    attributes: fc.constantFrom<Record<string, string | number>>({ engine: "postgresql" }, { role: "primary" }, { os: "ubuntu-22.04" }, { cpu_cores: 64 }, { domain: "orders" }),
    ci_ids: fc.subarray(everyId, { minLength: 0, maxLength: 40 }),
  },
  { requiredKeys: [] },
);

describe.each(BACKENDS)("tenant isolation on $name", (backend) => {
  let handle: TestDatabase;
  let t: Record<string, StructuredToolInterface>;
  const as = (tenant: string) => callerConfig(tenant);

  beforeAll(async () => {
    if (backend.skip) return;
    handle = await backend.open();
    t = toolsFor(handle.db);
  });
  afterAll(async () => handle?.close());

  describe.skipIf(backend.skip)("the same query in each tenant gives that tenant's own data", () => {
    it.each(TENANTS)("ci_search in %s", async (tenant) => {
      const e = testEstate(tenant);
      const out = await run(t.ci_search!, { ci_ids: ["db-prod-01", "svc-orders", "host-prod-0001"] }, as(tenant));
      const expected = e.cis.filter((c) => ["db-prod-01", "svc-orders", "host-prod-0001"].includes(c.ci_id)).sort((a, b) => byCodePoint(a.ci_id, b.ci_id));
      expect(out.data.rows).toEqual(expected.map(ciRow));
    });

    it.each(TENANTS)("ci_aggregate in %s", async (tenant) => {
      const e = testEstate(tenant);
      const out = await run(t.ci_aggregate!, { group_by: "type" }, as(tenant));
      const counts: Record<string, number> = {};
      for (const c of e.cis) counts[c.type] = (counts[c.type] ?? 0) + 1;
      expect(Object.fromEntries(out.data.rows.map((r: { type: string; count: number }) => [r.type, r.count]))).toEqual(counts);
      const inbound = e.relationships.filter((r) => r.target_id === "db-prod-01").length;
      const top = await run(t.ci_aggregate!, { ci_ids: ["db-prod-01"], group_by: "ci_id", measure: "dependents" }, as(tenant));
      expect(top.data.rows[0]).toMatchObject({ ci_id: "db-prod-01", value: inbound, name: e.cis.find((c) => c.ci_id === "db-prod-01")!.name });
    });

    it.each(TENANTS)("ci_graph in %s", async (tenant) => {
      const out = await run(t.ci_graph!, { ci_id: "db-prod-01", direction: "dependents", depth: 2, limit: 2000 }, as(tenant));
      const expected = walk(testEstate(tenant), ["db-prod-01"], "dependents", 2);
      expect(Object.fromEntries(out.data.rows.map((r: { ci_id: string; depth: number }) => [r.ci_id, r.depth]))).toEqual(Object.fromEntries(expected));
    });

    it.each(TENANTS)("ci_metric in %s", async (tenant) => {
      const series = testEstate(tenant).series.find((s) => s.ci_id === "db-prod-01" && s.metric === "latency_ms")!;
      const values = Array.from(series.recent_5m);
      const out = await run(t.ci_metric!, { ci_id: "db-prod-01", metric: "latency_ms" }, as(tenant));
      expect(out.data.rows).toHaveLength(1);
      expect(out.data.rows[0]).toMatchObject({ max: round2(Math.max(...values)), min: round2(Math.min(...values)), samples: 288 });
      const explicit = await run(t.ci_metric!, { ci_ids: ["db-prod-01"], metric: "latency_ms", from: iso(testEstate(tenant).clock.now - 86_400_000), bucket: "6h" }, as(tenant));
      expect(explicit.data.rows[0].max).toBe(round2(Math.max(...values)));
      expect(explicit.data.rows[0].points).toHaveLength(4);
    });

    it.each(TENANTS)("ci_history in %s", async (tenant) => {
      const e = testEstate(tenant);
      const out = await run(t.ci_history!, { ci_id: "db-prod-01", window: "30d", limit: 200 }, as(tenant));
      const expected = e.events.filter((ev) => ev.ci_id === "db-prod-01").map((ev) => ev.event_id);
      expect(out.data.rows.map((r: { event_id: string }) => r.event_id).sort()).toEqual(expected.sort());
      const all = await run(t.ci_history!, { kind: "incident", window: "30d", limit: 1 }, as(tenant));
      expect(all.data.total).toBe(e.events.filter((ev) => ev.kind === "incident").length);
    });

    it("and the tenants' answers differ, so a leak would show", async () => {
      const [a, g] = await Promise.all(["acme", "globex"].map((tenant) => run(t.ci_search!, { ci_ids: ["db-prod-01", "svc-orders"] }, as(tenant))));
      expect(a.data.ids).toEqual(g.data.ids);
      expect(a.data.rows).not.toEqual(g.data.rows);
    });
  });

  describe.skipIf(backend.skip)("the tenant is the caller's, never the input's", () => {
    it("ignores a tenant field in a tool's input", async () => {
      const spoofed = await run(t.ci_search!, { ci_ids: ["db-prod-01"], tenant: "globex", tenant_id: "globex" }, as("acme"));
      expect(spoofed.data.rows).toEqual([ciRow(testEstate("acme").cis.find((c) => c.ci_id === "db-prod-01")!)]);
      const direct = await run(t.ci_search!, { ci_ids: ["db-prod-01"], tenant: "globex" });
      expect(direct.data.rows).toEqual(spoofed.data.rows); // a direct call is the default tenant's
    });

    it("shows a tenant the estate does not hold an empty estate, never another tenant's", async () => {
      const config = as("umbrella");
      const search = await run(t.ci_search!, {}, config);
      expect(search.data).toMatchObject({ rows: [], total: 0, note: 'the estate holds no CIs of tenant "umbrella"' });
      expect((await run(t.ci_graph!, { ci_id: "db-prod-01", direction: "both" }, config)).data).toMatchObject({ rows: [], roots: [], not_found: ["db-prod-01"] });
      expect((await run(t.ci_history!, { window: "30d" }, config)).data.total).toBe(0);
      expect((await run(t.ci_metric!, { metric: "cpu_pct" }, config)).data.total).toBe(0);
      expect((await run(t.ci_aggregate!, { group_by: "type" }, config)).data.total_cis).toBe(0);
    });
  });

  describe.skipIf(backend.skip)("a CI id of another tenant behaves exactly like one that exists nowhere", () => {
    const foreign = foreignId("globex", "host");
    const missing = "host-prod-9999";
    const calls: Array<[string, string, (id: string) => Record<string, unknown>]> = [
      ["ci_search", "by ci_ids", (id) => ({ ci_ids: [id] })],
      ["ci_search", "by ci_ids and type", (id) => ({ ci_ids: [id], type: "host" })],
      ["ci_aggregate", "dependents of the id", (id) => ({ ci_ids: [id], group_by: "ci_id", measure: "dependents" })],
      ["ci_graph", "a walk from the id", (id) => ({ ci_id: id, direction: "both", depth: 3 })],
      ["ci_graph", "a walk from the id and db-prod-01", (id) => ({ ci_ids: [id, "db-prod-01"], direction: "dependencies", depth: 1 })],
      ["ci_metric", "relative window", (id) => ({ ci_id: id, metric: "cpu_pct" })],
      ["ci_metric", "explicit window with buckets", (id) => ({ ci_ids: [id], metric: "cpu_pct", from: "2025-05-30T00:00:00Z", to: "2025-06-01T00:00:00Z", bucket: "1d" })],
      ["ci_history", "history of the id", (id) => ({ ci_id: id, window: "30d" })],
    ];
    it.each(calls)("%s: %s", async (tool, _label, input) => {
      const config = as("globex");
      const a = JSON.stringify(await run(t[tool]!, input(foreign), config)).replaceAll(foreign, "ID");
      const b = JSON.stringify(await run(t[tool]!, input(missing), config)).replaceAll(missing, "ID");
      expect(a).toBe(b);
    });

    it("and that id is a real CI of its own tenant", async () => {
      const owner = TENANTS.find((tenant) => testEstate(tenant).cis.some((c) => c.ci_id === foreign))!;
      expect((await run(t.ci_search!, { ci_ids: [foreign] }, as(owner))).data.ids).toEqual([foreign]);
    });
  });

  describe.skipIf(backend.skip)("every statement every tool sends is scoped by the caller's tenant, on every table it reads", () => {
    it("for each tool and each of its query paths (results, notes, paging, windows, writes)", async () => {
      const statements: Statement[] = [];
      const recorded = toolsFor({ ...handle.db, client: recordingClient(handle.db.client, statements) });
      const tenant = "initech";
      const config = as(tenant);
      const step = (s: string) => ({ configurable: { ...config.configurable, [CALL_CONFIG_KEY]: toolCallIdentity(`scope-${Date.now()}-${Math.random()}`, s) } });
      const used = new Map<string, number>();
      const calls: Array<[string, Record<string, unknown>, Record<string, unknown>?]> = [
        ["ci_search", { query: "db-prod", type: "database", attributes: { role: "primary" }, location: "fra1", owner_team: "team-dba" }],
        ["ci_search", { type: "service", offset: 9000 }],
        ["ci_search", { query: "zzz", type: "host" }],
        ["ci_search", { ci_ids: ["no-such-ci"] }],
        ["ci_aggregate", { group_by: ["type", "environment"] }],
        ["ci_aggregate", { type: "host", group_by: "ci_id", measure: "dependents", relation_types: ["hosted_on"] }],
        ["ci_aggregate", { type: "service", measure: "dependents", relation_types: ["replica_of"] }],
        ["ci_aggregate", { query: "zzz" }],
        ["ci_graph", { ci_id: "db-prod-01", direction: "both", depth: 2, relation_types: ["connects_to", "composed_of"] }],
        ["ci_graph", { ci_id: "db-prod-01", direction: "dependents", depth: 1, node_types: "network_device" }],
        ["ci_graph", { ci_ids: ["nope"] }],
        ["ci_metric", { type: "host", metric: "cpu_pct", window: "7d", bucket: "1d" }],
        ["ci_metric", { ci_id: "db-prod-01", metric: "connections", from: "2025-06-01T00:00:00Z", to: "2025-06-02T00:00:00Z", bucket: "1h" }],
        ["ci_metric", { type: ["service", "host"], metric: "cpu_pct" }],
        ["ci_metric", { query: "zzz", metric: "cpu_pct" }],
        ["ci_history", { ci_id: "db-prod-01", window: "30d" }],
        ["ci_history", { kind: "incident", window: "30d", offset: 9000 }],
        ["ci_history", { ci_ids: ["nope"] }],
        ["ci_history", { ci_id: "db-prod-01", query: "zzz", window: "1h" }],
        ["ci_set_maintenance", { ci_id: "db-prod-01", from: "2026-12-01T00:00:00Z", to: "2026-12-01T01:00:00Z", reason: "scope" }, step("mw")],
        ["ci_set_maintenance", { ci_id: "db-prod-01", from: "2026-12-01T00:00:00Z", to: "2026-12-01T01:00:00Z", reason: "scope" }],
        ["incident_comment", { event_id: "inc-000001", body: "scope" }, step("c")],
      ];
      for (const [tool, input, callConfig] of calls) {
        const before = statements.length;
        await run(recorded[tool]!, input, callConfig ?? config);
        used.set(tool, (used.get(tool) ?? 0) + statements.length - before);
      }
      for (const name of OPS_TOOL_NAMES) expect(used.get(name), name).toBeGreaterThan(0);
      const problems = statements.flatMap((s) => scopeProblems(s, tenant).map((p) => `${p}\n  in: ${s.sql.replace(/\s+/g, " ").slice(0, 300)}`));
      expect(problems).toEqual([]);
      expect(statements.length).toBeGreaterThan(40);
    });

    it("the check itself catches a statement that reads a table without its tenant", () => {
      expect(scopeProblems({ sql: "SELECT c.ci_id FROM ops.cis c WHERE c.ci_id = $1", params: ["x"] }, "acme")).toHaveLength(1);
      expect(scopeProblems({ sql: "SELECT 1 FROM ops.cis c JOIN ops.ci_events e ON e.ci_id = c.ci_id WHERE c.tenant = $1", params: ["acme"] }, "acme")).toHaveLength(1);
      expect(scopeProblems({ sql: "SELECT ci_id FROM ops.cis WHERE tenant = $1", params: ["acme"] }, "acme")).toHaveLength(1);
      expect(scopeProblems({ sql: "SELECT 1 FROM ops.cis c WHERE c.tenant = $1", params: ["globex"] }, "acme")).toHaveLength(1);
      expect(scopeProblems({ sql: "SELECT 1 FROM ops.cis c WHERE c.tenant = $1", params: ["acme"] }, "acme")).toEqual([]);
    });
  });

  describe.skipIf(backend.skip)("over random filters, a tenant's results hold exactly that tenant's rows", () => {
    it("ci_search, ci_aggregate and ci_metric agree with the tenant's own generated data", async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...TENANTS), filtersArb, async (tenant, filters) => {
          const e = testEstate(tenant);
          const expected = matching(e, filters).sort((a, b) => byCodePoint(a.ci_id, b.ci_id));
          const search = await run(t.ci_search!, { ...filters, sort: "ci_id", limit: 200 }, as(tenant));
          expect(search.data.total).toBe(expected.length);
          expect(search.data.rows).toEqual(expected.slice(0, 200).map(ciRow));
          const aggregate = await run(t.ci_aggregate!, { ...filters, group_by: "environment" }, as(tenant));
          expect(aggregate.data.total_cis).toBe(expected.length);
          const ids = new Set(expected.map((c) => c.ci_id));
          const metric = await run(t.ci_metric!, { ...filters, metric: "cpu_pct", window: "7d", sort: "ci_id", order: "asc", limit: 200 }, as(tenant));
          const withSeries = e.series.filter((s) => s.metric === "cpu_pct" && ids.has(s.ci_id)).map((s) => s.ci_id).sort(byCodePoint);
          expect(metric.data.total).toBe(withSeries.length);
          expect(metric.data.ids).toEqual(withSeries.slice(0, 200));
        }),
        { numRuns: 60, seed: 20261201 },
      );
    });
  });
});
