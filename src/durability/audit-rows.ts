import type { AuditEntry } from "../model/audit.js";
import { DEFAULT_AUDIT_LIMIT, type AuditFilterSchema, type StoredAuditEntry } from "./audit-trail.js";
import type { z } from "zod";

/**
 * How an audit entry maps to SQL columns, shared by the SQLite and PostgreSQL trails: one column
 * per field (so reads filter in SQL), plus the row's position and hashes.
 */

/** Entry fields in column order; `user` is `user_id` in SQL (a reserved word in PostgreSQL). */
const FIELD_COLUMNS: ReadonlyArray<readonly [keyof AuditEntry, string]> = [
  ["kind", "kind"],
  ["at", "at"],
  ["tenant", "tenant"],
  ["user", "user_id"],
  ["trace_id", "trace_id"],
  ["thread_id", "thread_id"],
  ["run_key", "run_key"],
  ["step", "step"],
  ["item_index", "item_index"],
  ["tool", "tool"],
  ["params_digest", "params_digest"],
  ["outcome", "outcome"],
  ["detail", "detail"],
];

/** Every column of the audit table, in insert order. */
export const AUDIT_COLUMNS: readonly string[] = ["seq", ...FIELD_COLUMNS.map(([, column]) => column), "prev_hash", "hash"];

/** Column definitions (types that both SQLite and PostgreSQL read the same way). */
export function auditColumnsDdl(integer: string): string {
  const types: Record<string, string> = { seq: `${integer} PRIMARY KEY`, item_index: integer, prev_hash: "TEXT NOT NULL", hash: "TEXT NOT NULL" };
  const notNull = new Set(["kind", "at", "tenant", "user_id", "trace_id", "outcome"]);
  return AUDIT_COLUMNS.map((c) => `${c} ${types[c] ?? (notNull.has(c) ? "TEXT NOT NULL" : "TEXT")}`).join(", ");
}

/** The values of a row, in AUDIT_COLUMNS order. */
export function rowValues(row: StoredAuditEntry): unknown[] {
  return [row.seq, ...FIELD_COLUMNS.map(([field]) => row.entry[field]), row.prev_hash, row.hash];
}

/** A row read back (its columns by name) as a stored entry. Numbers may arrive as strings (PostgreSQL BIGINT). */
export function rowFromColumns(columns: Record<string, unknown>): StoredAuditEntry {
  const entry: Record<string, unknown> = {};
  for (const [field, column] of FIELD_COLUMNS) entry[field] = columns[column] ?? null;
  if (entry.item_index !== null) entry.item_index = Number(entry.item_index);
  return { seq: Number(columns.seq), entry: entry as AuditEntry, prev_hash: String(columns.prev_hash), hash: String(columns.hash) };
}

/** A filter as SQL: the WHERE clause (placeholders from `param`), ORDER BY and LIMIT, and the values. */
export function filterSql(filter: z.output<typeof AuditFilterSchema>, param: (index: number) => string): { sql: string; values: unknown[] } {
  const where: string[] = [];
  const values: unknown[] = [];
  const add = (clause: (p: string) => string, value: unknown) => {
    values.push(value);
    where.push(clause(param(values.length)));
  };
  if (filter.tenant !== undefined) add((p) => `tenant = ${p}`, filter.tenant);
  if (filter.user !== undefined) add((p) => `user_id = ${p}`, filter.user);
  if (filter.thread !== undefined) add((p) => `thread_id = ${p}`, filter.thread);
  if (filter.run_key !== undefined) add((p) => `run_key = ${p}`, filter.run_key);
  if (filter.step !== undefined) add((p) => `step = ${p}`, filter.step);
  if (filter.tool !== undefined) add((p) => `tool = ${p}`, filter.tool);
  if (filter.kind !== undefined) add((p) => `kind = ${p}`, filter.kind);
  if (filter.outcome !== undefined) {
    // The prefix is matched literally: a `%` or `_` in it is no wildcard.
    values.push(filter.outcome, `${filter.outcome.replace(/[\\%_]/g, (c) => `\\${c}`)}:%`);
    where.push(`(outcome = ${param(values.length - 1)} OR outcome LIKE ${param(values.length)} ESCAPE '\\')`);
  }
  // Stored instants are canonical UTC (checkAuditEntry), so text order is time order.
  if (filter.since !== undefined) add((p) => `at >= ${p}`, new Date(filter.since).toISOString());
  if (filter.until !== undefined) add((p) => `at <= ${p}`, new Date(filter.until).toISOString());
  values.push(filter.limit ?? DEFAULT_AUDIT_LIMIT);
  const order = filter.order === "oldest" ? "ASC" : "DESC";
  return { sql: `${where.length ? `WHERE ${where.join(" AND ")} ` : ""}ORDER BY seq ${order} LIMIT ${param(values.length)}`, values };
}
