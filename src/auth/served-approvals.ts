import { isCommand } from "@langchain/langgraph";
import type { PlangraphError } from "../model/errors.js";
import { callerFromRunConfig } from "./caller.js";
import { requireApproverOf, resumeFacts } from "../api/approver.js";
import { AuditTrail } from "../engine/audit-trail.js";
import type { PlanGraph } from "../langgraph/graph.js";
import type { AuditSink } from "../model/audit.js";
import type { CallerContext } from "../model/caller.js";
import type { Policy } from "../policy/index.js";

/**
 * Approvals of a plan graph on the LangGraph server. A resume (`command: { resume }`) is a run of
 * whoever sent it, with its own token: the server has already kept other tenants out (404), but
 * within the tenant only the policy's approvers may answer a pending step. The answering caller is
 * checked here, before the graph runs, so a refused answer is never kept and the step never runs.
 */

/** What the served graph knows to check a resume: the policy, the trail, and how to re-gate the plan. */
export interface ServedApprovals {
  policy: Policy;
  audit?: AuditSink;
  /**
   * The same plan's graph with `gate` pausing for approval whatever the caller's roles: the steps
   * paused for the run's starter stay paused for an answerer whose roles would not gate them (an
   * admin's), so the answer is read (an admin's "reject" rejects) instead of the step just running.
   */
  regate(gate: readonly string[]): PlanGraph;
}

type Streamable = { stream: (input: unknown, options?: Record<string, unknown>) => Promise<AsyncIterable<unknown>> };

/**
 * The graph a run must stream through: for a fresh run, `graph` itself; for a resume, after
 * checking that `caller` may answer every step the resume answers (APPROVER_NOT_ALLOWED, recorded
 * on the audit trail, otherwise), the graph with the thread's paused steps still gated.
 */
export async function approvalTarget(
  graph: PlanGraph,
  input: unknown,
  threadId: string | undefined,
  caller: CallerContext,
  approvals: ServedApprovals,
): Promise<Streamable | undefined> {
  if (!isCommand(input) || input.resume === undefined || !threadId || !graph.checkpointer) return undefined;
  const facts = await resumeFacts(graph, threadId, input.resume, undefined);
  const audit = approvals.audit ? new AuditTrail(approvals.audit, { caller, threadId, ...(facts.runId ? { runKey: `${threadId}/${facts.runId}` } : {}) }) : undefined;
  try {
    await requireApproverOf(facts.answered, { policy: approvals.policy, caller, ...(audit ? { audit } : {}) });
  } finally {
    await audit?.settled();
  }
  const ungated = facts.pending.filter((id) => graph.prepared.steps.get(id)?.spec.requires_approval !== true);
  if (!ungated.length) return undefined;
  const regated = approvals.regate(facts.pending);
  // The server attached its checkpointer and store to the graph it loaded; the stand-in needs them.
  Object.assign(regated, { checkpointer: graph.checkpointer, store: graph.store, name: graph.name });
  return regated as unknown as Streamable;
}

/**
 * The graph of a plan the caller policy refused for this caller (TOOL_NOT_ALLOWED): a fresh run
 * gets `rejected` (the refusal as the run's answer, nothing run); a resume is first an answer to a
 * pending step, so an answerer who may not approve is APPROVER_NOT_ALLOWED (as a library resume is),
 * and one who may is refused with the tool refusal all the same, since the step would run for them.
 * Either refusal is on the audit trail (`onRefusal`) when the run starts, not when the graph loads.
 */
export function refusedForCaller<G extends object>(rejected: G, unchecked: PlanGraph, error: PlangraphError, approvals: ServedApprovals, onRefusal: (caller: CallerContext, threadId: string | undefined) => Promise<void>): G {
  const target = rejected as unknown as Streamable & { checkpointer?: unknown; store?: unknown };
  const original = target.stream.bind(rejected);
  target.stream = async (input, options = {}) => {
    const configurable = (options as { configurable?: Record<string, unknown> }).configurable;
    const caller = callerFromRunConfig(configurable);
    const threadId = typeof configurable?.thread_id === "string" ? configurable.thread_id : undefined;
    if (isCommand(input)) {
      Object.assign(unchecked, { checkpointer: target.checkpointer, store: target.store });
      await approvalTarget(unchecked, input, threadId, caller, approvals);
      await onRefusal(caller, threadId);
      throw error;
    }
    await onRefusal(caller, threadId);
    return original(input, options);
  };
  return rejected;
}
