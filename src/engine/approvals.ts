import type { ApprovalAnswer } from "../model/events.js";
import type { StepRecord } from "../model/records.js";
import { deferred, type Deferred } from "./deferred.js";

/** What a step's node learns when it asks for its approval request. */
export type ApprovalRequest = { input: unknown } | { skipped: true };

/**
 * Steps that need a human before their tool runs: the request each node awaits, the steps waiting
 * for an answer (in the order they started waiting) and their resolved inputs.
 */
export class Approvals {
  private readonly requests = new Map<string, Deferred<ApprovalRequest>>();
  private readonly waiting = new Map<string, unknown>();

  /** Resolves once the step is waiting for an answer (with its input), or will never run. */
  request(id: string): Promise<ApprovalRequest> {
    return this.deferredFor(id).promise;
  }

  /** The step's inputs are known: it waits for a human. */
  open(id: string, input: unknown): void {
    this.waiting.set(id, input);
    this.deferredFor(id).resolve({ input });
  }

  /** The step will not reach a human (a dependency failed, its input could not be rendered). */
  close(id: string): void {
    this.deferredFor(id).resolve({ skipped: true });
  }

  /** Takes the step off the waiting list; false when it was not waiting (unknown, or already answered). */
  take(id: string): boolean {
    return this.waiting.delete(id);
  }

  isWaiting(id: string): boolean {
    return this.waiting.has(id);
  }

  /** Steps waiting for a human. */
  pending(): string[] {
    return [...this.waiting.keys()];
  }

  /** The resolved input of a step waiting for a human. */
  input(id: string): unknown {
    return this.waiting.get(id);
  }

  private deferredFor(id: string): Deferred<ApprovalRequest> {
    let d = this.requests.get(id);
    if (!d) this.requests.set(id, (d = deferred()));
    return d;
  }
}

/** The record of a step a reviewer rejected. */
export function rejectedRecord(id: string, answer: Extract<ApprovalAnswer, { action: "reject" }>): StepRecord {
  const reason = answer.reason ? `rejected: ${answer.reason}` : "rejected by a reviewer";
  return { status: "rejected", attempts: 0, reason, error: { code: "STEP_REJECTED", message: `step '${id}' was ${reason}` } };
}
