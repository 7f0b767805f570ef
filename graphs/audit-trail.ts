/**
 * The audit trail of this server's runs (docs/AUDIT.md): side-effecting calls, approvals,
 * rejections and refusals are appended to the default trail — `.data/audit.sqlite`, or with
 * DATABASE_URL the PostgreSQL schema `plangraph_audit` (PLANGRAPH_AUDIT_DB names another) — the
 * same trail `plangraph audit` reads, and `GET /plangraph/audit` reads it back for a tenant's admins.
 */
import { defaultAuditDb, lazyAuditSink, openAuditTrail, type ClosableAuditTrail } from "../src/durability/audit-open.js";
import type { AuditSink } from "../src/model/audit.js";

let sink: AuditSink | undefined;
let reader: Promise<ClosableAuditTrail> | undefined;

/** Where every run of this server process records; opened on the first entry. */
export function serverAuditSink(): AuditSink {
  sink ??= lazyAuditSink(defaultAuditDb(process.env), process.env);
  return sink;
}

/** The same trail, opened for reading (created empty when no run has written to it yet). */
export function serverAuditReader(): Promise<ClosableAuditTrail> {
  reader ??= openAuditTrail(defaultAuditDb(process.env), process.env).catch((error: unknown) => {
    reader = undefined; // a database that was down is tried again on the next request
    throw error;
  });
  return reader;
}
