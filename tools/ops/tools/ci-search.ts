import { z } from "zod";
import { defineTool } from "../../../src/tools/define.js";
import { CI_COLUMNS_SQL, CiRow, SqlParams, ciConditions, ciFilterShape, whereClause } from "./common.js";
import { databaseFor, type DatabaseProvider } from "./context.js";
import { Note, explainNoCiMatch } from "./notes.js";

/**
 * Sort keys → SQL. Only these strings ever reach ORDER BY. Text sorts use the "C" collation so
 * PGlite and every PostgreSQL server order rows the same way (by code point).
 */
const SORTS = {
  relevance: null,
  ci_id: 'c.ci_id COLLATE "C"',
  name: 'c.name COLLATE "C"',
  type: 'c.type COLLATE "C"',
  status: 'c.status COLLATE "C"',
  environment: 'c.environment COLLATE "C"',
  location: 'c.location COLLATE "C"',
  criticality: "CASE c.criticality WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2 ELSE 3 END",
  updated_at: "c.updated_at",
} as const;
const SortKey = z.enum(Object.keys(SORTS) as [keyof typeof SORTS, ...(keyof typeof SORTS)[]]);

/** Limits of paging. */
export const CI_SEARCH_MAX_LIMIT = 200;
export const CI_SEARCH_MAX_OFFSET = 10_000;

/** Input of `ci_search`. */
export const ciSearchInput = z.object({
  ...ciFilterShape,
  sort: SortKey.default("relevance").describe("relevance: exact id, then exact name, then id prefix, then by id"),
  order: z.enum(["asc", "desc"]).default("asc"),
  limit: z.number().int().min(1).max(CI_SEARCH_MAX_LIMIT).default(20),
  offset: z.number().int().min(0).max(CI_SEARCH_MAX_OFFSET).default(0),
});

/** Output of `ci_search`. */
export const ciSearchOutput = z.object({
  data: z.object({
    rows: z.array(CiRow),
    total: z.number().int().describe("CIs matching the filters, over all pages"),
    limit: z.number().int(),
    offset: z.number().int(),
    ids: z.array(z.string()).describe("ci_id of every row of this page, in order"),
    note: Note,
  }),
});

/** `ci_search`: CI lookups by text, filters and ids, paged. */
export function createCiSearchTool(database: DatabaseProvider) {
  return defineTool({
    name: "ci_search",
    description:
      "Find configuration items (services, apps, VMs, hosts, databases, load balancers, network devices) by free text, " +
      "type, status, environment, location, team, attributes or ids; paged. Returns { data: { rows, total, ids } }.",
    input: ciSearchInput,
    output: ciSearchOutput,
    idempotent: true,
    run: async (input, config) => {
      const { client, tenant } = await databaseFor(database, config);
      const params = new SqlParams();
      const where = whereClause(ciConditions(tenant, input, params));
      let orderBy: string;
      const direction = input.order === "desc" ? "DESC" : "ASC";
      const sort = SORTS[input.sort];
      if (sort === null) {
        if (input.query) {
          const q = params.add(input.query);
          orderBy =
            `(lower(c.ci_id) = lower(${q}::text)) DESC, (lower(c.name) = lower(${q}::text)) DESC, ` +
            `starts_with(lower(c.ci_id), lower(${q}::text)) DESC, c.ci_id COLLATE "C" ${direction}`;
        } else {
          orderBy = `c.ci_id COLLATE "C" ${direction}`;
        }
      } else {
        orderBy = `${sort} ${direction}, c.ci_id COLLATE "C"`;
      }
      const limit = params.add(input.limit);
      const offset = params.add(input.offset);
      const rows = await client.query<CiRow & { total_count: number }>(
        `SELECT ${CI_COLUMNS_SQL()}, count(*) OVER ()::int AS total_count
           FROM ops.cis c ${where}
          ORDER BY ${orderBy}
          LIMIT ${limit} OFFSET ${offset}`,
        params.values,
      );
      let total = rows[0]?.total_count ?? 0;
      if (rows.length === 0 && input.offset > 0) {
        const countParams = new SqlParams();
        const [row] = await client.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM ops.cis c ${whereClause(ciConditions(tenant, input, countParams))}`,
          countParams.values,
        );
        total = row?.n ?? 0;
      }
      const page = rows.map(({ total_count: _, ...ci }) => ci);
      let note: string | null = null;
      if (page.length === 0) {
        note = total > 0 ? `offset ${input.offset} is past the last of the ${total} matching CIs` : await explainNoCiMatch(client, tenant, input);
      }
      return { data: { rows: page, total, limit: input.limit, offset: input.offset, ids: page.map((r) => r.ci_id), note } };
    },
  });
}
