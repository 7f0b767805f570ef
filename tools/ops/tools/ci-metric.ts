import { z } from "zod";
import { defineTool } from "../../../src/tools/define.js";
import { PlangraphError } from "../../../src/model/errors.js";
import type { EstateMeta } from "../estate/load.js";
import { FIVE_MINUTES_MS, HOUR_MS } from "../estate/model.js";
import { CiType, Environment, METRIC_DEFINITIONS, MetricName } from "../vocabulary.js";
import { CiId, SqlParams, ciConditions, ciFilterShape, tenantCondition, type CiFilters } from "./common.js";
import type { SqlClient } from "../db/sql-client.js";
import { Note } from "./notes.js";
import { countInScope, metricNote } from "./ci-metric-notes.js";
import { databaseFor, round2, type DatabaseProvider } from "./context.js";
import { checkWindow, iso, resolveWindow, windowShape, type ResolvedWindow } from "./window.js";

const BUCKETS = { "5m": 5 * 60_000, "15m": 15 * 60_000, "1h": HOUR_MS, "6h": 6 * HOUR_MS, "1d": 24 * HOUR_MS } as const;
type Bucket = keyof typeof BUCKETS;
const Bucket = z.enum(Object.keys(BUCKETS) as [Bucket, ...Bucket[]]);
/** Sort keys → output columns. Only these strings ever reach ORDER BY. */
const SORTS = { avg: "avg", max: "max", min: "min", p95: "p95", ci_id: null } as const;
/** ORDER BY for a sort key; `alias` is the table whose ci_id breaks ties (by code point, like every tool). */
function orderBy(sort: keyof typeof SORTS, direction: "ASC" | "DESC", alias: "w" | "s"): string {
  const id = `${alias}.ci_id COLLATE "C"`;
  const key = SORTS[sort];
  return key === null ? `${id} ${direction}` : `${key} ${direction} NULLS LAST, ${id}`;
}

/** Most CIs one call returns. */
export const CI_METRIC_MAX_LIMIT = 200;
/** Most buckets per CI. */
export const CI_METRIC_MAX_POINTS = 288;
/** Series one call may scan: bounds the work of a query with a loose scope. */
export const CI_METRIC_MAX_SERIES = 1000;

/** Input of `ci_metric`. */
export const ciMetricInput = z
  .object({
    metric: MetricName.describe("cpu_pct, mem_pct (hosts, VMs), disk_pct (hosts), latency_ms, connections (databases)"),
    ci_id: CiId.optional().describe("One CI (or use ci_ids / filters)"),
    ...ciFilterShape,
    ...windowShape("24h"),
    bucket: Bucket.optional().describe("Also return a time series per CI, in buckets of this size"),
    sort: z.enum(["avg", "max", "min", "p95", "ci_id"]).default("avg"),
    order: z.enum(["desc", "asc"]).default("desc"),
    limit: z.number().int().min(1).max(CI_METRIC_MAX_LIMIT).default(20),
  })
  .superRefine((input, ctx) => {
    checkWindow(input, ctx);
    if (input.bucket !== undefined) {
      const span = input.from !== undefined && input.to !== undefined ? Date.parse(input.to) - Date.parse(input.from) : undefined;
      const windowMs = span ?? { "1h": HOUR_MS, "6h": 6 * HOUR_MS, "24h": 24 * HOUR_MS, "7d": 168 * HOUR_MS, "30d": 720 * HOUR_MS }[input.window ?? "24h"];
      const points = Math.ceil(windowMs / BUCKETS[input.bucket]);
      if (points > CI_METRIC_MAX_POINTS) {
        ctx.addIssue({ code: "custom", path: ["bucket"], message: `${input.bucket} buckets give ${points} points per CI; at most ${CI_METRIC_MAX_POINTS}: use a larger bucket` });
      }
    }
  });

const Point = z.object({ ts: z.string().describe("Bucket start, ISO-8601 UTC"), avg: z.number().nullable(), max: z.number().nullable() });

/** Statistics of one CI over the window. */
export const MetricRow = z.object({
  ci_id: z.string(),
  name: z.string(),
  type: CiType,
  environment: Environment,
  location: z.string(),
  avg: z.number().nullable(),
  max: z.number().nullable(),
  min: z.number().nullable(),
  p95: z.number().nullable(),
  samples: z.number().int(),
  points: z.array(Point).optional().describe("Present when bucket is given"),
});

