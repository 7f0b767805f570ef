import { echo, escapeUnsafeInMessage } from "./echo.js";

/**
 * One error taxonomy for everything plangraph rejects or reports.
 *
 * Every error carries a stable `code` (for programs and tests), the JSON path of the offending
 * plan field when there is one (for editors and for the model that wrote the plan), and a
 * sentence a person can act on.
 */
export type ErrorCode =
  // plan shape and identity
  | "PLAN_INVALID"
  | "PLAN_TOO_LARGE"
  | "DUPLICATE_ID"
  | "BAD_ID"
  | "UNKNOWN_STEP"
  | "UNKNOWN_TOOL"
  | "PLAN_CYCLE"
  | "LIMIT_EXCEEDED"
  // references and conditions
  | "BAD_REFERENCE"
  | "REFERENCE_NOT_IN_SCHEMA"
  | "REFERENCE_TYPE_MISMATCH"
  | "BAD_CONDITION"
  // fan-out (for_each)
  | "BAD_FOR_EACH"
  | "FOR_EACH_NOT_LIST"
  | "FOR_EACH_ITEM_FAILED"
  // decisions
  | "BAD_DECISION"
  // run time
  | "TOOL_INPUT_INVALID"
  | "TOOL_FAILED"
  | "TOOL_TIMEOUT"
  | "OUTPUT_TOO_LARGE"
  | "OUTPUT_NOT_SERIALIZABLE"
  | "MISSING_REFERENCE"
  | "STEP_REJECTED"
  | "APPROVAL_REQUIRED"
  | "RUN_ABORTED"
  | "RUN_BUDGET_EXCEEDED"
  | "LOCK_TIMEOUT"
  // durability
  | "CHECKPOINT_FAILED"
  | "STORE_FAILED"
  | "NOT_DURABLE"
  | "STORE_WRITE_FAILED"
  | "INTERNAL"
  // durable runs (threads, their database, the tools module they ran with)
  | "THREAD_BUSY"
  | "THREAD_HAS_UNFINISHED_RUN"
  | "THREAD_LEASE_LOST"
  | "DATABASE_NOT_FOUND"
  | "DATABASE_UNUSABLE"
  | "TOOLS_MODULE_MISMATCH"
  // caller identity, policy and tenant limits
  | "UNAUTHENTICATED"
  | "CONTEXT_SPOOFED"
  | "TOOL_NOT_ALLOWED"
  | "APPROVER_NOT_ALLOWED"
  | "FORBIDDEN"
  | "TENANT_LIMIT"
  | "POLICY_INVALID"
  | "AUDIT_FAILED"
  | "IDEMPOTENCY_CONFLICT"
  // the run queue
  | "QUEUE_FAILED"
  | "RUN_NOT_FOUND"
  // usage
  | "USAGE";

export interface PlangraphErrorOptions {
  /** JSON path of the plan field at fault, e.g. `$.steps[2].output_mapping.ci_id`. */
  path?: string;
  /** The step or decision id the error is about. */
  step?: string;
  cause?: unknown;
}

/** Longest JSON path an error carries: real paths are far shorter, hostile keys are not. */
const MAX_ECHOED_PATH = 256;

/** Base class of every error plangraph throws on purpose. */
export class PlangraphError extends Error {
  readonly code: ErrorCode;
  readonly path: string | undefined;
  readonly step: string | undefined;

  constructor(code: ErrorCode, message: string, options: PlangraphErrorOptions = {}) {
    // Messages and fields repeat user input; none may carry terminal controls or run to 100 KB.
    super(escapeUnsafeInMessage(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "PlangraphError";
    this.code = code;
    this.path = options.path === undefined ? undefined : echo(options.path, MAX_ECHOED_PATH);
    this.step = options.step === undefined ? undefined : echo(options.step);
  }

  /** A plain object for JSON output (`--json`, server responses). */
  toJSON(): { code: ErrorCode; message: string; path?: string; step?: string } {
    return {
      code: this.code,
      message: this.message,
      ...(this.path === undefined ? {} : { path: this.path }),
      ...(this.step === undefined ? {} : { step: this.step }),
    };
  }
}

/** A plan that cannot run: every problem found, not just the first. */
export class PlanValidationError extends PlangraphError {
  readonly issues: readonly PlangraphError[];

  constructor(issues: readonly PlangraphError[]) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more problem${issues.length > 2 ? "s" : ""})` : "";
    super(first?.code ?? "PLAN_INVALID", `${first?.message ?? "invalid plan"}${more}`, {
      path: first?.path,
      step: first?.step,
    });
    this.name = "PlanValidationError";
    this.issues = issues;
  }
}

export function isPlangraphError(value: unknown): value is PlangraphError {
  return value instanceof PlangraphError;
}

/** The message of anything thrown, without assuming it is an Error. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "string") return error;
  try {
    return JSON.stringify(error);
  } catch {
    return String(error);
  }
}
