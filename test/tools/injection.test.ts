import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { CALL_CONFIG_KEY, toolCallIdentity } from "../../src/model/caller.js";
import { estateCounts } from "../../tools/ops/estate/generate.js";
import { BACKENDS, run, testEstate, testFullEstate, toolsFor, type TestDatabase } from "./harness.js";
import { searchText } from "./expectations.js";

/** Classic SQL injection payloads and awkward text: every one must be treated as plain data. */
const PAYLOADS = [
  "'; DROP TABLE ops.cis; --",
  "' OR '1'='1",
  "\" OR 1=1 --",
  "db-prod-01' --",
  "db-prod-01'); DELETE FROM ops.ci_relationships; --",
  "') UNION SELECT ci_id, name, type FROM ops.cis --",
  "*/ DROP SCHEMA ops CASCADE; /*",
  "1; SELECT pg_sleep(10)",
  "$1",
  "%",
  "_",
  "\\",
  "\\'",
  "{\"engine\": \"postgresql\"}",
  "E'\\x27'",
  "\n\r\t",
  "😀 ünïcödé ß",
  "x".repeat(200),
];

describe.each(BACKENDS)("injection strings on $name", (backend) => {
  let handle: TestDatabase;
  let t: Record<string, StructuredToolInterface>;
  const e = testEstate();
  const seriesFor = (metric: string, ids: Set<string>) => e.series.filter((s) => s.metric === metric && ids.has(s.ci_id)).length;
  const weekAgo = e.clock.now - 7 * 86_400_000;

  beforeAll(async () => {
    if (backend.skip) return;
    handle = await backend.open();
    t = toolsFor(handle.db);
  });
  afterAll(async () => handle?.close());

  /** Ids are at most 128 characters (longer is a zod error, tested in limits.test.ts). */
  const id = (p: string) => p.slice(0, 128);

  /** [tool, parameter, input for a payload, what the result must be]. */
  const cases: Array<[string, string, (p: string) => Record<string, unknown>, (out: any, p: string) => void]> = [
    ["ci_search", "query", (p) => ({ query: p }), (out, p) => expect(out.data.total).toBe(searchText(e, p).length)],
    ["ci_search", "location", (p) => ({ location: p.slice(0, 64) }), (out) => expect(out.data.total).toBe(0)],
    ["ci_search", "owner_team", (p) => ({ owner_team: p.slice(0, 64) }), (out) => expect(out.data.total).toBe(0)],
    ["ci_search", "attributes value", (p) => ({ attributes: { engine: p } }), (out) => expect(out.data.total).toBe(0)],
    ["ci_search", "ci_ids", (p) => ({ ci_ids: [id(p), "db-prod-01"] }), (out) => expect(out.data.ids).toEqual(["db-prod-01"])],
    ["ci_aggregate", "query", (p) => ({ query: p }), (out, p) => expect(out.data.total_cis).toBe(searchText(e, p).length)],
    ["ci_aggregate", "location", (p) => ({ location: p.slice(0, 64), group_by: "type" }), (out) => expect(out.data.total_cis).toBe(0)],
    ["ci_aggregate", "owner_team", (p) => ({ owner_team: p.slice(0, 64), group_by: "type" }), (out) => expect(out.data.total_cis).toBe(0)],
    ["ci_aggregate", "attributes value", (p) => ({ attributes: { role: p }, group_by: "type" }), (out) => expect(out.data.total_cis).toBe(0)],
    ["ci_aggregate", "ci_ids", (p) => ({ ci_ids: [id(p)], group_by: "ci_id", measure: "dependents" }), (out) => expect(out.data.rows).toEqual([])],
    ["ci_graph", "ci_id", (p) => ({ ci_id: id(p), direction: "both", depth: 3 }), (out, p) => expect(out.data).toMatchObject({ rows: [], not_found: [id(p)] })],
    ["ci_graph", "ci_ids", (p) => ({ ci_ids: [id(p), "db-prod-01"], depth: 1 }), (out, p) => expect(out.data).toMatchObject({ roots: ["db-prod-01"], not_found: [id(p)] })],
    ["ci_metric", "ci_id", (p) => ({ ci_id: id(p), metric: "cpu_pct" }), (out) => expect(out.data.total).toBe(0)],
    ["ci_metric", "ci_ids", (p) => ({ ci_ids: [id(p)], metric: "latency_ms", from: new Date(weekAgo).toISOString() }), (out) => expect(out.data.total).toBe(0)],
    ["ci_metric", "query", (p) => ({ query: p, metric: "cpu_pct" }), (out, p) => expect(out.data.total).toBe(seriesFor("cpu_pct", new Set(searchText(e, p))))],
    ["ci_metric", "location", (p) => ({ location: p.slice(0, 64), metric: "mem_pct" }), (out) => expect(out.data.total).toBe(0)],
    ["ci_metric", "owner_team", (p) => ({ owner_team: p.slice(0, 64), metric: "cpu_pct", window: "7d" }), (out) => expect(out.data.total).toBe(0)],
    ["ci_metric", "attributes value", (p) => ({ attributes: { cluster: p }, metric: "cpu_pct", window: "30d" }), (out) => expect(out.data.total).toBe(0)],
    ["ci_history", "ci_id", (p) => ({ ci_id: id(p), window: "30d" }), (out) => expect(out.data.total).toBe(0)],
    ["ci_history", "ci_ids", (p) => ({ ci_ids: [id(p)], window: "30d" }), (out) => expect(out.data.total).toBe(0)],
    [
      "ci_history",
      "query",
      (p) => ({ query: p }),
      (out, p) => expect(out.data.total).toBe(e.events.filter((ev) => ev.started_at >= weekAgo && ev.title.toLowerCase().includes(p.toLowerCase())).length),
    ],
  ];

  /** A call identity of its own for every write, so each payload is a new write. */
  const writeConfig = () => ({ configurable: { [CALL_CONFIG_KEY]: toolCallIdentity(`injection-${Math.random()}`, "write") } });
  const incident = e.events.find((ev) => ev.kind === "incident")!.event_id;
  /** [tool, parameter, input for a payload, what the result must be]: the write tools store text verbatim and treat ids as data. */
  const writeCases: Array<[string, string, (p: string) => Record<string, unknown>, (out: any, p: string) => void]> = [
    ["ci_set_maintenance", "reason", (p) => ({ ci_id: "db-prod-01", from: "2026-12-01T00:00:00Z", to: "2026-12-01T01:00:00Z", reason: p.slice(0, 500) }), (out, p) => expect(out.data.rows[0].reason).toBe(p)],
    ["incident_comment", "body", (p) => ({ event_id: incident, body: p }), (out, p) => expect(out.data.rows[0].body).toBe(p)],
  ];
  const writeIdCases: Array<[string, string, (p: string) => Record<string, unknown>]> = [
    ["ci_set_maintenance", "ci_id", (p) => ({ ci_id: id(p), from: "2026-12-01T00:00:00Z", to: "2026-12-01T01:00:00Z", reason: "x" })],
    ["incident_comment", "event_id", (p) => ({ event_id: p.slice(0, 64), body: "x" })],
  ];

  describe.skipIf(backend.skip)("the write tools store injection strings as data and treat them as unknown ids", () => {
    it.each(writeCases)("%s %s", async (tool, _param, input, check) => {
      // Blank text is refused by the schema (a reason or comment must say something): not an injection case.
      for (const payload of PAYLOADS.filter((p) => p.trim().length > 0)) check(await run(t[tool]!, input(payload), writeConfig()), payload);
    });

    it.each(writeIdCases)("%s %s", async (tool, param, input) => {
      for (const payload of PAYLOADS) {
        await expect(run(t[tool]!, input(payload), writeConfig()), payload).rejects.toMatchObject({ code: "TOOL_INPUT_INVALID", path: param });
      }
    });
  });

  describe.skipIf(backend.skip)("every text parameter treats injection strings as data", () => {
    it.each(cases)("%s %s", async (tool, _param, input, check) => {
      for (const payload of PAYLOADS) {
        const out = await run(t[tool]!, input(payload));
        check(out, payload);
      }
    });

    it("leaves the database intact afterwards", async () => {
      const { client, meta } = handle.db;
      const [row] = await client.query<Record<string, number>>(
        `SELECT (SELECT count(*) FROM ops.cis)::int AS cis, (SELECT count(*) FROM ops.ci_relationships)::int AS relationships,
                (SELECT count(*) FROM ops.metric_series)::int AS metric_series, (SELECT count(*) FROM ops.ci_events)::int AS events`,
      );
      expect(row).toEqual(meta.counts);
      expect(meta.counts).toEqual(estateCounts(testFullEstate()));
    });
  });
});
