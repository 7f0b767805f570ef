import { MAX_OUTPUT_DEPTH, nestingDepth } from "./output-depth.js";
import { describeError, PlangraphError } from "../model/errors.js";
import type { RetryPolicy } from "../plan/schema.js";
import type { RegisteredTool } from "../tools/registry.js";
import { abortableDelay } from "../tools/builtin.js";
import type { AuditTrail } from "./audit-trail.js";
import { toolConfig, type CallIdentity } from "./call-scope.js";

export interface ToolCallRequest {
  stepId: string;
  tool: RegisteredTool;
  input: unknown;
  retry?: RetryPolicy;
  timeoutMs?: number;
  /** Aborted when the run is cancelled: the call and any backoff stop at once. */
  signal: AbortSignal;
  maxOutputBytes: number;
  /** Called before each attempt (1-based), e.g. for tracing and progress. */
  onAttempt?: (attempt: number) => void;
  /** Who the call is made for and which call it is: handed to the tool in its config. */
  identity?: CallIdentity;
  /** Where a side-effecting call is recorded once it has ended, with its outcome. */
  audit?: AuditTrail;
}

export type ToolCallResult = (
  | { ok: true; output: unknown; attempts: number }
  | { ok: false; error: { code: string; message: string }; attempts: number }
) & {
  /** Problems the call's record must carry (an audit entry that could not be appended). */
  warnings?: string[];
};

/**
 * Calls one tool for one step: validates the input against the tool's schema, applies the
 * step's timeout to every attempt, retries per policy (never a side-effecting tool unless it is
 * idempotent), and returns plain JSON data or a typed error. Never throws.
 */
export async function callTool(request: ToolCallRequest): Promise<ToolCallResult> {
  const result = await callWithRetries(request);
  if (!request.audit || !request.tool.traits.sideEffects || result.attempts === 0) return result;
  // The call has happened (or was tried): its entry is on record before the step settles. An
  // append that fails does not undo the side effect; the step keeps its outcome and says so.
  const warning = await request.audit.record(
    {
      kind: "tool_call",
      step: request.identity?.call.step ?? request.stepId,
      ...(request.identity?.call.item_index !== undefined ? { itemIndex: request.identity.call.item_index } : {}),
      tool: request.tool.name,
      params: request.input,
      outcome: result.ok ? "ok" : `failed:${result.error.code}`,
      ...(result.ok ? {} : { detail: result.error.message }),
    },
    request.identity?.call.run_key,
  );
  return warning ? { ...result, warnings: [...(result.warnings ?? []), warning] } : result;
}

async function callWithRetries(request: ToolCallRequest): Promise<ToolCallResult> {
  const validated = await guardedValidation(request);
  if (!validated.ok) return { ok: false, error: validated.error, attempts: 0 };
  const { retry } = request;
  const traits = request.tool.traits;
  const retryable = !traits.sideEffects || traits.idempotent === true;
  const maxAttempts = retry && retryable ? retry.max_attempts : 1;
  let attempt = 0;
  let delay = retry?.backoff_ms ?? 0;
  for (;;) {
    attempt++;
    request.onAttempt?.(attempt);
    // The tool gets the input as rendered: a LangChain tool parses it with its own schema (a
    // `transform` applied here and again there would see its own output).
    const outcome = await attemptOnce(request, request.input).catch((error: unknown) => ({
      ok: false as const,
      // Only a thrown value hostile enough to break `instanceof` gets here.
      error: { code: "TOOL_FAILED", message: `step '${request.stepId}' (tool '${request.tool.name}') failed: ${describeSafely(error)}` },
    }));
    if (outcome.ok) return { ...outcome, attempts: attempt };
    const kind = outcome.error.code === "TOOL_TIMEOUT" ? "timeout" : "error";
    const again =
      attempt < maxAttempts &&
      !request.signal.aborted &&
      outcome.error.code !== "OUTPUT_TOO_LARGE" &&
      outcome.error.code !== "OUTPUT_NOT_SERIALIZABLE" &&
      (retry?.retry_on ?? []).includes(kind);
    if (!again) return { ok: false, error: outcome.error, attempts: attempt };
    try {
      await abortableDelay(delay, request.signal);
    } catch {
      return { ok: false, error: { code: "RUN_ABORTED", message: "the run was cancelled during a retry backoff" }, attempts: attempt };
    }
    delay = Math.min(delay * (retry?.backoff_multiplier ?? 2), retry?.max_backoff_ms ?? 30_000);
  }
}

async function attemptOnce(
  request: ToolCallRequest,
  input: unknown,
): Promise<{ ok: true; output: unknown } | { ok: false; error: { code: string; message: string } }> {
  const controller = new AbortController();
  const onRunAbort = () => controller.abort(request.signal.reason);
  if (request.signal.aborted) return aborted(request.signal);
  request.signal.addEventListener("abort", onRunAbort, { once: true });
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    const call = Promise.resolve().then(() => request.tool.tool.invoke(input as never, toolConfig(controller.signal, request.identity) as never));
    const racers: Array<Promise<unknown>> = [call];
    if (request.timeoutMs !== undefined) {
      racers.push(
        new Promise((_, reject) => {
          timer = setTimeout(() => {
            const error = new PlangraphError("TOOL_TIMEOUT", `step '${request.stepId}' timed out after ${request.timeoutMs} ms`, { step: request.stepId });
            controller.abort(error);
            reject(error);
          }, request.timeoutMs);
        }),
      );
    }
    racers.push(
      new Promise((_, reject) => {
        if (controller.signal.aborted) reject(controller.signal.reason);
        controller.signal.addEventListener("abort", () => reject(controller.signal.reason ?? new Error("aborted")), { once: true });
      }),
    );
    const raw = await Promise.race(racers);
    return toPlainData(request, raw);
  } catch (error) {
    if (error instanceof PlangraphError) return { ok: false, error: { code: error.code, message: error.message } };
    if (request.signal.aborted) return aborted(request.signal);
    return { ok: false, error: { code: "TOOL_FAILED", message: `step '${request.stepId}' (tool '${request.tool.name}') failed: ${describeSafely(error)}` } };
  } finally {
    if (timer !== undefined) clearTimeout(timer);
    request.signal.removeEventListener("abort", onRunAbort);
  }
}

