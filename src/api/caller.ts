import { randomBytes } from "node:crypto";
import { CallerContextSchema, localCaller, type CallerContext } from "../model/caller.js";
import { PlangraphError } from "../model/errors.js";

/** A fresh trace id: 32 hex digits, the shape of a W3C / OpenTelemetry trace id. */
export function newTraceId(): string {
  return randomBytes(16).toString("hex");
}

/**
 * The run's caller context: the caller's, validated (a malformed one is USAGE naming the field,
 * `caller.tenant`, before anything runs), or the trusted local caller (tenant `acme`, user `local`,
 * role `admin`) with a fresh trace id.
 */
export function callerFor(given: unknown): CallerContext {
  if (given === undefined) return localCaller(newTraceId());
  const parsed = CallerContextSchema.safeParse(given);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const field = ["caller", ...issue.path.map(String)].join(".");
  throw new PlangraphError("USAGE", `${field}: ${issue.message}`, { path: field });
}
