import { PlangraphError } from "../model/errors.js";
import type { RunEvent } from "../model/events.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import { describeSafely } from "./tool-call.js";

/**
 * The part of a completion store the scheduler writes to (the durability layer's
 * `CompletionStore` is one); declared here so the engine does not import the layer above it.
 */
export interface CompletionSink {
  saveStep(runId: string, step: string, record: StepRecord): Promise<void>;
  saveDecision(runId: string, decision: string, outcome: DecisionOutcome): Promise<void>;
}

/** A write to the completion store that did not land: the warning to record, and the typed error. */
export interface WriteFailure {
  warning: string;
  error: PlangraphError;
}

/**
 * Writes each completion to the store and reports how it went: undefined when it landed (or there
 * is no store), the failure otherwise. Never throws and never drops a failure: the scheduler puts
 * it on the record, and under a durable policy fails the run with it.
 */
export class CompletionWriter {
  constructor(
    private readonly runId: string,
    private readonly sink: CompletionSink | undefined,
  ) {}

  /** The write's outcome, or undefined when there is no store to write to. */
  step(id: string, record: StepRecord): Promise<WriteFailure | undefined> | undefined {
    return this.sink && this.write(`step '${id}'`, id, () => this.sink!.saveStep(this.runId, id, record));
  }

  decision(id: string, outcome: DecisionOutcome): Promise<WriteFailure | undefined> | undefined {
    return this.sink && this.write(`decision '${id}'`, id, () => this.sink!.saveDecision(this.runId, id, outcome));
  }

  private async write(what: string, id: string, save: () => Promise<void>): Promise<WriteFailure | undefined> {
    try {
      await save();
      return undefined;
    } catch (cause) {
      const message = `${what}: its completion could not be saved to the completion store (${describeSafely(cause)}); a resumed run would execute it again`;
      return { warning: message, error: new PlangraphError("STORE_WRITE_FAILED", message, { step: id, cause }) };
    }
  }
}

/** Hands events to the run's listener; a listener that throws cannot break the run. */
export function eventEmitter(listener: ((event: RunEvent) => void) | undefined): (event: RunEvent) => void {
  if (!listener) return () => undefined;
  return (event) => {
    try {
      listener(event);
    } catch {
      // A display or tracer failing is not the run failing; the result still has every record.
    }
  };
}

/**
 * The run's wall-clock budget: when it runs out, `onExpiry` aborts what is left. `settled` is told
 * how many nodes have an outcome and how many the plan has, so the check is O(1) per settle.
 */
export class RunBudget {
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(budgetMs: number, onExpiry: (error: PlangraphError) => void) {
    if (budgetMs <= 0) return;
    this.timer = setTimeout(() => onExpiry(new PlangraphError("RUN_BUDGET_EXCEEDED", `the run exceeded its time budget of ${budgetMs} ms`)), budgetMs);
    this.timer.unref?.();
  }

  settled(resolved: number, total: number): void {
    if (this.timer !== undefined && resolved >= total) this.stop();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
