import type { CompletionStore, StoredRun } from "../durability/completion-store.js";
import type { ApprovalAnswer } from "../engine/scheduler.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";

/**
 * The completion store a queued run writes through. Once the run's signal has aborted — its worker
 * hands it back (drain), or lost its lease — a step that fails is a step cut off, not a step that
 * failed: its record is not saved, so the worker that continues the run calls that step again
 * instead of reporting the abort as its outcome. Everything else passes through unchanged.
 */
export class CutOffAwareStore implements CompletionStore {
  readonly durable: boolean;

  constructor(
    private readonly inner: CompletionStore,
    private readonly signal: AbortSignal,
  ) {
    this.durable = inner.durable;
  }

  load(runId: string): Promise<StoredRun> {
    return this.inner.load(runId);
  }

  async saveStep(runId: string, step: string, record: StepRecord): Promise<void> {
    if (this.signal.aborted && record.status === "failed") return;
    return this.inner.saveStep(runId, step, record);
  }

  saveDecision(runId: string, decision: string, outcome: DecisionOutcome): Promise<void> {
    return this.inner.saveDecision(runId, decision, outcome);
  }

  saveAnswer(runId: string, step: string, answer: ApprovalAnswer): Promise<void> {
    return this.inner.saveAnswer(runId, step, answer);
  }

  discard(runId: string): Promise<void> {
    return this.inner.discard(runId);
  }
}