/** Output of `ci_metric`. */
export const ciMetricOutput = z.object({
  data: z.object({
    rows: z.array(MetricRow),
    total: z.number().int().describe("CIs in scope that have a series of this metric"),
    in_scope: z.number().int().describe("CIs the scope (ci_id, ci_ids, filters) selects, with or without this metric"),
    metric: MetricName,
    unit: z.string(),
    window: z.object({ from: z.string(), to: z.string() }),
    resolution: z.enum(["5m", "1h"]).describe("5m inside the last day, else hourly rollups"),
    bucket: Bucket.nullable(),
    ids: z.array(z.string()).describe("ci_id of every row, in order"),
    note: Note,
  }),
});

interface Slice {
  resolution: "5m" | "1h";
  avgColumn: "recent_5m" | "hourly_avg";
  maxColumn: "recent_5m" | "hourly_max";
  first: number;
  last: number;
  start: number;
  step: number;
}

/** Which stored array covers the window, and the 1-based array slice [first, last] of it. */
function sliceFor(window: ResolvedWindow, meta: EstateMeta): Slice | null {
  const detail = window.from >= meta.recentStart;
  const start = detail ? meta.recentStart : meta.hourlyStart;
  const step = detail ? FIVE_MINUTES_MS : HOUR_MS;
  const slots = detail ? meta.recentSlots : meta.hourlySlots;
  const first = Math.max(0, Math.ceil((window.from - start) / step));
  const last = Math.min(slots - 1, Math.ceil((window.to - start) / step) - 1);
  if (first > last) return null;
  return detail
    ? { resolution: "5m", avgColumn: "recent_5m", maxColumn: "recent_5m", first: first + 1, last: last + 1, start, step }
    : { resolution: "1h", avgColumn: "hourly_avg", maxColumn: "hourly_max", first: first + 1, last: last + 1, start, step };
}

type MetricRowOut = z.infer<typeof MetricRow>;
type StatsRow = MetricRowOut & { total_count?: number };
type MetricInput = z.output<typeof ciMetricInput>;

/** Relative window: the statistics were materialised at load; an index range, no samples touched. */
async function relativeStats(client: SqlClient, tenant: string, input: MetricInput, filters: CiFilters): Promise<{ rows: StatsRow[]; total: number }> {
  const params = new SqlParams();
  const conditions = [
    tenantCondition(tenant, params, "w"),
    `w.metric = ${params.add(input.metric)}::text`,
    `w.span = ${params.add(input.window ?? "24h")}::text`,
    ...ciConditions(tenant, filters, params),
  ];
  const rows = await client.query<StatsRow>(
    `SELECT w.ci_id, c.name, c.type, c.environment, c.location, w.avg, w.max, w.min, w.p95, w.samples,
            count(*) OVER ()::int AS total_count
       FROM ops.metric_window_stats w JOIN ops.cis c ON c.tenant = w.tenant AND c.ci_id = w.ci_id
      WHERE ${conditions.join(" AND ")}
      ORDER BY ${orderBy(input.sort, input.order === "asc" ? "ASC" : "DESC", "w")}
      LIMIT ${params.add(input.limit)}`,
    params.values,
  );
  return { rows, total: rows[0]?.total_count ?? 0 };
}

