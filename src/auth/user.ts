import { z } from "zod";
import { DEFAULT_TENANT, LOCAL_ROLES, LOCAL_USER, TenantIdSchema } from "../model/caller.js";

/**
 * The user the LangGraph server knows a request by: what the auth handler's `authenticate`
 * returns, what every `auth.on(...)` handler receives, and what reaches the graphs as
 * `config.configurable.langgraph_auth_user`. LangGraph needs `identity`, `permissions`,
 * `display_name` and `is_authenticated`; plangraph adds the tenant and the roles.
 */

/** The claims a bearer token must carry (other claims are ignored). */
export const TokenClaimsSchema = z.object({
  /** The user. */
  sub: z.string().min(1).max(200),
  tenant: TenantIdSchema,
  roles: z.array(z.string().min(1).max(64)).max(32).default([]),
});
export type TokenClaims = z.infer<typeof TokenClaimsSchema>;

export const AuthUserSchema = z.object({
  identity: z.string().min(1).max(200),
  display_name: z.string(),
  is_authenticated: z.literal(true),
  /** The roles again, as LangGraph's `permissions` (its handlers and Studio read these). */
  permissions: z.array(z.string()),
  tenant: TenantIdSchema,
  roles: z.array(z.string().min(1).max(64)).max(32),
  /** `auth`: from a verified token; `default`: auth is off and the request runs as the local user. */
  source: z.enum(["auth", "default"]),
});
export type AuthUser = z.infer<typeof AuthUserSchema>;

/** The user of a verified token. */
export function userFromClaims(claims: TokenClaims): AuthUser {
  return { identity: claims.sub, display_name: claims.sub, is_authenticated: true, permissions: [...claims.roles], tenant: claims.tenant, roles: [...claims.roles], source: "auth" };
}

/** Who every request is while auth is off: the trusted local user of the default tenant, as for the CLI. */
export function localUser(): AuthUser {
  return { identity: LOCAL_USER, display_name: LOCAL_USER, is_authenticated: true, permissions: [...LOCAL_ROLES], tenant: DEFAULT_TENANT, roles: [...LOCAL_ROLES], source: "default" };
}

/**
 * The plangraph user a handler was called with, or undefined for anyone else — Studio's built-in
 * user, a malformed value. Handlers refuse the undefined case: no tenant, no access.
 */
export function asAuthUser(value: unknown): AuthUser | undefined {
  const parsed = AuthUserSchema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
