import { z } from "zod";
import type { SqlClient } from "../db/sql-client.js";
import { SqlParams, ciConditions, whereClause, type CiFilters } from "./common.js";

/**
 * Why a valid request found nothing. `total: 0` alone cannot tell a typo from an empty window from
 * a CI type that has no such data; a plan's answer, a model reading the result, and an operator
 * each need the reason (issue 13, finding 4). Diagnostic queries run only when a result is empty.
 */

/** The `note` field every ops tool returns. */
export const Note = z
  .string()
  .nullable()
  .describe("Why there are no rows (or fewer than in scope): no such CI, no data of that kind, an empty window…; null when nothing is missing");

/** Quoted and bounded, for notes that echo input. */
export function quote(value: string): string {
  const shown = value.length > 60 ? `${value.slice(0, 60)}…` : value;
  return JSON.stringify(shown);
}

/** `a, b and 3 more`: a bounded list of ids for a note. */
export function listIds(ids: readonly string[], max = 5): string {
  const shown = ids.slice(0, max).map(quote).join(", ");
  return ids.length > max ? `${shown} and ${ids.length - max} more` : shown;
}

/** The note for an empty `ci_ids` list: a previous step found nothing. */
export const EMPTY_ID_LIST = "ci_ids is an empty list, so no CI is in scope (did the step that supplied it find nothing?)";

/** The single-field filters of `filters`, each described, for counting one at a time. */
function singleFilters(filters: CiFilters): Array<{ label: string; filter: CiFilters }> {
  const out: Array<{ label: string; filter: CiFilters }> = [];
  const list = (v: string | string[]) => (Array.isArray(v) ? v.join(" or ") : v);
  if (filters.query !== undefined && filters.query.length > 0) out.push({ label: `query ${quote(filters.query)}`, filter: { query: filters.query } });
  for (const field of ["type", "status", "environment", "criticality"] as const) {
    const value = filters[field];
    if (value !== undefined) out.push({ label: `${field} ${list(value)}`, filter: { [field]: value } });
  }
  for (const field of ["location", "owner_team"] as const) {
    const value = filters[field];
    if (value !== undefined) out.push({ label: `${field} ${quote(value)}`, filter: { [field]: value } });
  }
  if (filters.attributes !== undefined && Object.keys(filters.attributes).length > 0) {
    out.push({ label: `attributes ${JSON.stringify(filters.attributes)}`, filter: { attributes: filters.attributes } });
  }
  return out;
}

async function countCis(client: SqlClient, tenant: string, filters: CiFilters): Promise<number> {
  const params = new SqlParams();
  const [row] = await client.query<{ n: number }>(`SELECT count(*)::int AS n FROM ops.cis c ${whereClause(ciConditions(tenant, filters, params))}`, params.values);
  return row?.n ?? 0;
}

/**
 * Why no CI matches `filters`: an empty id list, ids that are no CI, the filters that match nothing
 * on their own, or — when each matches something — that only their combination is empty. Every
 * count is of the caller's tenant: another tenant's CI is "no CI", exactly like an id that exists nowhere.
 */
export async function explainNoCiMatch(client: SqlClient, tenant: string, filters: CiFilters): Promise<string> {
  if (filters.ci_ids !== undefined) {
    if (filters.ci_ids.length === 0) return EMPTY_ID_LIST;
    const known = await countCis(client, tenant, { ci_ids: filters.ci_ids });
    if (known === 0) return `none of the ${filters.ci_ids.length} given ci_ids is a CI: ${listIds(filters.ci_ids)}`;
  }
  const singles = singleFilters(filters);
  if (singles.length === 0) return `the estate holds no CIs of tenant ${quote(tenant)}`;
  const counts = await Promise.all(singles.map(async (s) => ({ ...s, n: await countCis(client, tenant, { ...s.filter, ci_ids: filters.ci_ids }) })));
  const scope = filters.ci_ids !== undefined ? " among the given ci_ids" : "";
  const none = counts.filter((c) => c.n === 0);
  if (none.length > 0) return `no CI${scope} matches ${none.map((c) => c.label).join(", nor ")}`;
  return `no CI${scope} matches all the filters together, though each matches some on its own (${counts.map((c) => `${c.label}: ${c.n}`).join("; ")})`;
}