/** Explicit from/to: statistics computed from the stored arrays, at most CI_METRIC_MAX_SERIES series. */
async function windowStats(client: SqlClient, tenant: string, input: MetricInput, filters: CiFilters, slice: Slice): Promise<{ rows: StatsRow[]; total: number }> {
  const params = new SqlParams();
  const conditions = [tenantCondition(tenant, params, "s"), `s.metric = ${params.add(input.metric)}::text`, ...ciConditions(tenant, filters, params)];
  const [count] = await client.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM ops.metric_series s JOIN ops.cis c ON c.tenant = s.tenant AND c.ci_id = s.ci_id WHERE ${conditions.join(" AND ")}`,
    params.values,
  );
  const total = count?.n ?? 0;
  if (total > CI_METRIC_MAX_SERIES) {
    throw new PlangraphError("LIMIT_EXCEEDED", `ci_metric: ${total} series match; narrow the scope to at most ${CI_METRIC_MAX_SERIES} (ci_ids, type, environment, location…)`);
  }
  if (total === 0) return { rows: [], total };
  const a = params.add(slice.first);
  const b = params.add(slice.last);
  const rows = await client.query<StatsRow>(
    `SELECT s.ci_id, c.name, c.type, c.environment, c.location,
            avg(u.v)::float8 AS avg, max(u.vmax)::float8 AS max, min(u.v)::float8 AS min,
            percentile_cont(0.95) WITHIN GROUP (ORDER BY u.v)::float8 AS p95, count(u.v)::int AS samples
       FROM ops.metric_series s
       JOIN ops.cis c ON c.tenant = s.tenant AND c.ci_id = s.ci_id
      CROSS JOIN LATERAL unnest(s.${slice.avgColumn}[${a}::int:${b}::int], s.${slice.maxColumn}[${a}::int:${b}::int]) AS u(v, vmax)
      WHERE ${conditions.join(" AND ")}
      GROUP BY s.ci_id, c.name, c.type, c.environment, c.location
      ORDER BY ${orderBy(input.sort, input.order === "asc" ? "ASC" : "DESC", "s")}
      LIMIT ${params.add(input.limit)}`,
    params.values,
  );
  return { rows, total };
}

/** Adds each row's time series in buckets of `bucket`. */
async function attachPoints(client: SqlClient, tenant: string, metric: MetricName, slice: Slice, bucket: Bucket, out: MetricRowOut[]): Promise<void> {
  const per = Math.max(1, Math.round(BUCKETS[bucket] / slice.step));
  const points = await client.query<{ ci_id: string; b: number; avg: number | null; max: number | null }>(
    `SELECT s.ci_id, ((u.i - 1) / $4::int)::int AS b, avg(u.v)::float8 AS avg, max(u.vmax)::float8 AS max
       FROM ops.metric_series s
      CROSS JOIN LATERAL unnest(s.${slice.avgColumn}[$2::int:$3::int], s.${slice.maxColumn}[$2::int:$3::int]) WITH ORDINALITY AS u(v, vmax, i)
      WHERE s.tenant = $6::text AND s.metric = $1::text AND s.ci_id = ANY($5::text[])
      GROUP BY 1, 2 ORDER BY 1, 2`,
    [metric, slice.first, slice.last, per, out.map((r) => r.ci_id), tenant],
  );
  const sliceStart = slice.start + (slice.first - 1) * slice.step;
  const byCi = new Map<string, z.infer<typeof Point>[]>();
  for (const p of points) {
    const list = byCi.get(p.ci_id) ?? [];
    list.push({ ts: iso(sliceStart + p.b * per * slice.step), avg: round2(p.avg), max: round2(p.max) });
    byCi.set(p.ci_id, list);
  }
  for (const row of out) row.points = byCi.get(row.ci_id) ?? [];
}

/** `ci_metric`: metric statistics and time series. */
export function createCiMetricTool(database: DatabaseProvider) {
  return defineTool({
    name: "ci_metric",
    description:
      "Metric statistics (avg, max, min, p95) for CIs over a time window: CPU and memory of hosts and VMs, disk of hosts, " +
      "CPU, query latency and connections of databases. Scope by ci_id(s) or CI filters; rank by a statistic; optional " +
      "buckets for a time series. Last day at 5-minute detail, 30 days of hourly rollups. Returns { data: { rows, total, ids } }.",
    input: ciMetricInput,
    output: ciMetricOutput,
    idempotent: true,
    run: async (input, config) => {
      const { client, meta, tenant } = await databaseFor(database, config);
      const window = resolveWindow(input, meta, "24h");
      const slice = sliceFor(window, meta);
      let bucket = input.bucket ?? null;
      if (bucket !== null && slice !== null && BUCKETS[bucket] < slice.step) bucket = slice.resolution; // no finer than the data
      const base = {
        metric: input.metric,
        unit: METRIC_DEFINITIONS[input.metric].unit,
        window: { from: iso(window.from), to: iso(window.to) },
        resolution: slice?.resolution ?? (window.from >= meta.recentStart ? ("5m" as const) : ("1h" as const)),
        bucket,
      };
      const filters = { ...input, ci_ids: input.ci_id !== undefined ? [input.ci_id, ...(input.ci_ids ?? [])] : input.ci_ids };
      const inScope = await countInScope(client, tenant, filters);
      if (slice === null) {
        const note = `the window ${base.window.from} – ${base.window.to} lies outside the stored metric history (${iso(meta.hourlyStart)} – ${iso(meta.now)})`;
        return { data: { rows: [], total: 0, in_scope: inScope, ids: [], ...base, note } };
      }

      const { rows, total } = input.from === undefined && input.to === undefined ? await relativeStats(client, tenant, input, filters) : await windowStats(client, tenant, input, filters, slice);
      const out: MetricRowOut[] = rows.map(({ total_count: _, ...r }) => ({ ...r, avg: round2(r.avg), max: round2(r.max), min: round2(r.min), p95: round2(r.p95) }));
      if (bucket !== null && out.length > 0) await attachPoints(client, tenant, input.metric, slice, bucket, out);
      const note = await metricNote(client, tenant, input.metric, filters, { inScope, total, rows: out.length });
      return { data: { rows: out, total, in_scope: inScope, ids: out.map((r) => r.ci_id), ...base, note } };
    },
  });
}
