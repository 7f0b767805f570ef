import { z } from "zod";
import { defineTool } from "../../../src/tools/define.js";
import { RelationType } from "../vocabulary.js";
import { SqlParams, asList, ciConditions, ciFilterShape, oneOrMany, tenantCondition, whereClause } from "./common.js";
import { databaseFor, type DatabaseProvider } from "./context.js";
import type { SqlClient } from "../db/sql-client.js";
import { Note, explainNoCiMatch } from "./notes.js";

/**
 * Group-by fields → SQL expressions. Only these strings ever reach SELECT and GROUP BY. The "C"
 * collation makes ties sort the same way on PGlite and on every PostgreSQL server.
 */
const GROUPS = {
  type: `c.type COLLATE "C"`,
  status: `c.status COLLATE "C"`,
  environment: `c.environment COLLATE "C"`,
  location: `c.location COLLATE "C"`,
  owner_team: `c.owner_team COLLATE "C"`,
  criticality: `c.criticality COLLATE "C"`,
  ci_id: `c.ci_id COLLATE "C"`,
  cluster: `(c.attributes->>'cluster') COLLATE "C"`,
  os: `(c.attributes->>'os') COLLATE "C"`,
  engine: `(c.attributes->>'engine') COLLATE "C"`,
  vendor: `(c.attributes->>'vendor') COLLATE "C"`,
  domain: `(c.attributes->>'domain') COLLATE "C"`,
  role: `(c.attributes->>'role') COLLATE "C"`,
} as const;
type GroupField = keyof typeof GROUPS;
const GroupField = z.enum(Object.keys(GROUPS) as [GroupField, ...GroupField[]]);

/** Most groups one call returns. */
export const CI_AGGREGATE_MAX_LIMIT = 500;

/** Input of `ci_aggregate`. */
export const ciAggregateInput = z.object({
  ...ciFilterShape,
  group_by: z
    .union([GroupField, z.array(GroupField).max(3)])
    .default([])
    .refine((g) => !Array.isArray(g) || new Set(g).size === g.length, "group_by fields must be distinct")
    .describe("Up to 3 fields; ci_id gives one row per CI (top-N CIs by the measure)"),
  measure: z
    .enum(["count", "dependents", "dependencies"])
    .default("count")
    .describe("count: CIs per group; dependents/dependencies: relationships into/out of the group's CIs"),
  relation_types: oneOrMany(RelationType, 13).optional().describe("For dependents/dependencies: count only these relations"),
  order: z.enum(["desc", "asc"]).default("desc").describe("By the measure"),
  limit: z.number().int().min(1).max(CI_AGGREGATE_MAX_LIMIT).default(50).describe("Top-N groups"),
});

const GroupColumns = Object.fromEntries(
  (Object.keys(GROUPS) as GroupField[]).map((k) => [k, z.string().nullable().optional()]),
) as Record<GroupField, z.ZodOptional<z.ZodNullable<z.ZodString>>>;

/** One group: its key, CI count, measure, and the group fields it was grouped by. */
export const ciAggregateRow = z.object({
  key: z.string().describe("The group's values joined with ' / ' ('all' without group_by)"),
  count: z.number().int().describe("CIs in the group"),
  value: z.number().describe("The measure for the group"),
  name: z.string().optional().describe("The CI's name, when grouped by ci_id"),
  ...GroupColumns,
});

/** Output of `ci_aggregate`. */
export const ciAggregateOutput = z.object({
  data: z.object({
    rows: z.array(ciAggregateRow),
    total: z.number().int().describe("Groups, before the limit"),
    total_cis: z.number().int().describe("CIs matching the filters"),
    measure: z.enum(["count", "dependents", "dependencies"]),
    group_by: z.array(GroupField),
    ids: z.array(z.string()).describe("ci_id of each row when grouped by ci_id, else empty"),
    note: Note,
  }),
});

