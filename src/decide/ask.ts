import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { buildDecisionPrompt } from "./prompt.js";
import { DecisionAnswerSchema, type Branch, type DecisionRecord } from "./record.js";

export interface AskDecisionOptions {
  /** The chat model; without one the default branch is taken. */
  model?: BaseChatModel;
  /** A yes/no question: yes → "then", no → "else". */
  question: string;
  /** The plan's goal, for context. */
  goal?: string;
  /** The decision's `after` steps' results, by step id. */
  results: Record<string, unknown>;
  /** Taken whenever the model cannot give a usable answer. */
  defaultBranch: Branch;
  /** Bound on the whole model call, retries included; the HTTP request is aborted at the end. Default 15000. */
  timeoutMs?: number;
  /** Prompt budget in tokens (~4 characters each); results are truncated fairly to fit. Default 3000. */
  tokenBudget?: number;
  /** Cancels the call (the decision then takes the default branch). */
  signal?: AbortSignal;
  /**
   * Structured output method passed to `withStructuredOutput`; by default the model's own choice
   * (`jsonSchema` for ChatOpenAI with gpt-4o-class models).
   */
  method?: "functionCalling" | "jsonSchema" | "jsonMode";
}

export const DEFAULT_DECISION_TIMEOUT_MS = 15_000;
export const DEFAULT_DECISION_TOKEN_BUDGET = 3_000;

/** Longest reason or cause kept in a record; they end up in reports and JSON output. */
const MAX_TEXT = 500;

/**
 * Asks the chat model a decision's question, with the goal and the `after` steps' results, using
 * structured output (`{ branch: "then" | "else", reason }`).
 *
 * Never throws for model problems: no model, an API error, a timeout (the HTTP request is
 * aborted), or an unusable answer (malformed JSON, a branch that does not exist, missing fields)
 * all take `defaultBranch` with `source: "fallback"` and a `cause` saying why.
 */
export async function askDecision(options: AskDecisionOptions): Promise<DecisionRecord> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const fallback = (cause: string): DecisionRecord => {
    const shortCause = clip(cause);
    return {
      branch: options.defaultBranch,
      source: "fallback",
      reason: `took the default branch "${options.defaultBranch}": ${shortCause}`,
      latency_ms: elapsed(),
      cause: shortCause,
    };
  };

  const model = options.model;
  if (model === undefined) return fallback("no chat model configured");
  if (options.signal?.aborted) return fallback("cancelled before the model was asked");

  const timeoutMs = options.timeoutMs ?? DEFAULT_DECISION_TIMEOUT_MS;
  const prompt = buildDecisionPrompt({
    question: options.question,
    goal: options.goal,
    results: options.results,
    tokenBudget: options.tokenBudget ?? DEFAULT_DECISION_TOKEN_BUDGET,
  });

  // One controller aborts the HTTP request on timeout or on the caller's signal.
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`decision timed out after ${timeoutMs} ms`));
  }, timeoutMs);
  const forwardAbort = () => controller.abort(options.signal?.reason);
  options.signal?.addEventListener("abort", forwardAbort, { once: true });

  try {
    const structured = model.withStructuredOutput(DecisionAnswerSchema, {
      name: "decide",
      ...(options.method === undefined ? {} : { method: options.method }),
    });
    const answer: unknown = await structured.invoke([new SystemMessage(prompt.system), new HumanMessage(prompt.user)], {
      signal: controller.signal,
    });
    const parsed = DecisionAnswerSchema.safeParse(answer);
    if (!parsed.success) return fallback(`unusable answer: ${describeIssues(parsed.error.issues)}`);
    const reason = parsed.data.reason.trim() || "(the model gave no reason)";
    return { branch: parsed.data.branch, source: "llm", reason: clip(reason), latency_ms: elapsed() };
  } catch (error) {
    if (timedOut) return fallback(`timed out after ${timeoutMs} ms`);
    if (options.signal?.aborted) return fallback("cancelled");
    return fallback(describeModelError(error));
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", forwardAbort);
  }
}

/** Sorts a model failure into an API error or an unusable answer, for the record's `cause`. */
export function describeModelError(error: unknown): string {
  const message = oneLine(error instanceof Error ? error.message : String(error));
  const status = httpStatus(error);
  if (status !== undefined) return `model API error (HTTP ${status}): ${message.replace(new RegExp(`^${status}\\s*`), "")}`;
  if (isAnswerError(error)) {
    const issues = (error as { issues?: unknown }).issues ?? embeddedIssues(message);
    return `unusable answer: ${Array.isArray(issues) ? describeIssues(issues) : message}`;
  }
  return `model error: ${message}`;
}

/** LangChain's parser errors carry the zod issues as JSON text: `… Error: [{…}]`. */
function embeddedIssues(message: string): unknown {
  const match = /Error: (\[.*\])$/.exec(message);
  if (!match) return undefined;
  try {
    return JSON.parse(match[1]!);
  } catch {
    return undefined;
  }
}

function httpStatus(error: unknown): number | undefined {
  for (let e: unknown = error, depth = 0; e !== null && typeof e === "object" && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const status = (e as { status?: unknown }).status;
    if (typeof status === "number") return status;
  }
  return undefined;
}

/** Parse and validation failures: the server answered, but not with a usable decision. */
function isAnswerError(error: unknown): boolean {
  if (error === null || typeof error !== "object") return false;
  const name = (error as { name?: unknown }).name;
  const code = (error as { lc_error_code?: unknown }).lc_error_code;
  return (
    name === "SyntaxError" ||
    name === "ZodError" ||
    name === "$ZodError" ||
    name === "OutputParserException" ||
    code === "OUTPUT_PARSING_FAILURE" ||
    Array.isArray((error as { issues?: unknown }).issues)
  );
}

function describeIssues(issues: readonly unknown[]): string {
  return issues
    .slice(0, 3)
    .map((issue) => {
      const { path, message } = issue as { path?: unknown; message?: unknown };
      const where = Array.isArray(path) && path.length > 0 ? `${path.join(".")}: ` : "";
      return `${where}${String(message)}`;
    })
    .join("; ");
}

/** The message on one line, without LangChain's troubleshooting footer. */
function oneLine(text: string): string {
  return text
    .replace(/\s*Troubleshooting URL:\s*\S+\s*$/, "")
    .replace(/\s+/g, " ")
    .trim();
}

function clip(text: string): string {
  return text.length <= MAX_TEXT ? text : `${text.slice(0, MAX_TEXT - 1)}…`;
}
