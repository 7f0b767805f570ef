import type { CompletionStore } from "../durability/completion-store.js";
import { AuditTrail } from "../engine/audit-trail.js";
import type { AuditSink } from "../model/audit.js";
import { callerFor } from "./caller.js";
import { policyFor } from "./policy-file.js";
import { RUN_ID_CHANNEL } from "../langgraph/channels.js";
import type { PlanGraph } from "../langgraph/graph.js";
import type { CallerContext } from "../model/caller.js";
import { isPlangraphError } from "../model/errors.js";
import { requireApprover, type Policy } from "../policy/index.js";

/**
 * Where a run's starter is kept for `approver_not_starter`: beside the run's approval answers in
 * its completion store, under a key no step can have (ids may not start with `__`), so it lives
 * exactly as long as the run's pending approvals do.
 */
export const STARTER_KEY = "__plangraph_started_by";

/** What a run keeps for its resumes: who started it, and the steps its starter's policy made pause. */
export interface RunRecordOfCaller {
  starter?: string;
  gated: string[];
}

/**
 * Records who started a run (tenant and user) and which steps pause for approval under the
 * starter's roles: a resume by someone whose roles need no approval must still find them gated.
 */
export async function recordStarter(store: CompletionStore, runId: string, caller: CallerContext, gated: readonly string[]): Promise<void> {
  await store.saveAnswer(runId, STARTER_KEY, { action: "approve", params: { tenant: caller.tenant, user: caller.user, gated: [...gated] } });
}

/** What the run's store holds about its starter (nothing when there is no store or record). */
export async function starterRecord(store: CompletionStore | undefined, runId: string | undefined): Promise<RunRecordOfCaller> {
  if (!store || !runId) return { gated: [] };
  const answer = (await store.load(runId)).answers[STARTER_KEY];
  const params = answer?.action === "approve" ? answer.params : undefined;
  const gated = Array.isArray(params?.gated) ? params.gated.filter((s): s is string => typeof s === "string") : [];
  return { ...(typeof params?.user === "string" ? { starter: params.user } : {}), gated };
}

/** Who answers, under which policy, and where a refusal is recorded. */
export interface ApproverCheck {
  policy: Policy;
  caller: CallerContext;
  /** The user who started the run, when on record (for `approver_not_starter`). */
  starter?: string;
  audit?: AuditTrail;
}

/**
 * Refuses answers (approve, reject, edit) to `steps` by a caller the policy does not let approve:
 * APPROVER_NOT_ALLOWED naming the first step, recorded on the audit trail, before any answer is
 * kept or any tool runs.
 */
export async function requireApproverOf(steps: readonly string[], check: ApproverCheck): Promise<void> {
  for (const step of steps) {
    try {
      requireApprover(check.policy, check.caller, step, check.starter);
    } catch (error) {
      if (isPlangraphError(error)) await check.audit?.record({ kind: "refusal", step, outcome: `refused:${error.code}`, detail: error.message });
      throw error;
    }
  }
}

interface SnapshotTask {
  interrupts?: ReadonlyArray<{ id?: string; value?: unknown }>;
}

/** What a resume finds on the thread: the run, the steps waiting, those the resume answers, its starter. */
export interface ResumeFacts extends RunRecordOfCaller {
  runId: string | undefined;
  /** Steps whose node is paused at an interrupt. */
  pending: string[];
  /** The steps the resume value answers: those it names (by interrupt id or step), else every one paused. */
  answered: string[];
}

/** Reads what a resume of `threadId` will answer, before anything is answered or run. */
export async function resumeFacts(graph: PlanGraph, threadId: string, resume: unknown, store: CompletionStore | undefined): Promise<ResumeFacts> {
  const snapshot = await graph.getState({ configurable: { thread_id: threadId } });
  const held = (snapshot.values as Record<string, unknown> | undefined)?.[RUN_ID_CHANNEL];
  const runId = typeof held === "string" ? held : undefined;
  const live = new Map<string, string>();
  for (const task of (snapshot.tasks ?? []) as readonly SnapshotTask[]) {
    for (const item of task.interrupts ?? []) {
      const step = (item.value as { step?: unknown } | undefined)?.step;
      if (typeof step === "string") live.set(item.id ?? step, step);
    }
  }
  const pending = [...new Set(live.values())];
  const keys = resume !== null && typeof resume === "object" && !Array.isArray(resume) ? Object.keys(resume) : [];
  const named = keys.flatMap((key) => (live.has(key) ? [live.get(key)!] : pending.includes(key) ? [key] : []));
  const answered = resume === null || resume === undefined ? [] : named.length ? named : pending;
  return { runId, pending, answered, ...(await starterRecord(store, runId)) };
}

/**
 * The CLI's resume, before it keeps any answer: the answering caller (its `--user` / `--roles`)
 * must be an approver under the run's policy. Same check as a library resume, for answers given
 * to steps whose node has not paused yet (kept in the completion store, not sent to LangGraph).
 */
export async function requireResumeApprover(
  steps: readonly string[],
  options: { caller?: CallerContext; policy?: Policy | string; audit?: AuditSink; threadId?: string },
  store: CompletionStore,
  runId: string | undefined,
): Promise<void> {
  if (!steps.length) return;
  const caller = callerFor(options.caller);
  const audit = options.audit ? new AuditTrail(options.audit, { caller, ...(options.threadId ? { threadId: options.threadId } : {}) }) : undefined;
  try {
    const { starter } = await starterRecord(store, runId);
    await requireApproverOf(steps, { policy: policyFor(options.policy), caller, ...(starter ? { starter } : {}), ...(audit ? { audit } : {}) });
  } finally {
    await audit?.settled();
  }
}
