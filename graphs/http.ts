/**
 * Custom routes of this LangGraph server (`http.app` in langgraph.json), behind the same auth as
 * every other route: `GET /plangraph/audit`, the audit trail of the caller's tenant for its admins
 * (src/auth/audit-route.ts, docs/SERVER.md "Auth").
 */
import { auditRoutes, type AuditReader } from "../src/auth/audit-route.js";

/**
 * The trail the server's runs are audited in. None is opened until the audit store (the durable
 * backend's `audit`) is part of this server: the route then answers 503 "this server keeps no audit
 * trail" rather than an empty list that would read as "nothing happened".
 */
async function serverAuditTrail(): Promise<AuditReader | undefined> {
  return undefined;
}

export const app = auditRoutes(serverAuditTrail);
