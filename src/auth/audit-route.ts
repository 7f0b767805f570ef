import { Hono } from "hono";
import { z } from "zod";
import { AuditKindSchema, type AuditEntry } from "../model/audit.js";
import { describeError, type ErrorCode } from "../model/errors.js";
import { asAuthUser, type AuthUser } from "./user.js";

/**
 * `GET /plangraph/audit`: the audit trail of the caller's tenant, for its admins only, as a custom
 * route of the LangGraph server (`http.app` in langgraph.json). The server's auth middleware runs
 * before custom routes, so the request's user is the verified one (or the local user while auth is
 * off); a user without the admin role gets 403, and only the caller's tenant is ever read.
 */

/** The role that may read its tenant's audit trail. */
export const AUDIT_READER_ROLE = "admin";
export const AUDIT_ROUTE = "/plangraph/audit";

/** The filter the route reads with: always one tenant (the trail's own filter has more fields). */
export interface TenantAuditFilter {
  tenant: string;
  limit: number;
  thread?: string;
  user?: string;
  step?: string;
  tool?: string;
  kind?: AuditEntry["kind"];
  outcome?: string;
  since?: string;
  until?: string;
}

/** What the route needs of an audit trail (the durable backend's `audit` fits). */
export interface AuditReader {
  list(filter: TenantAuditFilter): Promise<AuditEntry[]>;
}

const QuerySchema = z
  .object({
    limit: z.coerce.number().int().positive().max(1000).default(100),
    thread: z.string().min(1).max(200).optional(),
    user: z.string().min(1).max(200).optional(),
    step: z.string().min(1).max(64).optional(),
    tool: z.string().min(1).max(200).optional(),
    kind: AuditKindSchema.optional(),
    outcome: z.string().min(1).max(200).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
  })
  .strict();

type Vars = { Variables: { auth?: { user?: unknown } } };

/**
 * The route, reading from the trail `reader()` opens (undefined: this server keeps no trail, 503).
 * Answers JSON `{ tenant, entries }`, newest first; errors are `{ error, message }`.
 */
export function auditRoutes(reader: () => Promise<AuditReader | undefined>): Hono<Vars> {
  const app = new Hono<Vars>();
  app.get(AUDIT_ROUTE, async (c) => {
    const user = asAuthUser(c.var.auth?.user);
    if (!user) return c.json(failure("UNAUTHENTICATED", "send 'Authorization: Bearer <token>'"), 401);
    if (!user.roles.includes(AUDIT_READER_ROLE)) return c.json(failure("FORBIDDEN", forbidden(user)), 403);
    const query = QuerySchema.safeParse(c.req.query());
    if (!query.success) {
      const issue = query.error.issues[0]!;
      return c.json(failure("USAGE", `query parameter '${issue.path.join(".") || "(query)"}': ${issue.message}`), 400);
    }
    let trail: AuditReader | undefined;
    let entries: AuditEntry[];
    try {
      trail = await reader();
      if (!trail) return c.json(failure("AUDIT_FAILED", "this server keeps no audit trail"), 503);
      entries = await trail.list({ ...query.data, tenant: user.tenant });
    } catch (error) {
      return c.json(failure("AUDIT_FAILED", `the audit trail could not be read: ${describeError(error)}`), 503);
    }
    // The reader was asked for one tenant; a row of another never leaves this server all the same.
    return c.json({ tenant: user.tenant, entries: entries.filter((entry) => entry.tenant === user.tenant) });
  });
  return app;
}

/** An error answer: one of plangraph's error codes and a sentence. */
function failure(code: ErrorCode, message: string): { error: ErrorCode; message: string } {
  return { error: code, message };
}

function forbidden(user: AuthUser): string {
  return `the audit trail of tenant '${user.tenant}' is for its '${AUDIT_READER_ROLE}' role; user '${user.identity}' has ${user.roles.length ? user.roles.map((r) => `'${r}'`).join(", ") : "no roles"}`;
}
