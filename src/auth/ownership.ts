import type { AuthUser } from "./user.js";

/**
 * Who owns a thread, run or assistant on the LangGraph server, kept in its metadata, and the
 * filters that make everything of another tenant invisible. The JS server applies a handler's
 * filter to the stored metadata on every read, search, update and delete (`isAuthMatching` in
 * @langchain/langgraph-api), and answers "not found" when it does not match.
 */

export const OWNER_TENANT_KEY = "owner_tenant";
export const OWNER_USER_KEY = "owner_user";
/** The server marks the assistants it creates for each graph with `created_by: "system"`. */
export const CREATED_BY_KEY = "created_by";
export const SYSTEM_CREATOR = "system";

const RESERVED_KEYS = [OWNER_TENANT_KEY, OWNER_USER_KEY, CREATED_BY_KEY];

type Metadata = Record<string, unknown>;

/** The owner entries a new resource gets, over whatever the client sent under those names. */
export function withOwner(metadata: Metadata | null | undefined, user: AuthUser): Metadata {
  return { ...withoutOwner(metadata), [OWNER_TENANT_KEY]: user.tenant, [OWNER_USER_KEY]: user.identity };
}

/**
 * The client's metadata minus the owner entries: an update merges metadata into the stored one,
 * so a client that sent `owner_tenant` could hand its thread to another tenant (or pose as the
 * server's own assistants with `created_by: "system"`).
 */
export function withoutOwner(metadata: Metadata | null | undefined): Metadata {
  const copy: Metadata = {};
  for (const [key, value] of Object.entries(metadata ?? {})) if (!RESERVED_KEYS.includes(key)) copy[key] = value;
  return copy;
}

/** The filter of every read: the caller's tenant only. */
export function tenantFilter(user: AuthUser): Record<string, string> {
  return { [OWNER_TENANT_KEY]: user.tenant };
}

/**
 * True when an assistant search asks only for the server's own assistants: the search's own
 * metadata filter then already keeps every tenant's assistants out (they can never carry
 * `created_by: "system"`, see {@link withoutOwner}), so the tenant filter, which would hide the
 * server's assistants, is not added.
 */
export function searchesSystemAssistants(metadata: Metadata | null | undefined): boolean {
  return metadata?.[CREATED_BY_KEY] === SYSTEM_CREATOR;
}
