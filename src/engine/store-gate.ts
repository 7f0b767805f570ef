import type { PlangraphError } from "../model/errors.js";
import type { StepRecord } from "../model/records.js";
import type { WriteFailure } from "./observers.js";

export interface StoreGateHooks {
  /** Under the durable policy a failed write fails the run. */
  abort(error: PlangraphError): void;
  /** A write landed: the scheduler may have become idle. */
  changed(): void;
}

/**
 * Orders each completion around its store write, and keeps every failure.
 *
 * By default nothing waits for the store: the node's checkpoint write is the other way a
 * completion becomes durable, and must not be delayed. A failed write becomes a warning on the
 * record once it is known. Under the durable policy the store is the authority: dependents and
 * the node see a completion only once the store has it, and a failed write fails the run.
 */
export class StoreGate {
  private readonly failures: WriteFailure[] = [];
  private inFlight = 0;

  constructor(
    private readonly durable: boolean,
    private readonly hooks: StoreGateHooks,
  ) {}

  /** Writes not yet landed. */
  get writing(): number {
    return this.inFlight;
  }

  /** Every failed write so far, as warnings. */
  warnings(): string[] {
    return this.failures.map((failure) => failure.warning);
  }

  /**
   * `announce` tells dependents, `settle` releases the node; `amend` puts a failure on the record.
   * With no write (nothing to persist, or no store) both happen at once.
   */
  after(write: Promise<WriteFailure | undefined> | undefined, amend: (failure: WriteFailure) => void, announce: () => void, settle: () => void): void {
    if (!write) {
      announce();
      return settle();
    }
    // Counted before anything settles, so the run cannot look idle while the write is out.
    this.inFlight++;
    if (!this.durable) {
      announce();
      settle();
    }
    void write.then((failure) => {
      this.inFlight--;
      if (failure) {
        this.failures.push(failure);
        amend(failure);
      }
      if (this.durable) {
        announce();
        settle();
        if (failure) this.hooks.abort(failure.error);
      } else this.hooks.changed();
    });
  }
}

/** A step record after its store write failed: a warning, and under the durable policy a failed step. */
export function withWriteFailure(record: StepRecord, failure: WriteFailure, durable: boolean): StepRecord {
  const warnings = [...(record.warnings ?? []), failure.warning];
  if (durable && record.status === "done") {
    return { ...record, status: "failed", error: { code: failure.error.code, message: failure.error.message }, warnings };
  }
  return { ...record, warnings };
}
