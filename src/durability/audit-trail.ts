import { z } from "zod";
import { AuditEntrySchema, AuditKindSchema, type AuditEntry, type AuditSink } from "../model/audit.js";
import { PlangraphError, describeError } from "../model/errors.js";

/**
 * The audit trail as a store: append-only, readable by filter, and verifiable. Every store keeps
 * its rows in a hash chain (see audit-chain.ts), so a row changed, removed or slipped in behind the
 * application's back — with the database's own guards dropped first — is found by `verify`.
 */

/** A read of the trail. A reader that is not an admin must name its tenant. */
export const AuditFilterSchema = z
  .object({
    tenant: z.string().min(1).optional(),
    /** Read every tenant's entries: only for admins (the local, trusted CLI user is one). */
    allTenants: z.boolean().optional(),
    user: z.string().min(1).optional(),
    thread: z.string().min(1).optional(),
    run_key: z.string().min(1).optional(),
    step: z.string().min(1).optional(),
    tool: z.string().min(1).optional(),
    kind: AuditKindSchema.optional(),
    /** Exact outcome (`ok`) or its prefix before the colon (`failed` matches `failed:TOOL_FAILED`). */
    outcome: z.string().min(1).optional(),
    /** ISO-8601 instants, inclusive. */
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    limit: z.number().int().positive().max(100_000).optional(),
    /** `newest` first (default) or `oldest` first. */
    order: z.enum(["newest", "oldest"]).optional(),
  })
  .strict();
export type AuditFilter = z.input<typeof AuditFilterSchema>;

/** An entry as the trail holds it: its position in the chain and its hashes. */
export interface StoredAuditEntry {
  /** 1-based position in the chain. */
  seq: number;
  entry: AuditEntry;
  prev_hash: string;
  hash: string;
}

/**
 * A row's position and hash, recorded outside the database (a ticket, a log service): a later
 * `verify(anchor)` then also finds a chain rewritten whole from before that row on.
 */
export interface AuditAnchor {
  seq: number;
  hash: string;
}

/** What `verify` found: every row checked (and the head to anchor), or the first row where the chain breaks. */
export type AuditVerification = { ok: true; rows: number; head?: AuditAnchor } | { ok: false; rows: number; position: number; problem: string };

/** An audit sink that can also be read back and checked. */
export interface AuditTrail extends AuditSink {
  /** Entries matching `filter`, newest first unless `order: "oldest"`. */
  list(filter: AuditFilter): Promise<AuditEntry[]>;
  /** Walks the whole chain; names the first row that was changed, removed or inserted (or that differs from `anchor`). */
  verify(anchor?: AuditAnchor): Promise<AuditVerification>;
  /** Where the trail lives, for messages. */
  readonly where: string;
}

/** The default number of entries a read returns. */
export const DEFAULT_AUDIT_LIMIT = 1000;

/** The filter parsed, with the tenant rule applied: a USAGE error names what is wrong. */
export function checkAuditFilter(filter: AuditFilter): z.output<typeof AuditFilterSchema> {
  const parsed = AuditFilterSchema.safeParse(filter);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PlangraphError("USAGE", `audit filter: ${issue.path.map(String).join(".") || "filter"}: ${issue.message}`, { path: `$.${issue.path.map(String).join(".")}` });
  }
  if (parsed.data.tenant === undefined && parsed.data.allTenants !== true) {
    throw new PlangraphError("USAGE", "audit filter: a tenant is required (reading every tenant's entries is for admins only: allTenants)");
  }
  return parsed.data;
}

/**
 * The entry checked and normalised before it is chained: `at` becomes the canonical UTC form, so
 * the text order of instants is their time order (the `since`/`until` filters rely on it).
 */
export function checkAuditEntry(entry: AuditEntry): AuditEntry {
  const parsed = AuditEntrySchema.safeParse(entry);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new PlangraphError("AUDIT_FAILED", `audit entry rejected: ${issue.path.map(String).join(".")}: ${issue.message}`, { path: `$.${issue.path.map(String).join(".")}` });
  }
  const at = new Date(parsed.data.at);
  if (Number.isNaN(at.getTime())) throw new PlangraphError("AUDIT_FAILED", `audit entry rejected: at: '${parsed.data.at.slice(0, 40)}' is not an ISO-8601 instant`, { path: "$.at" });
  return { ...parsed.data, at: at.toISOString() };
}

/** Whether an outcome matches the filter's: exactly, or by the part before the colon. */
export function outcomeMatches(outcome: string, wanted: string): boolean {
  return outcome === wanted || outcome.startsWith(`${wanted}:`);
}

/** A failed append, as the typed error the sink contract promises (never silently lost). */
export function appendFailed(where: string, error: unknown): PlangraphError {
  if (error instanceof PlangraphError && error.code === "AUDIT_FAILED") return error;
  return new PlangraphError("AUDIT_FAILED", `cannot append to the audit trail in ${where}: ${describeError(error)}`, { cause: error });
}
