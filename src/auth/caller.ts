import { randomUUID } from "node:crypto";
import { CALLER_CONFIG_KEY, CallerContextSchema, localCaller, type CallerContext } from "../model/caller.js";
import { asAuthUser } from "./user.js";

/**
 * The caller context of a run on the LangGraph server. The server puts the user its auth handler
 * returned into every run's `configurable.langgraph_auth_user`, over anything the client sent
 * under that name; plangraph takes tenant, user and roles from there and nowhere else — a client's
 * `configurable.plangraph_caller` is never read.
 */

/** The `configurable` key under which the LangGraph server passes the authenticated user. */
export const AUTH_USER_CONFIG_KEY = "langgraph_auth_user";

let serverAuthActive = false;

/**
 * Called when the server loads plangraph's auth handler. Until then `langgraph_auth_user` is not
 * trusted: a server started without `auth.path` would pass a client's value through unchanged.
 */
export function markServerAuthActive(): void {
  serverAuthActive = true;
}

/** Whether this process serves requests through plangraph's auth handler. */
export function isServerAuthActive(): boolean {
  return serverAuthActive;
}

/**
 * The caller of the run whose config this is: the authenticated user's tenant, identity and roles
 * (source `auth` for a verified token, `default` while auth is off), the run id as trace id. Without
 * plangraph's auth handler on this server, or without a user, the local caller.
 */
export function callerFromRunConfig(configurable: Record<string, unknown> | undefined): CallerContext {
  const runId = configurable?.run_id;
  const traceId = typeof runId === "string" && runId.length > 0 && runId.length <= 128 ? runId : randomUUID();
  const user = serverAuthActive ? asAuthUser(configurable?.[AUTH_USER_CONFIG_KEY]) : undefined;
  if (!user) return localCaller(traceId);
  return CallerContextSchema.parse({ tenant: user.tenant, user: user.identity, roles: user.roles, trace_id: traceId, source: user.source });
}

/**
 * The run config with its caller pinned: `configurable[CALLER_CONFIG_KEY]` is the server's caller,
 * whatever the client wrote there, so no tool or node ever reads a client-made context.
 */
export function withCaller<T extends { configurable?: Record<string, unknown> | undefined }>(config: T, caller: CallerContext): T {
  return { ...config, configurable: { ...config.configurable, [CALLER_CONFIG_KEY]: caller } };
}
