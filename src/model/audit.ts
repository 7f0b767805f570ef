import { createHash } from "node:crypto";
import { z } from "zod";

/**
 * The audit trail: one entry per side-effecting call, approval, rejection and refused call. It is
 * appended beside the checkpoints (SQLite or PostgreSQL) and never updated or deleted by the
 * application. Params are kept only as a digest.
 */

export const AuditKindSchema = z.enum(["tool_call", "approval", "rejection", "refusal", "run_refused"]);
export type AuditKind = z.infer<typeof AuditKindSchema>;

export const AuditEntrySchema = z.object({
  kind: AuditKindSchema,
  /** ISO-8601 instant. */
  at: z.string(),
  tenant: z.string(),
  user: z.string(),
  trace_id: z.string(),
  thread_id: z.string().nullable(),
  run_key: z.string().nullable(),
  step: z.string().nullable(),
  item_index: z.number().int().nullable(),
  tool: z.string().nullable(),
  /** sha256 of the canonical JSON of the params, never the params. */
  params_digest: z.string().nullable(),
  /** `ok`, `failed`, `approved`, `rejected`, `refused`, with the error code after a colon. */
  outcome: z.string(),
  /** One line of detail: the refusing rule, the error message. Never raw params or outputs. */
  detail: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof AuditEntrySchema>;

/** Where audit entries go. Appending must not lose an entry silently: it throws on failure. */
export interface AuditSink {
  append(entry: AuditEntry): Promise<void>;
}

/** A digest of params: key order does not change it. */
export function paramsDigest(params: unknown): string {
  return createHash("sha256").update(canonicalJson(params)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value ?? null);
}
