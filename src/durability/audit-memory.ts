import type { AuditEntry } from "../model/audit.js";
import { nextRow, verifyChain } from "./audit-chain.js";
import { checkAuditEntry, checkAuditFilter, DEFAULT_AUDIT_LIMIT, outcomeMatches, type AuditFilter, type AuditAnchor, type AuditTrail, type AuditVerification, type StoredAuditEntry } from "./audit-trail.js";

/**
 * The audit trail in process memory, for tests and in-process use: the same chain, checks and
 * filters as the database trails; gone with the process.
 */
export class MemoryAuditTrail implements AuditTrail {
  readonly where = "memory";
  private readonly rows: StoredAuditEntry[] = [];

  async append(entry: AuditEntry): Promise<void> {
    const checked = checkAuditEntry(entry);
    const last = this.rows[this.rows.length - 1];
    this.rows.push(nextRow(last, checked));
  }

  async list(filter: AuditFilter): Promise<AuditEntry[]> {
    const f = checkAuditFilter(filter);
    const since = f.since === undefined ? undefined : new Date(f.since).toISOString();
    const until = f.until === undefined ? undefined : new Date(f.until).toISOString();
    const matches = (e: AuditEntry): boolean =>
      (f.tenant === undefined || e.tenant === f.tenant) &&
      (f.user === undefined || e.user === f.user) &&
      (f.thread === undefined || e.thread_id === f.thread) &&
      (f.run_key === undefined || e.run_key === f.run_key) &&
      (f.step === undefined || e.step === f.step) &&
      (f.tool === undefined || e.tool === f.tool) &&
      (f.kind === undefined || e.kind === f.kind) &&
      (f.outcome === undefined || outcomeMatches(e.outcome, f.outcome)) &&
      (since === undefined || e.at >= since) &&
      (until === undefined || e.at <= until);
    const ordered = f.order === "oldest" ? this.rows : [...this.rows].reverse();
    return ordered
      .filter((row) => matches(row.entry))
      .slice(0, f.limit ?? DEFAULT_AUDIT_LIMIT)
      .map((row) => ({ ...row.entry }));
  }

  async verify(anchor?: AuditAnchor): Promise<AuditVerification> {
    const last = this.rows[this.rows.length - 1];
    return verifyChain(this.rows, last && { seq: last.seq, hash: last.hash }, anchor);
  }
}
