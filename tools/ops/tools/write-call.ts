import { randomBytes, randomUUID } from "node:crypto";
import type { RunnableConfig } from "@langchain/core/runnables";
import { z } from "zod";
import { LOCAL_USER, callIdentityFromConfig, callerFromConfig } from "../../../src/model/caller.js";
import { PlangraphError } from "../../../src/model/errors.js";
import type { TenantDatabase } from "./context.js";
import { Note } from "./notes.js";

/**
 * What every ops write tool shares: who the write is for, the idempotency key it is stored under,
 * and the rule that a key names one write. The database enforces the key (`UNIQUE (tenant,
 * idempotency_key)`): a tool inserts with `ON CONFLICT DO NOTHING` and then reads the stored row,
 * so the first call and every repeat of it (a retry, a resume after a crash, a concurrent
 * duplicate) return the same stored write, and only the first changes anything.
 */

/** The note of a write made without a call identity: nothing can recognise a repeat of it. */
export const FRESH_KEY_NOTE =
  "called without a call identity (outside a plan run), so this write used a fresh idempotency key: repeating the call writes again";

/** Who a write is for and the key it is stored under. */
export interface WriteCall {
  tenant: string;
  /** The caller's user, recorded with the write (`local` for a direct call). */
  user: string;
  idempotencyKey: string;
  /** True when the key is the call's own (a plan run's step); false when it was made up for a direct call. */
  keyed: boolean;
}

/** The write call of a tool call: the tenant of the database scope, the caller's user, and the call's idempotency key (or a fresh one). */
export function writeCallOf(db: TenantDatabase, config: RunnableConfig): WriteCall {
  const identity = callIdentityFromConfig(config);
  return {
    tenant: db.tenant,
    user: callerFromConfig(config)?.user ?? LOCAL_USER,
    idempotencyKey: identity?.idempotency_key ?? `direct-${randomUUID()}`,
    keyed: identity !== undefined,
  };
}

/** Refuses to write into a database whose writes would be lost (a private copy of an estate another process has open). */
export function assertWritable(db: TenantDatabase, tool: string): void {
  if (db.writable === false) {
    throw new PlangraphError(
      "TOOL_FAILED",
      `${tool}: the embedded estate ${db.location} is open in another process, and this one reads a private copy of it, where a write would be lost; ` +
        "run the writes in the process that has it open, or use PostgreSQL (DATABASE_URL)",
    );
  }
}

/** A new row id: `<prefix>-` and 12 random hex digits (no sequence, so ids reveal nothing about other tenants' writes). */
export function newRowId(prefix: string): string {
  return `${prefix}-${randomBytes(6).toString("hex")}`;
}

/** A stored write found under the call's key must be the same request; a key reused for other params is refused, naming both. */
export function assertSameRequest(tool: string, call: WriteCall, storedDigest: string, digest: string, stored: string): void {
  if (storedDigest === digest) return;
  throw new PlangraphError(
    "IDEMPOTENCY_CONFLICT",
    `${tool}: idempotency key ${call.idempotencyKey} already recorded ${stored} with other params; a repeated call must repeat the same params, and a new write needs a new key (another step or run)`,
  );
}

/** The fields every write tool's output carries beside its rows. */
export const writeOutputShape = {
  total: z.number().int().describe("Rows written or replayed: 1"),
  ids: z.array(z.string()).describe("ci_id of the CI the write is about"),
  replayed: z.boolean().describe("True when this call's idempotency key had already been used: nothing changed, the stored write is returned"),
  idempotency_key: z.string().describe("The key the write is stored under"),
  note: Note,
};

/** The output fields of a write, from the stored row's CI and the insert's outcome. */
export function writeOutcome(call: WriteCall, ciId: string, inserted: boolean) {
  return { total: 1, ids: [ciId], replayed: !inserted, idempotency_key: call.idempotencyKey, note: call.keyed ? null : FRESH_KEY_NOTE };
}
