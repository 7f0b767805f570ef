import { describe, expect, it } from "vitest";
import { opsTools } from "../../tools/index.js";
import { ciAggregateInput } from "../../tools/ops/tools/ci-aggregate.js";
import { ciGraphInput } from "../../tools/ops/tools/ci-graph.js";
import { ciHistoryInput } from "../../tools/ops/tools/ci-history.js";
import { ciMetricInput } from "../../tools/ops/tools/ci-metric.js";
import { ciSearchInput } from "../../tools/ops/tools/ci-search.js";
import { ciSetMaintenanceInput } from "../../tools/ops/tools/ci-set-maintenance.js";
import { incidentCommentInput } from "../../tools/ops/tools/incident-comment.js";
import type { z } from "zod";

/** Tools whose database must never be reached: input validation comes first. */
const untouchable = Object.fromEntries(
  opsTools({ database: () => Promise.reject(new Error("the database was reached")) }).map((t) => [t.name, t]),
);

const many = (n: number) => Array.from({ length: n }, (_, i) => `ci-${i}`);
const DAY = 86_400_000;
const at = (ms: number) => new Date(Date.UTC(2025, 5, 2, 9) + ms).toISOString();

type Case = [tool: string, schema: z.ZodType, input: Record<string, unknown>, field: string];

