import type { ApprovalAnswer } from "../model/events.js";

/**
 * Approval answers against a paused thread: which steps wait (a live interrupt, or queued behind
 * another pause) and what each answer is. Shared by the CLI's `resume` and the queue's workers, so
 * the two read a paused run and `--approve / --reject / --params` the same way.
 */

/** A task of a thread's state snapshot, as far as its interrupts go. */
export interface SnapshotTask {
  interrupts?: ReadonlyArray<{ id?: string; value?: unknown }>;
}

/** The steps a paused thread waits on: those with a live interrupt (by its id), and every waiting step. */
export function pausedSteps(tasks: readonly SnapshotTask[]): { live: Map<string, string>; waiting: Set<string> } {
  const live = new Map<string, string>();
  const waiting = new Set<string>();
  for (const task of tasks) {
    for (const item of task.interrupts ?? []) {
      const value = item.value as { step?: string; pending?: string[] } | undefined;
      if (value?.step && item.id) live.set(value.step, item.id);
      if (value?.step) waiting.add(value.step);
      for (const id of value?.pending ?? []) waiting.add(id);
    }
  }
  return { live, waiting };
}

/** The decided answers by step: `params` approves with a replaced input; a rejection wins over both. */
export function approvalAnswers(decided: { approve: readonly string[]; reject: readonly string[]; params: Readonly<Record<string, Record<string, unknown>>> }): Map<string, ApprovalAnswer> {
  const answers = new Map<string, ApprovalAnswer>();
  for (const step of decided.approve) answers.set(step, { action: "approve", ...(decided.params[step] ? { params: decided.params[step] } : {}) });
  for (const [step, params] of Object.entries(decided.params)) answers.set(step, { action: "approve", params });
  for (const step of decided.reject) answers.set(step, { action: "reject" });
  return answers;
}
