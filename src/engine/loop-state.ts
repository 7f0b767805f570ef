import type { PreparedPlan } from "../analysis/prepare.js";
import { LOOP_REF, type LoopInfo } from "../analysis/loops.js";
import type { OutputLookup } from "../refs/resolve.js";
import type { DecisionOutcome, StepPass, StepRecord } from "../model/records.js";

/** What a loop decision's outcome means for the run: go round again, or the loop is over. */
export type LoopVerdict = { again: true; outcome: DecisionOutcome } | { again: false; outcome: DecisionOutcome };

/**
 * Where every loop of a run stands: the iteration each loop is on, and the finished iterations
 * (passes) of its body's steps and of its decision, oldest first. This is the only copy of a
 * loop's history; a step record's `earlier` is this history, written out with the record.
 */
export class LoopState {
  private readonly iterationOfLoop = new Map<string, number>();
  private readonly stepPasses = new Map<string, StepPass[]>();
  private readonly decisionPasses = new Map<string, DecisionOutcome[]>();

  constructor(private readonly prepared: PreparedPlan) {}

  /** The loop iteration a node is on (1 outside loops). */
  iteration(id: string): number {
    const loop = this.prepared.loopOf.get(id);
    return loop === undefined ? 1 : (this.iterationOfLoop.get(loop) ?? 1);
  }

  /**
   * A run resumed inside a loop: the decision's last record says which iteration was under way.
   * Body records of an earlier iteration become history and their nodes run again; the records
   * (from state or the store) are edited in place.
   */
  seed(steps: Map<string, StepRecord>, decisions: Map<string, DecisionOutcome>): void {
    for (const loop of this.prepared.loops.values()) {
      const outcome = decisions.get(loop.decision);
      let current = 1;
      if (outcome?.status === "decided" && outcome.branch === loop.branch) {
        current = (outcome.iteration ?? 1) + 1;
        this.keep(this.decisionPasses, loop.decision, current - 1, outcome);
        decisions.delete(loop.decision);
      } else if (outcome) current = outcome.iteration ?? 1;
      this.iterationOfLoop.set(loop.decision, current);
      for (const id of loop.body) {
        const record = steps.get(id);
        if (!record) continue;
        this.stepPasses.set(id, [...(record.earlier ?? [])]);
        const iteration = record.iteration ?? 1;
        if (iteration === current) continue;
        if (iteration < current) this.keep(this.stepPasses, id, iteration, passOf(record));
        steps.delete(id);
      }
    }
  }

  /** A loop-body step's record as it is kept: stamped with its iteration and carrying the history. */
  withHistory(id: string, record: StepRecord): StepRecord {
    if (!this.prepared.loopOf.has(id)) return record;
    const passes = this.stepPasses.get(id) ?? [];
    return { ...record, iteration: this.iteration(id), ...(passes.length ? { earlier: passes.map((pass) => ({ ...pass })) } : {}) };
  }

  /** A loop decision's outcome, stamped with its iteration; a loop branch past max_iterations exits instead. */
  judge(decisionId: string, outcome: DecisionOutcome): LoopVerdict {
    const loop = this.prepared.loops.get(decisionId);
    if (!loop) return { again: false, outcome };
    const iteration = this.iteration(decisionId);
    const stamped = { ...outcome, iteration };
    if (stamped.status !== "decided" || stamped.branch !== loop.branch) return { again: false, outcome: stamped };
    if (iteration < loop.maxIterations) return { again: true, outcome: stamped };
    const exit = loop.branch === "then" ? "else" : "then";
    return { again: false, outcome: { ...stamped, branch: exit, reason: `${stamped.reason}; max_iterations (${loop.maxIterations}) reached: took '${exit}'` } };
  }

  /**
   * The loop goes round again: the decision's outcome and the body's records become this
   * iteration's passes, the records leave `steps`, and the loop moves on one iteration.
   * Returns the body steps that had a record (what waits on them outside the body waits again).
   */
  advance(loop: LoopInfo, outcome: DecisionOutcome, steps: Map<string, StepRecord>): string[] {
    const iteration = outcome.iteration ?? this.iteration(loop.decision);
    this.keep(this.decisionPasses, loop.decision, iteration, outcome);
    const cleared: string[] = [];
    for (const id of loop.body) {
      const record = steps.get(id);
      if (!record) continue;
      this.keep(this.stepPasses, id, iteration, passOf(record));
      steps.delete(id);
      cleared.push(id);
    }
    this.iterationOfLoop.set(loop.decision, iteration + 1);
    return cleared;
  }

  /** Replaces a pass already in the history (a late amendment, e.g. a failed store write). */
  amend(id: string, record: StepRecord): boolean {
    const passes = this.stepPasses.get(id);
    const index = (record.iteration ?? 1) - 1;
    if (!passes || passes[index] === undefined) return false;
    passes[index] = passOf(record);
    return true;
  }

  /** A finished iteration of a loop-body step. */
  stepPass(id: string, iteration: number): StepRecord | undefined {
    return this.stepPasses.get(id)?.[iteration - 1];
  }

  /** A finished iteration of a loop decision (one that went round again). */
  decisionPass(id: string, iteration: number): DecisionOutcome | undefined {
    return this.decisionPasses.get(id)?.[iteration - 1];
  }

  /** Outputs of every iteration of a loop-body step, oldest first (empty outside loops). */
  iterationOutputs(id: string, current: StepRecord | undefined): unknown[] {
    if (!this.prepared.loopOf.has(id)) return [];
    const outputs = (this.stepPasses.get(id) ?? []).map(outputOf);
    return current ? [...outputs, outputOf(current)] : outputs;
  }

  /** What a node's references see: step outputs, plus `{__loop.iteration}` inside a loop body. */
  lookupFor(node: string, outputs: OutputLookup): OutputLookup {
    if (!this.prepared.loopOf.has(node)) return outputs;
    return (step) => (step === LOOP_REF ? { ok: true, value: { iteration: this.iteration(node) } } : outputs(step));
  }

  private keep<T>(passes: Map<string, T[]>, id: string, iteration: number, value: T): void {
    let list = passes.get(id);
    if (!list) passes.set(id, (list = []));
    list[iteration - 1] = value;
  }
}

function passOf(record: StepRecord): StepPass {
  const { earlier: _earlier, ...pass } = record;
  return pass;
}

function outputOf(record: StepPass): unknown {
  return record.status === "done" ? record.output : null;
}
