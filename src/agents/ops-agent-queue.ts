import { ToolMessage, isToolMessage, type AIMessage, type BaseMessage } from "@langchain/core/messages";
import { interrupt, type LangGraphRunnableConfig } from "@langchain/langgraph";
import type { RunResult } from "../engine/result.js";
import { parseApprovalAnswer } from "../langgraph/approval.js";
import { runCheckpointer } from "../langgraph/internals.js";
import { toStreamEvent } from "../langgraph/stream-events.js";
import { callerFromConfig } from "../model/caller.js";
import { isPlangraphError, PlangraphError } from "../model/errors.js";
import type { PendingApproval } from "../model/result.js";
import type { Policy } from "../policy/index.js";
import { getRun, resumeRun, type CancelledRunError, type QueuedRunResult, type ResumeAnswer } from "../queue/index.js";
import type { ToolRegistry } from "../tools/registry.js";
import { awaitQueuedRun, queueConnection, submissionKey, submitPlan, type PlanToolQueue } from "./plan-tool-queue.js";
import { resultForModel } from "./result-text.js";

/**
 * The ops agent with `queue`: its plans run on the worker pool. The execute node submits the plan
 * and waits; a run that pauses for approval pauses the agent at the approval node (a LangGraph
 * interrupt, answered with `Command({ resume })` as a local run's approvals are), which answers the
 * queued run with `resumeRun` and waits again.
 */

/** The node of a queue-backed ops agent that waits for a queued run's approvals. */
export const QUEUED_APPROVAL_NODE = "approval";

/** What a queued run's pause puts in the agent's interrupt: the first waiting step as a local pause shows it, the run, and every waiting step. */
export interface QueuedApprovalRequest {
  /** The first step waiting for approval, its tool and input (as a local run's interrupt shows them). */
  step: string;
  tool: string;
  params: unknown;
  /** Every step waiting for approval. */
  pending: string[];
  /** The queued run: `resumeRun(run_id, …)` or `plangraph runs resume <run_id>` answer it from outside the agent too. */
  run_id: string;
  /** The waiting steps with their tools and inputs. */
  approvals: PendingApproval[];
  /** Why the previous answer was refused (nothing was queued): set when the agent asks again. */
  refused?: QueuedRefusal;
}

/** What the queue-backed nodes work with. */
export interface QueuedAgentSettings {
  registry: ToolRegistry;
  maxChars: number;
  policy: Policy;
  planName: string;
}

/** Why the last answer to a queued run's approvals was refused (the next interrupt says so). */
export interface QueuedRefusal {
  code: string;
  message: string;
}

type StateLike = { messages: unknown[]; result: RunResult | null; plan: Record<string, unknown> | null; queued_refusal: QueuedRefusal | null };
type NodeUpdate = { result: RunResult | null; messages?: ToolMessage[]; queued_refusal?: QueuedRefusal | null };

/** The state's last `run_plan` call, whose reply the run's result is. */
export type PlanCallOf = (state: StateLike) => NonNullable<AIMessage["tool_calls"]>[number] | undefined;

/** The execute node with `queue`: submits the validated plan (under the agent run's caller) and waits for its result. */
export function queuedExecuteNode(settings: QueuedAgentSettings, queue: PlanToolQueue, planOf: (state: StateLike) => unknown, callOf: PlanCallOf) {
  return async (state: StateLike, config: LangGraphRunnableConfig): Promise<NodeUpdate> => {
    const call = callOf(state);
    const submitted = await submitPlan(planOf(state), queue, settings.registry, callerFromConfig(config), submissionKey("ops-agent", config.configurable, call?.id));
    return settled(await waited(submitted.run_id, queue, config), call?.id, settings, config);
  };
}

/**
 * The approval node: pauses the agent with the queued run's waiting steps, takes the answer the
 * agent is resumed with — a map `{ [step]: answer }` (steps it leaves out stay pending), or one
 * answer for every waiting step; answers as for a local run (`true`/"approve", `false`/"reject",
 * `{ params }`…) — gives it to the run with `resumeRun` under the resuming caller and waits for
 * the run again.
 *
 * An answer refused before anything is queued (an approver the policy refuses, a step that is not
 * waiting, an answer of no known shape) pauses the agent again, the refusal in the new
 * interrupt's `refused`: LangGraph keeps a task's resume value for the task's re-runs, so a fresh
 * task is what lets the next answer — another approver's — be heard instead of the refused one.
 */
