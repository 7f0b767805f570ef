import { createHash } from "node:crypto";
import { z } from "zod";

/**
 * Who a run runs for. The caller context comes from the caller — the CLI's flags, the library's
 * option, the LangGraph server's auth handler — never from the plan and never from a field a
 * client can write. It reaches every tool call through LangChain's standard config path
 * (`config.configurable[CALLER_CONFIG_KEY]`), so a tool written with `tool()` reads it with
 * {@link callerFromConfig}.
 */

/** A tenant id: lower-case, short, safe in SQL parameters, file names and log lines. */
export const TenantIdSchema = z.string().regex(/^[a-z][a-z0-9-]{0,39}$/, "a tenant id is lower-case letters, digits and '-', starting with a letter, at most 40 characters");

export const CallerContextSchema = z
  .object({
    tenant: TenantIdSchema,
    /** The user (a token's `sub`; `local` for a trusted local user). */
    user: z.string().min(1).max(200),
    roles: z.array(z.string().min(1).max(64)).max(32),
    /** Joins the run's OpenTelemetry trace and every audit entry. */
    trace_id: z.string().min(1).max(128),
    /** Where the context came from: a verified token, the CLI's flags, or the library's option. */
    source: z.enum(["auth", "cli", "library", "default"]),
  })
  .strict();
export type CallerContext = z.infer<typeof CallerContextSchema>;

/** The tenant of local runs that name none. */
export const DEFAULT_TENANT = "acme";
/** The user of local runs that name none. */
export const LOCAL_USER = "local";
/** A local user is trusted: by default they hold every role. */
export const LOCAL_ROLES: readonly string[] = ["admin"];

/**
 * Input field names (lower-cased) by which a plan might try to choose the tenant or user a tool
 * acts for. Identity comes from the caller only: such a field is refused (CONTEXT_SPOOFED) where
 * the tool does not declare it, and never changes the context where it does.
 */
export const IDENTITY_FIELDS: ReadonlySet<string> = new Set(["tenant", "tenant_id", "tenantid", "user", "user_id", "userid", "roles", "caller"]);

/** The `configurable` key that carries the caller context into every tool call. */
export const CALLER_CONFIG_KEY = "plangraph_caller";
/** The `configurable` key that carries the call's identity (run, step, element, idempotency key). */
export const CALL_CONFIG_KEY = "plangraph_call";

/** The identity of one tool call, for idempotent side effects and the audit trail. */
export const ToolCallIdentitySchema = z.object({
  /** The run's durable key: the thread id for durable runs (the same across resumes), else a fresh run id. */
  run_key: z.string().min(1),
  step: z.string().min(1),
  /** The element's position for a for_each step. */
  item_index: z.number().int().nonnegative().optional(),
  /** Derived from run_key, step and item_index: the same call after a crash carries the same key. */
  idempotency_key: z.string().min(1),
});
export type ToolCallIdentity = z.infer<typeof ToolCallIdentitySchema>;

/**
 * The idempotency key of one call: stable across kill and resume (it depends only on the run's
 * durable key, the step and the element), distinct between steps, elements and runs.
 */
export function idempotencyKey(runKey: string, step: string, itemIndex?: number): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify([runKey, step, itemIndex ?? null]));
  return hash.digest("hex").slice(0, 40);
}

/** The identity of a call, its key derived. */
export function toolCallIdentity(runKey: string, step: string, itemIndex?: number): ToolCallIdentity {
  return { run_key: runKey, step, ...(itemIndex === undefined ? {} : { item_index: itemIndex }), idempotency_key: idempotencyKey(runKey, step, itemIndex) };
}

/** The local caller: tenant `acme` unless named, user `local`, every role. */
export function localCaller(traceId: string, overrides: Partial<Pick<CallerContext, "tenant" | "user" | "roles" | "source">> = {}): CallerContext {
  return CallerContextSchema.parse({
    tenant: overrides.tenant ?? DEFAULT_TENANT,
    user: overrides.user ?? LOCAL_USER,
    roles: overrides.roles ?? [...LOCAL_ROLES],
    trace_id: traceId,
    source: overrides.source ?? "default",
  });
}

interface ConfigLike {
  configurable?: Record<string, unknown> | undefined;
}

/**
 * The caller context a tool was called with, or undefined when the call came from outside a run
 * (a tool invoked directly). A malformed value is treated as absent, never trusted in part.
 */
export function callerFromConfig(config: ConfigLike | undefined): CallerContext | undefined {
  const parsed = CallerContextSchema.safeParse(config?.configurable?.[CALLER_CONFIG_KEY]);
  return parsed.success ? parsed.data : undefined;
}

/** The identity of the call a tool was called with, or undefined outside a run. */
export function callIdentityFromConfig(config: ConfigLike | undefined): ToolCallIdentity | undefined {
  const parsed = ToolCallIdentitySchema.safeParse(config?.configurable?.[CALL_CONFIG_KEY]);
  return parsed.success ? parsed.data : undefined;
}

/** The tenant a tool call runs for: the caller's, or the default tenant for a direct call. */
export function tenantOf(config: ConfigLike | undefined): string {
  return callerFromConfig(config)?.tenant ?? DEFAULT_TENANT;
}
