import type { DecisionOutcome, StepRecord } from "../model/records.js";
import type { ApprovalAnswer } from "../model/events.js";

/** What a store holds for one run. */
export interface StoredRun {
  steps: Record<string, StepRecord>;
  decisions: Record<string, DecisionOutcome>;
  /** Approval answers given for steps whose node had not yet paused (resume --approve). */
  answers: Record<string, ApprovalAnswer>;
}

/**
 * Where eager completions are kept until their node writes them to the graph's state.
 *
 * A tool may finish supersteps before its node runs; if the process dies in between, state does
 * not have the result. A durable store lets a resumed run reuse it instead of calling the tool
 * again. Keyed by the run's id (`run_id` in state), so separate runs on one thread never mix.
 */
export interface CompletionStore {
  /** Whether what it holds outlives the process (a crash loses nothing it saved). */
  readonly durable: boolean;
  load(runId: string): Promise<StoredRun>;
  saveStep(runId: string, step: string, record: StepRecord): Promise<void>;
  saveDecision(runId: string, decision: string, outcome: DecisionOutcome): Promise<void>;
  saveAnswer(runId: string, step: string, answer: ApprovalAnswer): Promise<void>;
  /** Called when the run has finished and state holds everything. */
  discard(runId: string): Promise<void>;
}

/** In-process store: enough for the memory checkpointer, where a crash loses everything anyway. */
export class MemoryCompletionStore implements CompletionStore {
  readonly durable = false;
  private readonly runs = new Map<string, StoredRun>();

  async load(runId: string): Promise<StoredRun> {
    const run = this.runs.get(runId);
    return { steps: { ...run?.steps }, decisions: { ...run?.decisions }, answers: { ...run?.answers } };
  }

  async saveAnswer(runId: string, step: string, answer: ApprovalAnswer) {
    this.entry(runId).answers[step] = answer;
  }

  async saveStep(runId: string, step: string, record: StepRecord) {
    this.entry(runId).steps[step] = record;
  }

  async saveDecision(runId: string, decision: string, outcome: DecisionOutcome) {
    this.entry(runId).decisions[decision] = outcome;
  }

  async discard(runId: string) {
    this.runs.delete(runId);
  }

  private entry(runId: string) {
    let run = this.runs.get(runId);
    if (!run) this.runs.set(runId, (run = { steps: {}, decisions: {}, answers: {} }));
    return run;
  }
}
