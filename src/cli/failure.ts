import { isPlangraphError, PlanValidationError, type PlangraphError } from "../model/errors.js";
import { safeLine } from "./escape.js";
import type { CliIO } from "./io.js";
import { EXIT } from "./summary.js";

/** How `--json` callers receive an error that stopped a command before or instead of a result. */
export interface JsonError {
  error: { code: string; message: string; step?: string; path?: string; problems?: Array<ReturnType<PlangraphError["toJSON"]>> };
}

/** The `--json` object for a PlangraphError: every problem of an invalid plan, structured. */
export function jsonError(error: PlangraphError): JsonError {
  const problems = error instanceof PlanValidationError ? error.issues.map((issue) => issue.toJSON()) : undefined;
  return { error: { ...error.toJSON(), ...(problems ? { problems } : {}) } };
}

/**
 * Reports what stopped a command. A PlangraphError is the user's to fix (exit 2): on stderr as
 * escaped, bounded lines, and under `--json` also as one JSON object on stdout. Anything else is
 * a bug in plangraph (exit 1), printed with its stack.
 */
/** Errors raised after a run's tools had started: the run failed (exit 1), it was not refused. */
const FAILED_WHILE_RUNNING: ReadonlySet<string> = new Set(["CHECKPOINT_FAILED", "STORE_FAILED", "STORE_WRITE_FAILED", "THREAD_LEASE_LOST"]);

export function reportFailure(error: unknown, io: CliIO, json: boolean): number {
  if (isPlangraphError(error) && error.code !== "INTERNAL") {
    if (json) io.out(`${JSON.stringify(jsonError(error))}\n`);
    io.err(`${humanLines(error).join("\n")}\n`);
    // Exit 2 promises that nothing ran; these fail a run that had started (tools may have run).
    return FAILED_WHILE_RUNNING.has(error.code) ? EXIT.failed : EXIT.invalid;
  }
  io.err(`internal error: ${safeLine(error instanceof Error ? (error.stack ?? error.message) : String(error), 20_000)}\n`);
  return EXIT.failed;
}

function humanLines(error: PlangraphError): string[] {
  if (error instanceof PlanValidationError) {
    return ["invalid plan:", ...error.issues.map((issue) => safeLine(`error ${issue.code}${issue.path ? ` at ${issue.path}` : ""}: ${issue.message}`))];
  }
  const [first = "", ...rest] = error.message.split("\n");
  return [safeLine(`error ${error.code}${error.step ? ` (step '${error.step}')` : ""}: ${first}`), ...rest.map((line) => safeLine(line))];
}
