import { Auth, HTTPException } from "@langchain/langgraph-sdk/auth";
import { getContext } from "hono/context-storage";
import { CALLER_CONFIG_KEY } from "../model/caller.js";
import { isPlangraphError } from "../model/errors.js";
import type { RunAdmission } from "./admission.js";
import { RunOwners } from "./run-owners.js";
import { AUTH_USER_CONFIG_KEY, markServerAuthActive } from "./caller.js";
import type { AuthSettings } from "./keys.js";
import { searchesSystemAssistants, tenantFilter, withOwner, withoutOwner } from "./ownership.js";
import { verifyBearer } from "./token.js";
import { asAuthUser, localUser, type AuthUser } from "./user.js";

/**
 * plangraph's custom auth for the LangGraph server (`auth.path` in langgraph.json). `authenticate`
 * verifies the bearer token (or, with auth off, lets every request in as the local user of the
 * default tenant); the `on(...)` handlers stamp every new thread, run and assistant with its owner
 * and give every read, search, update and delete a filter on the caller's tenant, so another
 * tenant's threads, runs, state, history and pending approvals are "not found".
 */

export interface ServerAuthOptions {
  settings: AuthSettings;
  /** Per-tenant run limits, checked when a run is created (HTTP 429). */
  admission?: RunAdmission;
  /** The server's own assistants (one per graph): readable and runnable by every tenant. */
  systemAssistants?: ReadonlySet<string>;
}

type Metadata = Record<string, unknown> | null | undefined;
type Configurable = Record<string, unknown> | null | undefined;

/** Paths answered without a token: the liveness probe the dev server and load balancers poll. */
const OPEN_PATHS = new Set(["/ok"]);

/** What every handler needs: the options, the run owners, and the filter of a caller. */
interface Guards {
  options: ServerAuthOptions;
  system: ReadonlySet<string>;
  runOwners: RunOwners;
  filterFor: (owner: AuthUser) => Record<string, string> | undefined;
}

/** Builds the Auth instance the LangGraph server loads. */
export function createServerAuth(options: ServerAuthOptions): Auth {
  markServerAuthActive();
  const guards: Guards = {
    options,
    system: options.systemAssistants ?? new Set<string>(),
    runOwners: new RunOwners(),
    // With auth off there is one tenant and one user: no filters, so threads and assistants made
    // before (which carry no owner) and the server's own assistants are all listed as they were.
    filterFor: (owner) => (options.settings.enabled ? tenantFilter(owner) : undefined),
  };
  const auth = new Auth();
  auth.authenticate(async (request: Request) => {
    const user = await authenticateRequest(request, options.settings);
    const joined = RunOwners.joinedRun(new URL(request.url).pathname);
    if (joined && !("tenant" in user && guards.runOwners.owns(joined, user.tenant))) throw new HTTPException(404, { message: "Run not found" });
    return user;
  });
  guardThreads(auth, guards);
  guardAssistants(auth, guards);
  guardTheRest(auth, guards);
  return auth;
}

function guardThreads(auth: Auth, { options, system, runOwners, filterFor }: Guards): void {
  auth.on("threads:create", ({ value, user }) => {
    const owner = ownerOf(user);
    value.metadata = withOwner(value.metadata as Metadata, owner);
    return filterFor(owner);
  });
  auth.on("threads:create_run", async ({ value, user }) => {
    const owner = ownerOf(user);
    // The server has already put the verified user into this config (over the client's); a
    // caller context of the client's own is refused, so nobody believes it took effect.
    refuseClientCaller((value.kwargs as { config?: { configurable?: Configurable } } | undefined)?.config?.configurable, [CALLER_CONFIG_KEY], owner);
    // The server reads a run's assistant without asking the handlers: another tenant's assistant
    // (its config holds that tenant's plan) would run for this caller.
    if (!system.has(value.assistant_id)) await requireReadableAssistant(value.assistant_id);
    admit(options.admission, owner, value.run_id);
    runOwners.record(value.run_id, owner.tenant);
    value.metadata = withOwner(value.metadata as Metadata, owner);
    // (An async handler must resolve to a filter: the empty one matches every thread.)
    return filterFor(owner) ?? {};
  });
  auth.on("threads:update", ({ value, user }) => {
    const owner = ownerOf(user);
    if (value.metadata) value.metadata = withoutOwner(value.metadata as Metadata);
    return filterFor(owner);
  });
  auth.on(["threads:read", "threads:search", "threads:delete"], ({ user }) => filterFor(ownerOf(user)));
}

