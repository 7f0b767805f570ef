import { describeError, PlangraphError } from "../model/errors.js";
import type { RetryPolicy } from "../plan/schema.js";
import type { RegisteredTool } from "../tools/registry.js";
import { abortableDelay } from "../tools/builtin.js";

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
}

export type ToolCallResult =
  | { ok: true; output: unknown; attempts: number }
  | { ok: false; error: { code: string; message: string }; attempts: number };

/**
 * Calls one tool for one step: validates the input against the tool's schema, applies the
 * step's timeout to every attempt, retries per policy (never a side-effecting tool unless it is
 * idempotent), and returns plain JSON data or a typed error. Never throws.
 */
export async function callTool(request: ToolCallRequest): Promise<ToolCallResult> {
  const validated = validateInput(request);
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
    const outcome = await attemptOnce(request, validated.input);
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
    const call = Promise.resolve().then(() => request.tool.tool.invoke(input as never, { signal: controller.signal }));
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
    return { ok: false, error: { code: "TOOL_FAILED", message: `step '${request.stepId}' (tool '${request.tool.name}') failed: ${describeError(error)}` } };
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
      error: { code: "OUTPUT_NOT_SERIALIZABLE", message: `step '${request.stepId}' returned a value that is not JSON data: ${describeError(error)}` },
    };
  }
  if (text === undefined) {
    return { ok: false, error: { code: "OUTPUT_NOT_SERIALIZABLE", message: `step '${request.stepId}' returned a value that is not JSON data` } };
  }
  if (text.length > request.maxOutputBytes) {
    return {
      ok: false,
      error: { code: "OUTPUT_TOO_LARGE", message: `step '${request.stepId}' returned ${text.length} bytes; the cap per step is ${request.maxOutputBytes}` },
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
 * Deepest nesting of arrays and objects a step's output may have. Checkpoint serializers walk state
 * recursively (LangGraph's reviver is async recursion: 2,400 to 4,000 levels overflow the stack when a
 * resumed run loads its checkpoint), and escaping for state may triple an output's depth; a bound
 * here fails the one step with a typed error instead of leaving a thread that cannot resume.
 */
export const MAX_OUTPUT_DEPTH = 256;

/** How deeply a JSON text nests (one linear pass, brackets inside strings ignored). */
function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) deepest = Math.max(deepest, ++depth);
    else if (c === 0x7d || c === 0x5d) depth--;
  }
  return deepest;
}

function validateInput(request: ToolCallRequest): { ok: true; input: unknown } | { ok: false; error: { code: string; message: string } } {
  const schema = request.tool.tool.schema as { safeParse?: (v: unknown) => { success: boolean; data?: unknown; error?: { issues: ZodIssueLike[] } } };
  if (typeof schema?.safeParse !== "function") return { ok: true, input: request.input };
  const parsed = schema.safeParse(request.input);
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

/** The error of a call stopped by the run's signal: its reason when that is ours (e.g. the run budget). */
function aborted(signal: AbortSignal): { ok: false; error: { code: string; message: string } } {
  const reason = signal.reason;
  if (reason instanceof PlangraphError) return { ok: false, error: { code: reason.code, message: reason.message } };
  return { ok: false, error: { code: "RUN_ABORTED", message: "the run was cancelled" } };
}