const cases: Case[] = [
  ["ci_search", ciSearchInput, { limit: 0 }, "limit"],
  ["ci_search", ciSearchInput, { limit: 201 }, "limit"],
  ["ci_search", ciSearchInput, { limit: 2.5 }, "limit"],
  ["ci_search", ciSearchInput, { offset: -1 }, "offset"],
  ["ci_search", ciSearchInput, { offset: 10_001 }, "offset"],
  ["ci_search", ciSearchInput, { query: "x".repeat(201) }, "query"],
  ["ci_search", ciSearchInput, { query: "db\u0000prod" }, "query"],
  ["ci_search", ciSearchInput, { type: "router" }, "type"],
  ["ci_search", ciSearchInput, { status: ["fine"] }, "status"],
  ["ci_search", ciSearchInput, { sort: "name; DROP TABLE ops.cis" }, "sort"],
  ["ci_search", ciSearchInput, { order: "sideways" }, "order"],
  ["ci_search", ciSearchInput, { attributes: { "engine') OR 1=1 --": "x" } }, "attributes"],
  ["ci_search", ciSearchInput, { attributes: Object.fromEntries(many(11).map((k, i) => [`k${i}`, k])) }, "attributes"],
  ["ci_search", ciSearchInput, { ci_ids: many(2001) }, "ci_ids"],
  ["ci_search", ciSearchInput, { location: "x".repeat(65) }, "location"],
  ["ci_aggregate", ciAggregateInput, { group_by: "name" }, "group_by"],
  ["ci_aggregate", ciAggregateInput, { group_by: ["type", "status", "location", "environment"] }, "group_by"],
  ["ci_aggregate", ciAggregateInput, { group_by: ["type", "type"] }, "group_by"],
  ["ci_aggregate", ciAggregateInput, { group_by: ["attributes->>'x'"] }, "group_by"],
  ["ci_aggregate", ciAggregateInput, { measure: "sum" }, "measure"],
  ["ci_aggregate", ciAggregateInput, { limit: 501 }, "limit"],
  ["ci_aggregate", ciAggregateInput, { relation_types: ["owns"] }, "relation_types"],
  ["ci_graph", ciGraphInput, { depth: 2 }, "ci_id"],
  ["ci_graph", ciGraphInput, { ci_id: "db-prod-01", depth: 0 }, "depth"],
  ["ci_graph", ciGraphInput, { ci_id: "db-prod-01", depth: 7 }, "depth"],
  ["ci_graph", ciGraphInput, { ci_id: "db-prod-01", max_nodes: 5001 }, "max_nodes"],
  ["ci_graph", ciGraphInput, { ci_id: "db-prod-01", limit: 2001 }, "limit"],
  ["ci_graph", ciGraphInput, { ci_id: "db-prod-01", direction: "sideways" }, "direction"],
  ["ci_graph", ciGraphInput, { ci_id: "db-prod-01", relation_types: ["DROP"] }, "relation_types"],
  ["ci_graph", ciGraphInput, { ci_id: "" }, "ci_id"],
  ["ci_graph", ciGraphInput, { ci_id: "x".repeat(129) }, "ci_id"],
  ["ci_metric", ciMetricInput, { type: "host" }, "metric"],
  ["ci_metric", ciMetricInput, { metric: "cpu_pct; DROP TABLE ops.cis" }, "metric"],
  ["ci_metric", ciMetricInput, { metric: "cpu_pct", window: "90d" }, "window"],
  ["ci_metric", ciMetricInput, { metric: "cpu_pct", from: at(-31 * DAY), to: at(0) }, "from"],
  ["ci_metric", ciMetricInput, { metric: "cpu_pct", from: at(0), to: at(-DAY) }, "to"],
  ["ci_metric", ciMetricInput, { metric: "cpu_pct", from: "yesterday" }, "from"],
  ["ci_metric", ciMetricInput, { metric: "cpu_pct", to: "2025-06-01T00:00:00Z'; DROP TABLE ops.cis; --" }, "to"],
  ["ci_metric", ciMetricInput, { metric: "cpu_pct", window: "24h", from: at(-DAY) }, "window"],
  ["ci_metric", ciMetricInput, { metric: "cpu_pct", window: "7d", bucket: "5m" }, "bucket"],
  ["ci_metric", ciMetricInput, { metric: "cpu_pct", bucket: "1w" }, "bucket"],
  ["ci_metric", ciMetricInput, { metric: "cpu_pct", limit: 201 }, "limit"],
  ["ci_metric", ciMetricInput, { metric: "cpu_pct", sort: "avg DESC; --" }, "sort"],
  ["ci_history", ciHistoryInput, { window: "365d" }, "window"],
  ["ci_history", ciHistoryInput, { limit: 201 }, "limit"],
  ["ci_history", ciHistoryInput, { kind: "outage" }, "kind"],
  ["ci_history", ciHistoryInput, { severity: "sev1" }, "severity"],
  ["ci_history", ciHistoryInput, { from: at(-40 * DAY), to: at(0) }, "from"],
  ["ci_history", ciHistoryInput, { query: "a\u0000" }, "query"],
  ["ci_set_maintenance", ciSetMaintenanceInput, { from: at(0), to: at(DAY), reason: "patch" }, "ci_id"],
  ["ci_set_maintenance", ciSetMaintenanceInput, { ci_id: "", from: at(0), to: at(DAY), reason: "patch" }, "ci_id"],
  ["ci_set_maintenance", ciSetMaintenanceInput, { ci_id: "x".repeat(129), from: at(0), to: at(DAY), reason: "patch" }, "ci_id"],
  ["ci_set_maintenance", ciSetMaintenanceInput, { ci_id: "db-prod-01", to: at(DAY), reason: "patch" }, "from"],
  ["ci_set_maintenance", ciSetMaintenanceInput, { ci_id: "db-prod-01", from: "tonight", to: at(DAY), reason: "patch" }, "from"],
  ["ci_set_maintenance", ciSetMaintenanceInput, { ci_id: "db-prod-01", from: at(0), reason: "patch" }, "to"],
  ["ci_set_maintenance", ciSetMaintenanceInput, { ci_id: "db-prod-01", from: at(DAY), to: at(0), reason: "patch" }, "to"],
  ["ci_set_maintenance", ciSetMaintenanceInput, { ci_id: "db-prod-01", from: at(0), to: at(0), reason: "patch" }, "to"],
  ["ci_set_maintenance", ciSetMaintenanceInput, { ci_id: "db-prod-01", from: at(0), to: at(31 * DAY), reason: "patch" }, "to"],
  ["ci_set_maintenance", ciSetMaintenanceInput, { ci_id: "db-prod-01", from: at(0), to: at(DAY) }, "reason"],
  ["ci_set_maintenance", ciSetMaintenanceInput, { ci_id: "db-prod-01", from: at(0), to: at(DAY), reason: "  " }, "reason"],
  ["ci_set_maintenance", ciSetMaintenanceInput, { ci_id: "db-prod-01", from: at(0), to: at(DAY), reason: "x".repeat(501) }, "reason"],
  ["ci_set_maintenance", ciSetMaintenanceInput, { ci_id: "db-prod-01", from: at(0), to: at(DAY), reason: "a\u0000b" }, "reason"],
  ["incident_comment", incidentCommentInput, { body: "seen" }, "event_id"],
  ["incident_comment", incidentCommentInput, { event_id: "", body: "seen" }, "event_id"],
  ["incident_comment", incidentCommentInput, { event_id: "x".repeat(65), body: "seen" }, "event_id"],
  ["incident_comment", incidentCommentInput, { event_id: "inc-000001" }, "body"],
  ["incident_comment", incidentCommentInput, { event_id: "inc-000001", body: "\n\t " }, "body"],
  ["incident_comment", incidentCommentInput, { event_id: "inc-000001", body: "x".repeat(2001) }, "body"],
  ["incident_comment", incidentCommentInput, { event_id: "inc-000001", body: "a\u0000" }, "body"],
];