export function queuedApprovalNode(settings: QueuedAgentSettings, queue: PlanToolQueue, callOf: PlanCallOf) {
  return async (state: StateLike, config: LangGraphRunnableConfig): Promise<NodeUpdate> => {
    const paused = state.result as QueuedRunResult;
    const answer: unknown = interrupt({ ...approvalRequest(paused), ...(state.queued_refusal ? { refused: state.queued_refusal } : {}) });
    try {
      await answerRun(paused, answer, queue, settings.policy, config);
    } catch (error) {
      if (!isPlangraphError(error) || !REFUSALS.has(error.code)) throw error;
      return { result: paused, queued_refusal: { code: error.code, message: error.message } };
    }
    return { ...settled(await waited(paused.run_id, queue, config), callOf(state)?.id, settings, config), queued_refusal: null };
  };
}

/** Refusals of an answer that leave the run as it was: the agent asks again. */
const REFUSALS: ReadonlySet<string> = new Set(["APPROVER_NOT_ALLOWED", "USAGE"]);

async function answerRun(paused: QueuedRunResult, answer: unknown, queue: PlanToolQueue, policy: Policy, config: LangGraphRunnableConfig): Promise<void> {
  const decided = resumeAnswerFor(answer, paused.pending.map((p) => p.step));
  const caller = callerFromConfig(config);
  // A node replayed after its answer was queued finds the run moved on: the answer is not given twice.
  const run = await getRun(paused.run_id, queueConnection(queue));
  const pending = new Set(((run.result as RunResult | null)?.pending ?? []).map((p) => p.step));
  const answered = [...decided.approve, ...decided.reject, ...Object.keys(decided.params)];
  if (run.status !== "interrupted" || !answered.every((step) => pending.has(step))) return;
  await resumeRun(paused.run_id, decided, { ...queueConnection(queue), ...(caller ? { caller } : {}), policy });
}

/**
 * After the execute or approval node: the run's reply is given (it ended, failed, or paused with no
 * checkpointer to pause the agent in) → respond; no reply yet (the run waits for approval) → the
 * approval node.
 */
export function afterQueuedRun(callOf: PlanCallOf) {
  return (state: StateLike): string => {
    const id = callOf(state)?.id ?? "";
    // Replies follow the AI message that made the call: look no further back than it.
    for (let i = state.messages.length - 1; i >= 0; i--) {
      const message = state.messages[i] as BaseMessage;
      if (!isToolMessage(message)) break;
      if (message.tool_call_id === id) return "respond";
    }
    return QUEUED_APPROVAL_NODE;
  };
}

type Waited = { result: QueuedRunResult } | { error: PlangraphError };

/** The run's result, or the typed error it ended with (failed without a result, cancelled by someone else); the agent's own abort is thrown. */
async function waited(runId: string, queue: PlanToolQueue, config: LangGraphRunnableConfig): Promise<Waited> {
  const writer = config.writer;
  try {
    return { result: await awaitQueuedRun(runId, queue, { signal: config.signal, ...(writer ? { onEvent: (event) => writer(toStreamEvent(event, undefined)) } : {}) }) };
  } catch (error) {
    if (config.signal?.aborted || !isPlangraphError(error)) throw error;
    return { error };
  }
}

/**
 * The node's update: the result, and the reply to the `run_plan` call once there is one to give —
 * not while the run waits at the approval node. Without a checkpointer the agent cannot pause: the
 * paused result is the reply, with the run id to answer it by (`resumeRun`, `plangraph runs resume`).
 */
