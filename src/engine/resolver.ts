import type { PreparedPlan } from "../analysis/prepare.js";
import type { LoopInfo } from "../analysis/loops.js";
import { PlangraphError } from "../model/errors.js";
import type { RunEvent } from "../model/events.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import type { LoopState } from "./loop-state.js";
import type { CompletionWriter, RunBudget, WriteFailure } from "./observers.js";
import type { PendingDeps } from "./pending-deps.js";
import { assessReadiness, type ReadinessStructure, type Verdict } from "./readiness.js";
import type { RunRecords } from "./run-records.js";
import type { Settlements } from "./settlements.js";
import { withWriteFailure, type StoreGate } from "./store-gate.js";

/** The parts of a run the resolver moves forward (its scheduler's). */
export interface ResolverParts {
  prepared: PreparedPlan;
  structure: ReadinessStructure;
  records: RunRecords;
  loops: LoopState;
  pending: PendingDeps;
  settlements: Settlements;
  writer: CompletionWriter;
  gate: StoreGate;
  budget: RunBudget;
  durable: boolean;
  failFast: boolean;
  signal: AbortSignal;
  emit(event: RunEvent): void;
  abort(error: PlangraphError): void;
  /** Hands a node whose dependencies have resolved to readiness (the scheduler's). */
  ready(id: string, verdict?: Verdict): void;
}

/**
 * How an outcome becomes part of the run: a step's record or a decision's outcome is kept, written
 * to the completion store (the store gate decides whether dependents wait for the write), then
 * announced, its dependents released, and its node's settlement resolved. A loop's decision that
 * goes back starts the body over instead.
 */
export class Resolver {
  constructor(private readonly parts: ResolverParts) {}

  /** A step's record in that loop iteration (the current one, or a finished pass). */
  private recordOf(id: string, iteration: number): StepRecord {
    return (iteration === this.parts.loops.iteration(id) ? this.parts.records.steps.get(id) : this.parts.loops.stepPass(id, iteration))!;
  }

  /**
   * The loop's decision chose to go back: its outcome for this iteration is kept, every body node
   * starts over one iteration later, and what waits on the body outside it waits again.
   */
  goAround(loop: LoopInfo, outcome: DecisionOutcome): void {
    const iteration = outcome.iteration ?? 1;
    const write = this.parts.writer.decision(loop.decision, outcome);
    this.parts.gate.after(
      write,
      (failure) => (outcome.warnings = [...(outcome.warnings ?? []), failure.warning]),
      () => {
        this.parts.emit({ type: "decision", decision: loop.decision, outcome });
        for (const id of this.parts.loops.advance(loop, outcome, this.parts.records.steps)) this.parts.pending.hold(id, loop.body);
        const body = this.parts.prepared.order.filter((id) => loop.body.has(id));
        this.parts.pending.count(body, (id) => this.parts.records.isResolved(id));
        this.parts.settlements.batch(() => {
          for (const next of assessReadiness(this.parts.structure, this.parts.records, body)) this.parts.ready(next.id, next);
        });
      },
      () => this.settleNode(loop.decision, iteration),
    );
  }

  /** A step's record, kept once (a second one for the same pass is ignored); `persist` writes it to the store. */
  step(id: string, record: StepRecord, persist: boolean): void {
    if (this.parts.records.isResolved(id)) return;
    const kept = this.parts.loops.withHistory(id, record);
    this.parts.records.steps.set(id, kept);
    const iteration = this.parts.loops.iteration(id);
    const write = persist ? this.parts.writer.step(id, kept) : undefined;
    this.parts.gate.after(
      write,
      (failure) => this.amendStep(id, kept, failure),
      () => this.announceStep(id, iteration),
      () => this.settleNode(id, iteration),
    );
  }

  /** A decision's outcome, kept once and written to the store. */
  decision(id: string, outcome: DecisionOutcome): void {
    if (this.parts.records.isResolved(id)) return;
    this.parts.records.decisions.set(id, outcome);
    const iteration = this.parts.loops.iteration(id);
    const write = this.parts.writer.decision(id, outcome);
    this.parts.gate.after(
      write,
      (failure) => this.parts.records.decisions.set(id, { ...outcome, warnings: [...(outcome.warnings ?? []), failure.warning] }),
      () => {
        this.parts.emit({ type: "decision", decision: id, outcome: this.parts.records.decisions.get(id)! });
        this.release(id);
      },
      () => this.settleNode(id, iteration),
    );
  }

  /** A step whose store write failed, wherever its record now is (current, or a finished loop pass). */
  private amendStep(id: string, kept: StepRecord, failure: WriteFailure): void {
    const amended = withWriteFailure(kept, failure, this.parts.durable);
    if (this.parts.records.steps.get(id) === kept) this.parts.records.steps.set(id, amended);
    else this.parts.loops.amend(id, amended);
  }

  private announceStep(id: string, iteration: number): void {
    const record = this.recordOf(id, iteration);
    this.parts.emit({ type: "step_end", step: id, record });
    if (record.status === "failed" && this.parts.failFast && !this.parts.signal.aborted) {
      this.parts.abort(new PlangraphError("RUN_ABORTED", `fail-fast: stopped the run because step '${id}' failed`, { step: id }));
    }
    this.release(id);
  }

  private release(id: string): void {
    this.parts.settlements.batch(() => {
      for (const next of this.parts.pending.release(id)) this.parts.ready(next);
    });
  }

  private settleNode(id: string, iteration: number): void {
    this.parts.settlements.of(id, iteration).resolve();
    this.parts.budget.settled(this.parts.records.resolved, this.parts.prepared.order.length);
    this.parts.settlements.check();
  }
}
