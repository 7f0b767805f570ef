/**
 * Custom routes of this LangGraph server (`http.app` in langgraph.json), behind the same auth as
 * every other route: `GET /plangraph/audit`, the audit trail of the caller's tenant for its admins
 * (src/auth/audit-route.ts, docs/SERVER.md "Auth").
 */
import { auditRoutes, type AuditReader } from "../src/auth/audit-route.js";
import { serverAuditReader } from "./audit-trail.js";

/** The trail the server's runs are audited in (graphs/audit-trail.ts); a trail that cannot be opened is 503. */
async function serverAuditTrail(): Promise<AuditReader | undefined> {
  return serverAuditReader();
}

export const app = auditRoutes(serverAuditTrail);