function settled(outcome: Waited, callId: string | undefined, settings: QueuedAgentSettings, config: LangGraphRunnableConfig): NodeUpdate {
  const tool = { tool_call_id: callId ?? "", name: settings.planName };
  if ("error" in outcome) {
    const partial = (outcome.error as CancelledRunError).result ?? null;
    const content = JSON.stringify({ status: "failed", error: `${outcome.error.code}: ${outcome.error.message}`, ...(partial ? { result: JSON.parse(resultForModel(partial, settings.maxChars)) as unknown } : {}) });
    return { result: partial, messages: [new ToolMessage({ ...tool, content, status: "error" })] };
  }
  const { result } = outcome;
  if (result.status === "interrupted" && runCheckpointer(config)) return { result };
  const note = result.status === "interrupted" ? { run_id: result.run_id, note: `waiting for approval: answer with resumeRun('${result.run_id}', …) or \`plangraph runs resume ${result.run_id}\`` } : {};
  const content = result.status === "interrupted" ? JSON.stringify({ ...JSON.parse(resultForModel(result, settings.maxChars)), ...note }) : resultForModel(result, settings.maxChars);
  return {
    result,
    messages: [new ToolMessage({ ...tool, content, artifact: { run_id: result.run_id }, ...(result.status === "failed" ? { status: "error" as const } : {}) })],
  };
}

function approvalRequest(paused: QueuedRunResult): QueuedApprovalRequest {
  const first = paused.pending[0];
  return { step: first?.step ?? "", tool: first?.tool ?? "", params: first?.params, pending: paused.pending.map((p) => p.step), run_id: paused.run_id, approvals: paused.pending };
}

const ANSWER_KEYS = new Set(["action", "params", "reason"]);

/**
 * The resume value as `resumeRun`'s answer. A plain object whose keys are not those of one answer
 * is a map by step (each key must be a waiting step: a USAGE error naming it otherwise); anything
 * else answers every waiting step.
 */
export function resumeAnswerFor(value: unknown, waiting: readonly string[]): ResumeAnswer {
  const isMap = value !== null && typeof value === "object" && !Array.isArray(value) && !Object.keys(value).every((key) => ANSWER_KEYS.has(key));
  if (isMap) {
    for (const step of Object.keys(value)) {
      if (!waiting.includes(step)) throw new PlangraphError("USAGE", `step '${step}' is not waiting for approval (waiting: ${waiting.map((s) => `'${s}'`).join(", ") || "none"})`, { step });
    }
  }
  const decided: ResumeAnswer = { approve: [], reject: [], params: {} };
  for (const step of isMap ? Object.keys(value as object) : waiting) {
    const answer = parseApprovalAnswer(isMap ? (value as Record<string, unknown>)[step] : value, step);
    if (answer.action === "reject") decided.reject.push(step);
    else if (answer.params) decided.params[step] = answer.params;
    else decided.approve.push(step);
  }
  return decided;
}

/**
 * The plan with every step's `timeout_ms` at most `maxStepMs` (steps without one given it), in
 * the wire form the model wrote it in: a queued plan travels as JSON, and the normalised plan
 * `capStepTimeouts` gives for a local run is no wire form. The run_plan tool's plans are in the
 * steps form; anything else cannot be capped and is refused rather than run uncapped.
 */
export function capWireStepTimeouts(plan: unknown, maxStepMs: number): Record<string, unknown> {
  const steps = (plan as { steps?: unknown } | null)?.steps;
  if (plan === null || typeof plan !== "object" || !Array.isArray(steps)) {
    throw new PlangraphError("USAGE", "maxStepMs: only a plan in the steps form (the run_plan tool's) can have its step timeouts capped for the queue");
  }
  const cap = (step: unknown): unknown => {
    if (step === null || typeof step !== "object") return step;
    // A sub-plan step takes no timeout of its own (validation refuses one): its inner steps are the calls.
    const inner = (step as { steps?: unknown }).steps;
    if (Array.isArray(inner)) return { ...step, steps: inner.map(cap) };
    const own = (step as { timeout_ms?: unknown }).timeout_ms;
    return { ...step, timeout_ms: Math.min(typeof own === "number" ? own : maxStepMs, maxStepMs) };
  };
  const capped = steps.map(cap);
  return { ...(plan as Record<string, unknown>), steps: capped };
}

