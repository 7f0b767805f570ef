import { z } from "zod";
import { CiStatus, CiType, Criticality, Environment } from "../vocabulary.js";

/**
 * Input pieces shared by the ops tools, and the one place that turns CI filters into SQL. Values
 * only ever become `$n` parameters; the SQL text is assembled from fixed fragments.
 */

const NO_NUL = /^[^\u0000]*$/;

/** Free text: bounded, and without NUL (PostgreSQL text cannot hold it). */
export function text(max: number) {
  return z.string().max(max).regex(NO_NUL, "must not contain NUL characters");
}

/** A CI id such as `db-prod-01`; any text is accepted and treated as data, it simply matches nothing if unknown. */
export const CiId = z.string().min(1).max(128).regex(NO_NUL, "must not contain NUL characters");

/** Most CI ids one call takes: enough for a graph step's `ids`, small enough for one `= ANY($n)`. */
export const MAX_CI_IDS = 2000;

/** A list of CI ids; an empty list is allowed and matches nothing (a previous step found nothing). */
export const CiIdList = z.array(CiId).max(MAX_CI_IDS);

/** One value or a list of them (`"type": "host"` or `"type": ["host", "vm"]`). */
export function oneOrMany<T extends z.ZodType>(item: T, max: number) {
  return z.union([item, z.array(item).min(1).max(max)]);
}

/** A oneOrMany value as a list (undefined stays undefined). */
export function asList<T>(value: T | readonly T[] | undefined): T[] | undefined {
  if (value === undefined) return undefined;
  return Array.isArray(value) ? [...(value as readonly T[])] : [value as T];
}

/** Attribute equality filters, matched with JSON containment: `{ "engine": "postgresql", "cpu_cores": 64 }`. */
export const AttributeFilter = z
  .record(z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, "attribute names are lower_snake_case, up to 40 characters"), z.union([text(200), z.number().finite(), z.boolean()]))
  .refine((value) => Object.keys(value).length <= 10, "at most 10 attribute filters");

/** Filters every CI-scoped tool accepts. */
export const ciFilterShape = {
  query: text(200).optional().describe("Free text, matched case-insensitively inside the CI id, name and description"),
  type: oneOrMany(CiType, 7).optional().describe("CI type(s)"),
  status: oneOrMany(CiStatus, 5).optional().describe("Operational status(es)"),
  environment: oneOrMany(Environment, 3).optional().describe("Environment(s): prod, staging, dev"),
  criticality: oneOrMany(Criticality, 4).optional(),
  location: text(64).optional().describe("Data centre, e.g. fra1 (case-insensitive, exact)"),
  owner_team: text(64).optional().describe("Owning team, e.g. team-dba (case-insensitive, exact)"),
  attributes: AttributeFilter.optional().describe("Attribute values the CI must have, e.g. { \"engine\": \"postgresql\" }"),
  ci_ids: CiIdList.optional().describe("Only these CIs (e.g. the ids of a previous step)"),
};

/** The parsed CI filters (see ciFilterShape). */
export interface CiFilters {
  query?: string | undefined;
  type?: string | string[] | undefined;
  status?: string | string[] | undefined;
  environment?: string | string[] | undefined;
  criticality?: string | string[] | undefined;
  location?: string | undefined;
  owner_team?: string | undefined;
  attributes?: Record<string, string | number | boolean> | undefined;
  ci_ids?: string[] | undefined;
}

/** Collects `$n` parameters while SQL is assembled. */
export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/**
 * `alias.tenant = $n`: the condition every query puts on every ops table it reads, joins included.
 * Tenants share CI ids, so a join on ci_id alone would pair one tenant's CI with another's rows.
 */
export function tenantCondition(tenant: string, params: SqlParams, alias: string): string {
  return `${alias}.tenant = ${params.add(tenant)}::text`;
}

/**
 * WHERE conditions (joined with AND by the caller) for `filters` on the CI table aliased `alias`,
 * always starting with the caller's tenant: no filter, and no absence of filters, reaches another
 * tenant's CIs.
 */
export function ciConditions(tenant: string, filters: CiFilters, params: SqlParams, alias = "c"): string[] {
  const c = alias;
  const where: string[] = [tenantCondition(tenant, params, c)];
  if (filters.query !== undefined && filters.query.length > 0) where.push(`strpos(${c}.search_text, lower(${params.add(filters.query)}::text)) > 0`);
  const lists: Array<[keyof CiFilters, string]> = [
    ["type", "type"],
    ["status", "status"],
    ["environment", "environment"],
    ["criticality", "criticality"],
  ];
  for (const [field, column] of lists) {
    const values = asList(filters[field] as string | string[] | undefined);
    if (values) where.push(`${c}.${column} = ANY(${params.add(values)}::text[])`);
  }
  if (filters.location !== undefined) where.push(`lower(${c}.location) = lower(${params.add(filters.location)}::text)`);
  if (filters.owner_team !== undefined) where.push(`lower(${c}.owner_team) = lower(${params.add(filters.owner_team)}::text)`);
  if (filters.attributes !== undefined && Object.keys(filters.attributes).length > 0) {
    where.push(`${c}.attributes @> ${params.add(JSON.stringify(filters.attributes))}::jsonb`);
  }
  if (filters.ci_ids !== undefined) where.push(`${c}.ci_id = ANY(${params.add(filters.ci_ids)}::text[])`);
  return where;
}

/** `WHERE a AND b`, or nothing. */
export function whereClause(conditions: readonly string[]): string {
  return conditions.length > 0 ? `WHERE ${conditions.join(" AND ")}` : "";
}

/** An ISO-8601 UTC string from a timestamptz, formatted by the database so both drivers agree. */
export function isoSql(expression: string): string {
  return `to_char(${expression} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
}

/** Attributes a CI may carry; all optional, so references to any of them type-check. */
export const CiAttributes = z.object({
  domain: z.string().optional(),
  tier: z.string().optional(),
  sla: z.string().optional(),
  oncall: z.string().optional(),
  component: z.string().optional(),
  language: z.string().optional(),
  version: z.string().optional(),
  port: z.number().optional(),
  os: z.string().optional(),
  cpu_cores: z.number().optional(),
  memory_gb: z.number().optional(),
  ip: z.string().optional(),
  cluster: z.string().optional(),
  rack: z.string().optional(),
  vendor: z.string().optional(),
  model: z.string().optional(),
  role: z.string().optional(),
  engine: z.string().optional(),
  storage_gb: z.number().optional(),
  vip: z.string().optional(),
  algorithm: z.string().optional(),
});

/** A configuration item as the tools return it. */
export const CiRow = z.object({
  ci_id: z.string(),
  name: z.string(),
  type: CiType,
  status: CiStatus,
  environment: Environment,
  location: z.string(),
  owner_team: z.string(),
  criticality: Criticality,
  description: z.string(),
  attributes: CiAttributes,
  updated_at: z.string().describe("ISO-8601 UTC"),
});
/** A configuration item as the tools return it. */
export type CiRow = z.infer<typeof CiRow>;

/** The select list of a CiRow from the CI table aliased `c`. */
export const CI_COLUMNS_SQL = (c = "c") =>
  `${c}.ci_id, ${c}.name, ${c}.type, ${c}.status, ${c}.environment, ${c}.location, ${c}.owner_team, ${c}.criticality, ${c}.description, ${c}.attributes, ${isoSql(`${c}.updated_at`)} AS updated_at`;