describe("ops tool input limits", () => {
  it.each(cases)("%s rejects %j with a zod error naming %s", async (toolName, schema, input, field) => {
    const parsed = schema.safeParse(input);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path[0])).toContain(field);
    // Through the LangChain tool too: rejected before the database is touched, the message names the field.
    await expect(untouchable[toolName]!.invoke(input)).rejects.toThrow(new RegExp(`at ${field}`));
  });

  it("accepts inputs at the limits", () => {
    expect(ciSearchInput.safeParse({ query: "x".repeat(200), limit: 200, offset: 10_000, ci_ids: many(2000) }).success).toBe(true);
    expect(ciGraphInput.safeParse({ ci_id: "db-prod-01", depth: 6, max_nodes: 5000, limit: 2000 }).success).toBe(true);
    expect(ciMetricInput.safeParse({ metric: "cpu_pct", from: at(-30 * DAY), to: at(0), bucket: "6h" }).success).toBe(true);
    expect(ciMetricInput.safeParse({ metric: "cpu_pct", window: "24h", bucket: "5m" }).success).toBe(true);
    expect(ciHistoryInput.safeParse({ window: "30d", limit: 200 }).success).toBe(true);
    expect(ciSetMaintenanceInput.safeParse({ ci_id: "x".repeat(128), from: at(0), to: at(30 * DAY), reason: "x".repeat(500) }).success).toBe(true);
    expect(incidentCommentInput.safeParse({ event_id: "x".repeat(64), body: "x".repeat(2000) }).success).toBe(true);
  });

  it("declares plain output schemas, so references into them can be checked before a run", async () => {
    const { toolTraits } = await import("../../src/tools/traits.js");
    const plain = new Set(["object", "array", "string", "number", "int", "boolean", "enum", "nullable", "optional", "literal"]);
    const walk = (schema: z.ZodType, path: string): void => {
      const def = (schema as unknown as { _zod: { def: Record<string, unknown> & { type: string } } })._zod.def;
      expect(plain.has(def.type), `${path}: ${def.type}`).toBe(true);
      if (def.type === "object") {
        expect(def.catchall, `${path} must not accept unknown keys`).toBeUndefined();
        for (const [key, child] of Object.entries(def.shape as Record<string, z.ZodType>)) walk(child, `${path}.${key}`);
      }
      if (def.type === "array") walk(def.element as z.ZodType, `${path}[]`);
      if (def.type === "nullable" || def.type === "optional") walk(def.innerType as z.ZodType, path);
    };
    for (const tool of Object.values(untouchable)) {
      const schema = toolTraits(tool).outputSchema;
      expect(schema, tool.name).toBeDefined();
      walk(schema!, tool.name);
    }
  });
});
