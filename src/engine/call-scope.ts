import { CALL_CONFIG_KEY, CALLER_CONFIG_KEY, CallerContextSchema, toolCallIdentity, type CallerContext, type ToolCallIdentity } from "../model/caller.js";
import type { AuditTrail } from "./audit-trail.js";

/**
 * Who a run's tool calls are made for and where they are recorded: set by the caller of the run
 * (runPlan), the same for every call of the run.
 */
export interface CallScope {
  caller: CallerContext;
  /** The run's thread, when it has one: part of the run's durable key (see {@link runKeyOf}). */
  threadId?: string;
  /** The audit trail of the run's side-effecting calls and approvals. */
  audit?: AuditTrail;
}

/** The identity one tool call carries: who, and which call (run, step, element). */
export interface CallIdentity {
  caller: CallerContext;
  call: ToolCallIdentity;
}

/**
 * The run's durable key, from which every call's idempotency key is derived: thread and run id for
 * a run on a thread, else the run id. Both survive kill and resume (the run id is kept in the
 * checkpoint, and the CLI records it before the first tool starts), so a write repeated after a
 * crash carries the key of its first attempt; a new run on the same thread (`--restart`, a second
 * run after one finished) gets a new run id, so its writes are its own and are not taken for repeats.
 */
export function runKeyOf(scope: Pick<CallScope, "threadId">, runId: string): string {
  return scope.threadId ? `${scope.threadId}/${runId}` : runId;
}

/** The identity of a step's call (an element's, with `itemIndex`) under the run's scope. */
export function callIdentity(scope: CallScope, runId: string, step: string, itemIndex?: number): CallIdentity {
  return { caller: scope.caller, call: toolCallIdentity(runKeyOf(scope, runId), step, itemIndex) };
}

/**
 * The LangChain config a tool is invoked with: the caller and the call identity under
 * `configurable` (LangChain's standard path, read with `callerFromConfig` / `callIdentityFromConfig`),
 * and who it runs for in `metadata`, which tracers see. This `configurable` replaces whatever the
 * surrounding graph run carried, so a field a client wrote into the run's config never reaches a tool.
 */
export function toolConfig(signal: AbortSignal, identity: CallIdentity | undefined): Record<string, unknown> {
  if (!identity) return { signal, configurable: {} };
  const { caller, call } = identity;
  return {
    signal,
    configurable: { [CALLER_CONFIG_KEY]: caller, [CALL_CONFIG_KEY]: call },
    metadata: { tenant: caller.tenant, user: caller.user, trace_id: caller.trace_id },
  };
}

/**
 * Warnings for identity fields in a run's `configurable` that its client may have written: they
 * are ignored (a tool's `configurable` is built from the run's caller alone), and the result says
 * so. `langgraph_auth_user` is the server's own when an auth layer reads it (`verified`), so it is
 * named only when nothing does.
 */
export function identityConfigWarnings(configurable: Record<string, unknown> | undefined, verified: boolean, chosen?: CallerContext): string[] {
  if (!configurable) return [];
  const keys = [CALLER_CONFIG_KEY, CALL_CONFIG_KEY, ...(verified ? [] : ["langgraph_auth_user"])];
  return keys
    .filter((key) => Object.prototype.hasOwnProperty.call(configurable, key))
    // The server pins the run's own caller there for its nodes (src/auth/served-graph.ts): not a client's field.
    .filter((key) => !(key === CALLER_CONFIG_KEY && chosen !== undefined && sameCaller(configurable[key], chosen)))
    .map((key) => `configurable.${key} cannot choose who the run is for; ignored (the caller context comes from the caller's credentials or options)`);
}

function sameCaller(value: unknown, caller: CallerContext): boolean {
  const parsed = CallerContextSchema.safeParse(value);
  if (!parsed.success) return false;
  const a = parsed.data;
  return a.tenant === caller.tenant && a.user === caller.user && a.trace_id === caller.trace_id && a.source === caller.source && a.roles.join("\u0000") === caller.roles.join("\u0000");
}