/** Why the groups are empty, or why every relationship count is 0. */
async function aggregateNote(
  client: SqlClient,
  tenant: string,
  input: z.output<typeof ciAggregateInput>,
  totals: { cis: number; groups: number },
  rows: ReadonlyArray<{ value: number }>,
): Promise<string | null> {
  if (totals.cis === 0) return explainNoCiMatch(client, tenant, input);
  if (input.measure === "count") return null;
  // Every group is 0 when the largest is (descending order) or when all groups are shown and are.
  const allZero = input.order === "desc" ? rows[0]?.value === 0 : rows.length === totals.groups && rows.every((r) => r.value === 0);
  if (!allZero) return null;
  const relations = asList(input.relation_types);
  const what = input.measure === "dependents" ? "dependents (relationships pointing to them)" : "dependencies (relationships from them)";
  return `none of the ${totals.cis} CIs has ${what}${relations ? ` through ${relations.join(", ")}` : ""}`;
}

/** `ci_aggregate`: counts, group-bys and top-N over CIs. */
export function createCiAggregateTool(database: DatabaseProvider) {
  return defineTool({
    name: "ci_aggregate",
    description:
      "Count CIs, group them by up to 3 fields (type, status, environment, location, owner_team, criticality, cluster, os, engine, " +
      "vendor, domain, role, ci_id) and rank groups by count or by relationship counts (top-N most depended-on CIs), " +
      "optionally scoped to given CI ids. Returns { data: { rows: [{ key, count, value, …group fields }], total, total_cis } }.",
    input: ciAggregateInput,
    output: ciAggregateOutput,
    idempotent: true,
    run: async (input, config) => {
      const { client, tenant } = await databaseFor(database, config);
      const groupBy = asList<GroupField>(input.group_by) ?? [];
      const params = new SqlParams();
      const where = whereClause(ciConditions(tenant, input, params));
      let join = "";
      let value = "count(*)";
      if (input.measure !== "count") {
        const [near, far] = input.measure === "dependents" ? ["target_id", "source_id"] : ["source_id", "target_id"];
        const relations = asList(input.relation_types);
        const relationFilter = relations ? ` AND r.relation = ANY(${params.add(relations)}::text[])` : "";
        join = `LEFT JOIN LATERAL (SELECT count(r.${far}) AS n FROM ops.ci_relationships r WHERE ${tenantCondition(tenant, params, "r")} AND r.${near} = c.ci_id${relationFilter}) d ON true`;
        value = "coalesce(sum(d.n), 0)";
      }
      const selectGroups = groupBy.map((g) => `${GROUPS[g]} AS ${g}`);
      if (groupBy.includes("ci_id")) selectGroups.push("min(c.name) AS name");
      const groupClause = groupBy.length > 0 ? `GROUP BY ${groupBy.map((g) => GROUPS[g]).join(", ")}` : "";
      const direction = input.order === "asc" ? "ASC" : "DESC";
      const tieBreak = groupBy.map((g) => `${g} NULLS LAST`).join(", ");
      const limit = params.add(input.limit);
      const rows = await client.query<Record<string, unknown> & { count: number; value: number; groups: number; cis: number }>(
        `SELECT ${[...selectGroups, "count(*)::int AS count", `${value}::float8 AS value`].join(", ")},
                count(*) OVER ()::int AS groups, (sum(count(*)) OVER ())::int AS cis
           FROM ops.cis c ${join} ${where} ${groupClause}
          ORDER BY value ${direction}, count DESC${tieBreak ? `, ${tieBreak}` : ""}
          LIMIT ${limit}`,
        params.values,
      );
      // Without group_by an empty match still yields one row (count 0): report it as no CIs.
      const data = rows.filter((r) => groupBy.length > 0 || r.count > 0);
      const out = data.map((r) => {
        const row: z.input<typeof ciAggregateRow> = {
          key: groupBy.length === 0 ? "all" : groupBy.map((g) => (r[g] === null ? "(none)" : String(r[g]))).join(" / "),
          count: r.count,
          value: r.value,
        };
        for (const g of groupBy) row[g] = r[g] as string | null;
        if (typeof r.name === "string") row.name = r.name;
        return row;
      });
      const totalCis = rows[0]?.cis ?? 0;
      return {
        data: {
          rows: out,
          total: groupBy.length === 0 ? out.length : (rows[0]?.groups ?? 0),
          total_cis: totalCis,
          measure: input.measure,
          group_by: groupBy,
          ids: groupBy.includes("ci_id") ? out.map((r) => String(r.ci_id)) : [],
          note: await aggregateNote(client, tenant, input, { cis: totalCis, groups: groupBy.length === 0 ? out.length : (rows[0]?.groups ?? 0) }, out),
        },
      };
    },
  });
}
