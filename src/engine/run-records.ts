import type { PreparedPlan } from "../analysis/prepare.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import type { OutputLookup } from "../refs/resolve.js";
import type { RecordsSoFar } from "./readiness.js";

/** The current record of each step and decision of one run (earlier loop passes live in LoopState). */
export class RunRecords implements RecordsSoFar {
  readonly steps = new Map<string, StepRecord>();
  readonly decisions = new Map<string, DecisionOutcome>();

  /** Starts from records already known (state or the completion store), keeping only the plan's own ids. */
  constructor(prepared: PreparedPlan, seed: { steps?: Record<string, StepRecord>; decisions?: Record<string, DecisionOutcome> } = {}) {
    for (const [id, record] of Object.entries(seed.steps ?? {})) if (prepared.steps.has(id)) this.steps.set(id, record);
    for (const [id, outcome] of Object.entries(seed.decisions ?? {})) if (prepared.decisions.has(id)) this.decisions.set(id, outcome);
  }

  step(id: string): StepRecord | undefined {
    return this.steps.get(id);
  }

  decision(id: string): DecisionOutcome | undefined {
    return this.decisions.get(id);
  }

  isResolved(id: string): boolean {
    return this.steps.has(id) || this.decisions.has(id);
  }

  /** How many nodes have an outcome: O(1). */
  get resolved(): number {
    return this.steps.size + this.decisions.size;
  }

  isDone(id: string): boolean {
    return this.steps.get(id)?.status === "done";
  }

  /** The outputs of done steps, as references see them. */
  readonly outputs: OutputLookup = (step) => {
    const record = this.steps.get(step);
    return record?.status === "done" ? { ok: true, value: record.output } : { ok: false };
  };
}
