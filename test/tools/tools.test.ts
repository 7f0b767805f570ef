import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { DAY_MS, HOUR_MS } from "../../tools/ops/estate/model.js";
import { BACKENDS, run, testEstate, toolsFor, type TestDatabase } from "./harness.js";
import { byCodePoint, round2, searchText, walk } from "./expectations.js";

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

describe.each(BACKENDS)("ops tools on $name", (backend) => {
  let handle: TestDatabase;
  let t: Record<string, StructuredToolInterface>;
  const e = testEstate();
  const now = e.clock.now;

  beforeAll(async () => {
    if (backend.skip) return;
    handle = await backend.open();
    t = toolsFor(handle.db);
  });
  afterAll(async () => handle?.close());

  describe.skipIf(backend.skip)("ci_search", () => {
    it("puts the exact id first, then ids that start with the text", async () => {
      const out = await run(t.ci_search!, { query: "DB-PROD-01" });
      expect(out.data.rows[0].ci_id).toBe("db-prod-01");
      expect(out.data.ids.slice(1).every((id: string) => id.startsWith("db-prod-01"))).toBe(true);
      expect(out.data.total).toBe(searchText(e, "db-prod-01").length);
    });

    it("puts a CI whose name is exactly the text before other matches", async () => {
      const out = await run(t.ci_search!, { query: "checkout", limit: 3 });
      expect(out.data.rows[0]).toMatchObject({ ci_id: "svc-checkout", name: "Checkout" });
    });

    it("filters by type, status and environment, and counts every match", async () => {
      const out = await run(t.ci_search!, { type: ["host", "vm"], status: "operational", environment: "prod", limit: 7 });
      const expected = e.cis.filter((c) => (c.type === "host" || c.type === "vm") && c.status === "operational" && c.environment === "prod");
      expect(out.data.total).toBe(expected.length);
      expect(out.data.ids).toEqual(expected.map((c) => c.ci_id).sort(byCodePoint).slice(0, 7));
      for (const row of out.data.rows) expect(row.environment).toBe("prod");
    });

    it("filters by attributes, location and team", async () => {
      const out = await run(t.ci_search!, { attributes: { engine: "postgresql", role: "primary" }, limit: 200 });
      const expected = e.cis.filter((c) => c.attributes.engine === "postgresql" && c.attributes.role === "primary").map((c) => c.ci_id);
      expect(out.data.ids.sort(byCodePoint)).toEqual(expected.sort(byCodePoint));
      const team = await run(t.ci_search!, { owner_team: "TEAM-DBA", location: "fra1", limit: 1 });
      expect(team.data.total).toBe(e.cis.filter((c) => c.owner_team === "team-dba" && c.location === "fra1").length);
      const byNumber = await run(t.ci_search!, { type: "host", attributes: { cpu_cores: 64 }, limit: 1 });
      expect(byNumber.data.total).toBe(e.cis.filter((c) => c.type === "host" && c.attributes.cpu_cores === 64).length);
    });

    it("pages with limit and offset, and still reports the total past the last page", async () => {
      const all = e.cis.filter((c) => c.type === "service").map((c) => c.ci_id).sort(byCodePoint);
      const page = await run(t.ci_search!, { type: "service", limit: 5, offset: 5 });
      expect(page.data.ids).toEqual(all.slice(5, 10));
      const past = await run(t.ci_search!, { type: "service", offset: 5000 });
      expect(past.data.rows).toEqual([]);
      expect(past.data.total).toBe(all.length);
    });

    it("sorts by an allowed field in either order", async () => {
      const out = await run(t.ci_search!, { type: "database", sort: "criticality", order: "asc", limit: 50 });
      const rank = { critical: 0, high: 1, medium: 2, low: 3 } as const;
      const ranks = out.data.rows.map((r: { criticality: keyof typeof rank }) => rank[r.criticality]);
      expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
      const names = (await run(t.ci_search!, { type: "app", sort: "name", order: "desc", limit: 30 })).data.rows.map((r: { name: string }) => r.name);
      expect(names).toEqual([...names].sort(byCodePoint).reverse());
    });

    it("looks up given ids (a secondary lookup); an empty list finds nothing", async () => {
      const out = await run(t.ci_search!, { ci_ids: ["svc-orders", "db-prod-01", "no-such-ci"] });
      expect(out.data.ids).toEqual(["db-prod-01", "svc-orders"]);
      expect((await run(t.ci_search!, { ci_ids: [] })).data.total).toBe(0);
    });
  });

  describe.skipIf(backend.skip)("ci_aggregate", () => {
    it("counts CIs per type", async () => {
      const out = await run(t.ci_aggregate!, { group_by: "type" });
      const counts: Record<string, number> = {};
      for (const c of e.cis) counts[c.type] = (counts[c.type] ?? 0) + 1;
      expect(Object.fromEntries(out.data.rows.map((r: { type: string; count: number }) => [r.type, r.count]))).toEqual(counts);
      expect(out.data.total_cis).toBe(e.cis.length);
      expect(out.data.rows.map((r: { value: number }) => r.value)).toEqual([...out.data.rows.map((r: { value: number }) => r.value)].sort((a, b) => b - a));
    });

    it("ranks the most depended-on databases (top-N by dependents)", async () => {
      const out = await run(t.ci_aggregate!, { group_by: ["ci_id"], measure: "dependents", type: "database", limit: 3 });
      const inbound: Record<string, number> = {};
      for (const r of e.relationships) inbound[r.target_id] = (inbound[r.target_id] ?? 0) + 1;
      const dbs = e.cis.filter((c) => c.type === "database").map((c) => inbound[c.ci_id] ?? 0).sort((a, b) => b - a);
      expect(out.data.rows.map((r: { value: number }) => r.value)).toEqual(dbs.slice(0, 3));
      expect(out.data.ids[0]).toBe("db-prod-01");
      expect(out.data.rows[0].name).toContain("orders");
    });

    it("groups by two fields, scoped to given CI ids", async () => {
      const ids = e.cis.filter((c) => c.type === "host").slice(0, 40).map((c) => c.ci_id);
      const out = await run(t.ci_aggregate!, { ci_ids: ids, group_by: ["environment", "cluster"], limit: 500 });
      expect(out.data.total_cis).toBe(40);
      expect(out.data.rows.reduce((n: number, r: { count: number }) => n + r.count, 0)).toBe(40);
      expect(out.data.rows[0].key).toBe(`${out.data.rows[0].environment} / ${out.data.rows[0].cluster}`);
    });

    it("counts everything without group_by, and nothing for an empty scope", async () => {
      expect((await run(t.ci_aggregate!, {})).data.rows).toEqual([{ key: "all", count: e.cis.length, value: e.cis.length }]);
      const none = await run(t.ci_aggregate!, { ci_ids: [] });
      expect(none.data).toMatchObject({ rows: [], total: 0, total_cis: 0 });
    });

    it("counts dependencies of a given relation type", async () => {
      const out = await run(t.ci_aggregate!, { type: "vm", measure: "dependencies", relation_types: ["hosted_on"] });
      expect(out.data.rows[0].value).toBe(e.relationships.filter((r) => r.relation === "hosted_on" && r.source_id.startsWith("vm-")).length);
    });
  });

  describe.skipIf(backend.skip)("ci_graph", () => {
    it("finds what depends on db-prod-01, one hop", async () => {
      const out = await run(t.ci_graph!, { ci_id: "db-prod-01", direction: "dependents", depth: 1 });
      const expected = e.relationships.filter((r) => r.target_id === "db-prod-01").map((r) => r.source_id);
      expect(out.data.ids.sort(byCodePoint)).toEqual([...new Set(expected)].sort(byCodePoint));
      expect(out.data.roots).toEqual(["db-prod-01"]);
      for (const edge of out.data.edges) expect(edge.target_id).toBe("db-prod-01");
    });

    it.each([
      ["db-prod-01", "dependents", 3, undefined],
      ["svc-checkout", "dependencies", 3, undefined],
      ["app-orders-api", "both", 2, undefined],
      ["svc-orders", "dependencies", 4, ["composed_of", "runs_on", "hosted_on"]],
      ["net-core-fra1-01", "both", 3, ["peers_with", "uplinks_to"]],
    ] as const)("walks %s (%s, depth %i) exactly like a breadth-first search, cycles included", async (root, direction, depth, relations) => {
      const out = await run(t.ci_graph!, { ci_id: root, direction, depth, relation_types: relations, limit: 2000, include_edges: false });
      const expected = walk(e, [root], direction, depth, relations ? [...relations] : undefined);
      expect(out.data.truncated).toBe(false);
      expect(out.data.total).toBe(expected.size);
      for (const row of out.data.rows) expect(row.depth, row.ci_id).toBe(expected.get(row.ci_id));
      const depths = out.data.rows.map((r: { depth: number }) => r.depth);
      expect(depths).toEqual([...depths].sort((a, b) => a - b));
    });

    it("answers the flagship question: services behind db-prod-01, then the hosts under them", async () => {
      const services = await run(t.ci_graph!, { ci_id: "db-prod-01", direction: "dependents", depth: 3, node_types: ["service"] });
      expect(services.data.total).toBeGreaterThanOrEqual(4);
      expect(services.data.rows.every((r: { type: string }) => r.type === "service")).toBe(true);
      const hosts = await run(t.ci_graph!, {
        ci_ids: services.data.ids,
        direction: "dependencies",
        depth: 3,
        relation_types: ["composed_of", "runs_on", "hosted_on"],
        node_types: "host",
      });
      expect(hosts.data.total).toBeGreaterThan(0);
      expect(hosts.data.rows.every((r: { type: string; depth: number }) => r.type === "host" && r.depth === 3)).toBe(true);
    });

    it("reports unknown start ids, stops at max_nodes and returns at most limit rows", async () => {
      const out = await run(t.ci_graph!, { ci_ids: ["db-prod-01", "nope"], direction: "dependents", depth: 2 });
      expect(out.data.not_found).toEqual(["nope"]);
      const capped = await run(t.ci_graph!, { ci_id: "net-core-fra1-01", direction: "both", depth: 6, max_nodes: 25 });
      expect(capped.data.truncated).toBe(true);
      expect(capped.data.total).toBeLessThanOrEqual(25);
      const limited = await run(t.ci_graph!, { ci_id: "svc-orders", depth: 3, limit: 5 });
      expect(limited.data.rows).toHaveLength(5);
      expect(limited.data.total).toBeGreaterThan(5);
      const empty = await run(t.ci_graph!, { ci_ids: [] });
      expect(empty.data).toMatchObject({ rows: [], total: 0, roots: [] });
    });

    it("returns the walked edges as stored (source depends on target)", async () => {
      const out = await run(t.ci_graph!, { ci_id: "svc-orders", depth: 1 });
      const stored = new Set(e.relationships.map((r) => `${r.source_id}|${r.relation}|${r.target_id}`));
      expect(out.data.edges.length).toBe(out.data.edges_total);
      for (const edge of out.data.edges) expect(stored.has(`${edge.source_id}|${edge.relation}|${edge.target_id}`)).toBe(true);
      expect(out.data.edges.every((edge: { source_id: string }) => edge.source_id === "svc-orders")).toBe(true);
    });
  });

  describe.skipIf(backend.skip)("ci_metric", () => {
    const series = (id: string, metric: string) => e.series.find((s) => s.ci_id === id && s.metric === metric)!;

    it("computes avg/max/min/p95 over the last 24 hours from the 5-minute samples", async () => {
      const out = await run(t.ci_metric!, { ci_id: "db-prod-01", metric: "latency_ms" });
      const values = Array.from(series("db-prod-01", "latency_ms").recent_5m);
      const row = out.data.rows[0];
      expect(out.data).toMatchObject({ total: 1, unit: "ms", resolution: "5m", window: { from: iso(now - DAY_MS), to: iso(now) } });
      expect(row.samples).toBe(288);
      expect(row.avg).toBeCloseTo(round2(values.reduce((a, b) => a + b, 0) / values.length), 1);
      expect(row.max).toBe(round2(Math.max(...values)));
      expect(row.min).toBe(round2(Math.min(...values)));
    });

    it("gives the same statistics for a relative window and the equal explicit window", async () => {
      for (const [window, span] of [["24h", DAY_MS], ["7d", 7 * DAY_MS], ["6h", 6 * HOUR_MS]] as const) {
        const relative = await run(t.ci_metric!, { type: "host", metric: "cpu_pct", window, limit: 10 });
        const explicit = await run(t.ci_metric!, { type: "host", metric: "cpu_pct", from: iso(now - span), to: iso(now), limit: 10 });
        expect(explicit.data.rows, window).toEqual(relative.data.rows);
        expect(explicit.data.total).toBe(relative.data.total);
      }
    });

    it("ranks by the chosen statistic and uses hourly rollups beyond the last day", async () => {
      const out = await run(t.ci_metric!, { type: "host", environment: "prod", metric: "cpu_pct", window: "7d", sort: "p95", limit: 5 });
      expect(out.data.resolution).toBe("1h");
      expect(out.data.rows[0].samples).toBe(168);
      const p95s = out.data.rows.map((r: { p95: number }) => r.p95);
      expect(p95s).toEqual([...p95s].sort((a, b) => b - a));
      expect(out.data.total).toBe(e.cis.filter((c) => c.type === "host" && c.environment === "prod" && c.status !== "retired").length);
    });

    it("returns a bucketed time series when asked", async () => {
      const out = await run(t.ci_metric!, { ci_ids: ["db-prod-01"], metric: "connections", window: "24h", bucket: "1h" });
      const points = out.data.rows[0].points;
      expect(points).toHaveLength(24);
      expect(points[0].ts).toBe(iso(now - DAY_MS));
      expect(points[23].ts).toBe(iso(now - HOUR_MS));
      const s = series("db-prod-01", "connections");
      expect(points[0].max).toBe(round2(Math.max(...Array.from(s.recent_5m.subarray(0, 12)))));
      const coarse = await run(t.ci_metric!, { ci_id: "db-prod-01", metric: "cpu_pct", from: iso(now - 2 * DAY_MS), to: iso(now), bucket: "15m" });
      expect(coarse.data.bucket).toBe("1h"); // no finer than the hourly rollups it reads
    });

    it("returns nothing for CIs without the metric, an empty scope, or a window outside the history", async () => {
      expect((await run(t.ci_metric!, { type: "service", metric: "cpu_pct" })).data.total).toBe(0);
      expect((await run(t.ci_metric!, { ci_ids: [], metric: "cpu_pct" })).data.rows).toEqual([]);
      const old = await run(t.ci_metric!, { ci_id: "db-prod-01", metric: "cpu_pct", from: iso(now - 60 * DAY_MS), to: iso(now - 45 * DAY_MS) });
      expect(old.data).toMatchObject({ rows: [], total: 0 });
    });
  });

  describe.skipIf(backend.skip)("ci_history", () => {
    it("lists db-prod-01's recent changes, incidents and alerts, newest first", async () => {
      const out = await run(t.ci_history!, { ci_id: "db-prod-01", window: "7d" });
      const expected = e.events.filter((ev) => ev.ci_id === "db-prod-01" && ev.started_at >= now - 7 * DAY_MS);
      expect(out.data.total).toBe(expected.length);
      const starts = out.data.rows.map((r: { started_at: string }) => r.started_at);
      expect(starts).toEqual([...starts].sort().reverse());
      const titles = out.data.rows.map((r: { title: string }) => r.title);
      expect(titles).toContain("Connection saturation on db-prod-01");
      expect(titles.some((title: string) => title.startsWith("Parameter change on db-prod-01"))).toBe(true);
      const open = out.data.rows.find((r: { status: string }) => r.status === "open");
      expect(open.ended_at).toBeNull();
    });

    it("filters by kind, severity and title text, over an explicit window, with paging", async () => {
      const from = now - 10 * DAY_MS;
      const to = now - 3 * DAY_MS;
      const out = await run(t.ci_history!, { kind: ["change"], query: "deploy", from: iso(from), to: iso(to), limit: 10, offset: 10 });
      const expected = e.events.filter((ev) => ev.kind === "change" && ev.title.toLowerCase().includes("deploy") && ev.started_at >= from && ev.started_at < to);
      expect(out.data.total).toBe(expected.length);
      expect(out.data.rows).toHaveLength(Math.min(10, Math.max(0, expected.length - 10)));
      const major = await run(t.ci_history!, { kind: "incident", severity: ["critical", "major"], window: "30d" });
      expect(major.data.rows.every((r: { kind: string; severity: string }) => r.kind === "incident" && ["critical", "major"].includes(r.severity))).toBe(true);
      const past = await run(t.ci_history!, { kind: "incident", window: "30d", offset: 9000 });
      expect(past.data.total).toBe(e.events.filter((ev) => ev.kind === "incident").length);
    });
  });
});
