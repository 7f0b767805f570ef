import type { SqlClient } from "../db/sql-client.js";
import { METRIC_DEFINITIONS, type CiType, type MetricName } from "../vocabulary.js";
import { SqlParams, ciConditions, tenantCondition, whereClause, type CiFilters } from "./common.js";
import { explainNoCiMatch } from "./notes.js";

/** CIs the scope of a ci_metric call selects, with or without the metric. */
export async function countInScope(client: SqlClient, tenant: string, filters: CiFilters): Promise<number> {
  const params = new SqlParams();
  const [row] = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ops.cis c ${whereClause(ciConditions(tenant, filters, params))}`, params.values);
  return row?.n ?? 0;
}

/**
 * Why CIs in scope have no statistics: nothing in scope, CI types that never report this metric,
 * retired CIs (which report nothing), or series without samples in the window.
 */
export async function metricNote(
  client: SqlClient,
  tenant: string,
  metric: MetricName,
  filters: CiFilters,
  counts: { inScope: number; total: number; rows: number },
): Promise<string | null> {
  if (counts.inScope === 0) return explainNoCiMatch(client, tenant, filters);
  if (counts.total === counts.inScope) return counts.rows > 0 ? null : `the ${counts.total} ${metric} series in scope have no samples in the window`;
  const params = new SqlParams();
  const m = params.add(metric);
  const conditions = [
    ...ciConditions(tenant, filters, params),
    `NOT EXISTS (SELECT 1 FROM ops.metric_series s WHERE ${tenantCondition(tenant, params, "s")} AND s.ci_id = c.ci_id AND s.metric = ${m}::text)`,
  ];
  const missing = await client.query<{ type: CiType; retired: boolean; n: number }>(
    `SELECT c.type, c.status = 'retired' AS retired, count(*)::int AS n FROM ops.cis c ${whereClause(conditions)} GROUP BY 1, 2 ORDER BY 3 DESC, 1`,
    params.values,
  );
  const appliesTo: readonly string[] = METRIC_DEFINITIONS[metric].appliesTo;
  const reasons: string[] = [];
  const wrongType = missing.filter((r) => !appliesTo.includes(r.type));
  if (wrongType.length) reasons.push(`${wrongType.map((r) => `${r.n} ${r.type}`).join(", ")}: ${metric} is recorded only for ${appliesTo.join(", ")} CIs`);
  const retired = missing.filter((r) => appliesTo.includes(r.type) && r.retired);
  if (retired.length) reasons.push(`${retired.map((r) => `${r.n} ${r.type}`).join(", ")} retired: retired CIs report no metrics`);
  const other = missing.filter((r) => appliesTo.includes(r.type) && !r.retired);
  if (other.length) reasons.push(`${other.map((r) => `${r.n} ${r.type}`).join(", ")} without a ${metric} series`);
  const absent = counts.inScope - counts.total;
  const head = counts.total === 0 ? `none of the ${counts.inScope} CIs in scope has a ${metric} series` : `${absent} of the ${counts.inScope} CIs in scope have no ${metric} series`;
  return `${head} (${reasons.join("; ")})`;
}