function guardAssistants(auth: Auth, { system, filterFor }: Guards): void {
  auth.on("assistants:create", ({ value, user }) => {
    const owner = ownerOf(user);
    value.metadata = withOwner(value.metadata as Metadata, owner);
    refuseClientCaller(value.config?.configurable, [CALLER_CONFIG_KEY, AUTH_USER_CONFIG_KEY], owner);
    return filterFor(owner);
  });
  auth.on("assistants:update", ({ value, user }) => {
    const owner = ownerOf(user);
    if (value.metadata) value.metadata = withoutOwner(value.metadata as Metadata);
    refuseClientCaller(value.config?.configurable, [CALLER_CONFIG_KEY, AUTH_USER_CONFIG_KEY], owner);
    return filterFor(owner);
  });
  auth.on("assistants:read", ({ value, user }) => {
    const owner = ownerOf(user);
    return system.has(value.assistant_id) ? undefined : filterFor(owner);
  });
  auth.on("assistants:search", ({ value, user }) => {
    const owner = ownerOf(user);
    return searchesSystemAssistants(value.metadata as Metadata) ? undefined : filterFor(owner);
  });
  auth.on("assistants:delete", ({ user }) => filterFor(ownerOf(user)));
}

function guardTheRest(auth: Auth, { filterFor }: Guards): void {
  auth.on("crons:create", ({ value, user }) => {
    const owner = ownerOf(user);
    if (value.payload) value.payload = { ...value.payload, metadata: withOwner(value.payload.metadata as Metadata, owner) };
    return filterFor(owner);
  });
  auth.on(["crons:read", "crons:update", "crons:delete", "crons:search"], ({ user }) => filterFor(ownerOf(user)));
  // The store's handlers can only refuse (the server ignores their filters): every namespace
  // must start with the caller's tenant.
  auth.on("store", ({ value, user }) => {
    const owner = ownerOf(user);
    const namespace = (value as { namespace?: string[] | null }).namespace;
    if (!namespace || namespace[0] !== owner.tenant) {
      throw new HTTPException(403, { message: `store namespaces of tenant '${owner.tenant}' start with ["${owner.tenant}"]` });
    }
    return undefined;
  });
  // Anything this handler does not know is refused rather than left open.
  auth.on("*", ({ event }) => {
    throw new HTTPException(403, { message: `'${event}' is not allowed on this server` });
  });
}

async function authenticateRequest(request: Request, settings: AuthSettings) {
  if (OPEN_PATHS.has(new URL(request.url).pathname) && request.method === "GET") {
    // No user: every handler refuses it, and /ok reads nothing.
    return { identity: "anonymous", display_name: "anonymous", is_authenticated: false, permissions: [] };
  }
  if (!settings.enabled) return localUser();
  try {
    return await verifyBearer(request.headers.get("authorization"), settings.keys);
  } catch (error) {
    const message = isPlangraphError(error) ? error.message : "the bearer token could not be verified";
    throw new HTTPException(401, { message, headers: { "WWW-Authenticate": `Bearer error="invalid_token"`, "content-type": "text/plain; charset=utf-8" } });
  }
}

/** The plangraph user of a handler call; anyone else (Studio's built-in user, /ok's anonymous) is refused. */
function ownerOf(user: unknown): AuthUser {
  const owner = asAuthUser(user);
  if (!owner) throw new HTTPException(403, { message: "this request has no plangraph tenant: send 'Authorization: Bearer <token>'" });
  return owner;
}

interface ServerContextVars {
  LANGGRAPH_OPS?: { assistants?: { get(id: string, auth: unknown): Promise<unknown> } };
  auth?: unknown;
}

/**
 * Reads the assistant through the server's own storage, as `assistants.get` does — which asks
 * the `assistants:read` handler, so another tenant's assistant is a 404 here too. The JS dev
 * server keeps its storage in the request's Hono context; without it the run is refused, never
 * let through unchecked.
 */
async function requireReadableAssistant(assistantId: string): Promise<void> {
  let vars: ServerContextVars | undefined;
  try {
    vars = getContext<{ Variables: ServerContextVars }>().var;
  } catch {
    vars = undefined;
  }
  const assistants = vars?.LANGGRAPH_OPS?.assistants;
  if (!assistants) throw new HTTPException(403, { message: `cannot check who owns assistant '${assistantId}' on this server; run the server's own assistants (by graph id) instead` });
  await assistants.get(assistantId, vars!.auth);
}

function admit(admission: RunAdmission | undefined, owner: AuthUser, runId: string): void {
  if (!admission) return;
  try {
    admission.admit(owner.tenant, runId);
  } catch (error) {
    if (isPlangraphError(error) && error.code === "TENANT_LIMIT") {
      throw new HTTPException(429, { message: error.message, headers: { "Retry-After": String(admission.retryAfterSeconds(owner.tenant)), "content-type": "text/plain; charset=utf-8" } });
    }
    throw error;
  }
}

/**
 * A run's or assistant's config may not carry a caller context: the tenant, user and roles are the
 * token's. Refused (HTTP 400, CONTEXT_SPOOFED naming the field) rather than dropped in silence.
 */
function refuseClientCaller(configurable: Configurable, keys: string[], owner: AuthUser): void {
  const field = keys.find((key) => configurable && Object.prototype.hasOwnProperty.call(configurable, key));
  if (!field) return;
  const message = `CONTEXT_SPOOFED: config.configurable.${field} is set by the server, not by a client; runs run for the bearer token's tenant '${owner.tenant}' and user '${owner.identity}'`;
  throw new HTTPException(400, { message, headers: { "content-type": "text/plain; charset=utf-8" } });
}
