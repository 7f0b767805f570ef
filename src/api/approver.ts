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

/** Records who started a run (its tenant and user), for the approver rule of later resumes. */
export async function recordStarter(store: CompletionStore, runId: string, caller: CallerContext): Promise<void> {
  await store.saveAnswer(runId, STARTER_KEY, { action: "approve", params: { tenant: caller.tenant, user: caller.user } });
}

/** The user who started the run, when on record. */
export async function starterOf(store: CompletionStore | undefined, runId: string | undefined): Promise<string | undefined> {
  if (!store || !runId) return undefined;
  const answer = (await store.load(runId)).answers[STARTER_KEY];
  const user = answer?.action === "approve" ? answer.params?.user : undefined;
  return typeof user === "string" ? user : undefined;
}

/** Who answers, under which policy, and where a refusal is recorded. */
export interface ApproverCheck {
  policy: Policy;
  caller: CallerContext;
  store?: CompletionStore;
  runId?: string;
  audit?: AuditTrail;
}

/**
 * Refuses answers (approve, reject, edit) to `steps` by a caller the policy does not let approve:
 * APPROVER_NOT_ALLOWED naming the first step, recorded on the audit trail, before any answer is
 * kept or any tool runs.
 */
export async function requireApproverOf(steps: readonly string[], check: ApproverCheck): Promise<void> {
  if (!steps.length) return;
  const starter = check.policy.approvers.approver_not_starter ? await starterOf(check.store, check.runId) : undefined;
  for (const step of steps) {
    try {
      requireApprover(check.policy, check.caller, step, starter);
    } catch (error) {
      if (isPlangraphError(error)) await check.audit?.record({ kind: "refusal", step, outcome: `refused:${error.code}`, detail: error.message });
      throw error;
    }
  }
}

interface SnapshotTask {
  interrupts?: ReadonlyArray<{ id?: string; value?: unknown }>;
}

/**
 * The steps a resume value answers: those of the live interrupts it names by id (or by step),
 * else every step waiting, since a single answer goes to whichever is pending. With the run id the
 * checkpoint holds (where the run's starter is kept).
 */
export async function stepsAnswered(graph: PlanGraph, threadId: string, resume: unknown): Promise<{ steps: string[]; runId: string | undefined }> {
  const snapshot = await graph.getState({ configurable: { thread_id: threadId } });
  const held = (snapshot.values as Record<string, unknown> | undefined)?.[RUN_ID_CHANNEL];
  const live = new Map<string, string>();
  for (const task of (snapshot.tasks ?? []) as readonly SnapshotTask[]) {
    for (const item of task.interrupts ?? []) {
      const step = (item.value as { step?: unknown } | undefined)?.step;
      if (typeof step === "string") live.set(item.id ?? step, step);
    }
  }
  const keys = resume !== null && typeof resume === "object" && !Array.isArray(resume) ? Object.keys(resume) : [];
  const named = keys.flatMap((key) => (live.has(key) ? [live.get(key)!] : [...live.values()].includes(key) ? [key] : []));
  return { steps: named.length ? named : [...live.values()], runId: typeof held === "string" ? held : undefined };
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
    await requireApproverOf(steps, { policy: policyFor(options.policy), caller, store, ...(runId ? { runId } : {}), ...(audit ? { audit } : {}) });
  } finally {
    await audit?.settled();
  }
}