/**
 * A tool's output becomes plain JSON data before anything else sees it: no prototypes, no
 * functions, no getters — and no more than the output cap.
 */
function toPlainData(request: ToolCallRequest, raw: unknown): { ok: true; output: unknown } | { ok: false; error: { code: string; message: string } } {
  let text: string | undefined;
  try {
    text = JSON.stringify(raw === undefined ? null : raw);
  } catch (error) {
    return {
      ok: false,
      error: { code: "OUTPUT_NOT_SERIALIZABLE", message: `step '${request.stepId}' returned a value that is not JSON data: ${describeSafely(error)}` },
    };
  }
  if (text === undefined) {
    return { ok: false, error: { code: "OUTPUT_NOT_SERIALIZABLE", message: `step '${request.stepId}' returned a value that is not JSON data` } };
  }
  const bytes = utf8BytesOver(text, request.maxOutputBytes);
  if (bytes !== undefined) {
    return {
      ok: false,
      error: { code: "OUTPUT_TOO_LARGE", message: `step '${request.stepId}' returned ${bytes} bytes; the cap per step is ${request.maxOutputBytes}` },
    };
  }
  const depth = nestingDepth(text);
  if (depth > MAX_OUTPUT_DEPTH) {
    return {
      ok: false,
      error: { code: "LIMIT_EXCEEDED", message: `step '${request.stepId}' returned data nested ${depth} levels deep; at most ${MAX_OUTPUT_DEPTH} levels can be kept in the run's state and checkpoints` },
    };
  }
  return { ok: true, output: JSON.parse(text) };
}

/**
 * The UTF-8 size of serialised output when it is over the cap, else undefined. A UTF-16 code unit
 * takes 1 to 3 UTF-8 bytes (a surrogate pair, two units, takes 4), so the length alone settles
 * most outputs; only those in between are measured, and nothing is serialised again.
 */
export function utf8BytesOver(text: string, cap: number): number | undefined {
  if (text.length * 3 <= cap) return undefined;
  const bytes = Buffer.byteLength(text, "utf8");
  return bytes > cap ? bytes : undefined;
}

/**
 * A tool's schema is the tool author's code: a `refine`, `transform` or message function may
 * throw instead of reporting an issue, and the issues themselves may be odd. Either way the step
 * fails with TOOL_INPUT_INVALID naming the step and the tool; nothing escapes.
 */
async function guardedValidation(request: ToolCallRequest): ReturnType<typeof validateInput> {
  try {
    return await validateInput(request);
  } catch (error) {
    return {
      ok: false,
      error: {
        code: "TOOL_INPUT_INVALID",
        message: `step '${request.stepId}': the input schema of tool '${request.tool.name}' threw while checking the input: ${describeSafely(error)}`,
      },
    };
  }
}

type SafeParse = (v: unknown) => ParseOutcome | Promise<ParseOutcome>;
type ParseOutcome = { success: boolean; data?: unknown; error?: { issues: ZodIssueLike[] } };

/** Checks the input against a zod schema (async, as LangChain parses it: async refinements work). */
async function validateInput(request: ToolCallRequest): Promise<{ ok: true; input: unknown } | { ok: false; error: { code: string; message: string } }> {
  const schema = request.tool.tool.schema as { safeParse?: SafeParse; safeParseAsync?: SafeParse } | undefined;
  const parse = typeof schema?.safeParseAsync === "function" ? schema.safeParseAsync : schema?.safeParse;
  if (typeof parse !== "function") return { ok: true, input: request.input };
  const parsed = await parse.call(schema, request.input);
  if (parsed.success) return { ok: true, input: parsed.data };
  const issues = (parsed.error?.issues ?? []).slice(0, 5).map((issue) => {
    const field = issue.path?.length ? `'${issue.path.map(String).join(".")}'` : "(the whole input)";
    return `${field}: ${issue.message}`;
  });
  return {
    ok: false,
    error: { code: "TOOL_INPUT_INVALID", message: `step '${request.stepId}': input for tool '${request.tool.name}' is invalid: ${issues.join("; ")}` },
  };
}

interface ZodIssueLike {
  path?: PropertyKey[];
  message: string;
}

/** `describeError`, for errors thrown by foreign code: a hostile getter or `toString` cannot throw past it. */
export function describeSafely(error: unknown): string {
  try {
    return String(describeError(error));
  } catch {
    return "(an error that could not be described)";
  }
}

/** The error of a call stopped by the run's signal: its reason when that is ours (e.g. the run budget). */
function aborted(signal: AbortSignal): { ok: false; error: { code: string; message: string } } {
  const reason = signal.reason;
  if (reason instanceof PlangraphError) return { ok: false, error: { code: reason.code, message: reason.message } };
  return { ok: false, error: { code: "RUN_ABORTED", message: "the run was cancelled" } };
}
