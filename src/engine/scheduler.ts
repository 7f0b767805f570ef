import { setMaxListeners } from "node:events";
import type { PreparedDecision, PreparedPlan, PreparedStep } from "../analysis/prepare.js";
import type { LoopInfo } from "../analysis/loops.js";
import { PlangraphError } from "../model/errors.js";
import type { ApprovalAnswer, RunEvent } from "../model/events.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import type { OutputLookup } from "../refs/resolve.js";
import { Approvals, rejectedRecord, type ApprovalRequest } from "./approvals.js";
import { Settlements } from "./settlements.js";
import { evaluateOnce } from "./decision-evaluator.js";
import { Launcher } from "./launcher.js";
import { LoopState } from "./loop-state.js";
import { CompletionWriter, eventEmitter, RunBudget, type WriteFailure } from "./observers.js";
import { PendingDeps } from "./pending-deps.js";
import { StoreGate, withWriteFailure } from "./store-gate.js";
import { assessReadiness, readinessStructure, verdictFor, type ReadinessStructure, type Verdict } from "./readiness.js";
import { RunRecords } from "./run-records.js";
import type { SchedulerOptions } from "./scheduler-options.js";
import { renderStepInput, warningsField } from "./step-input.js";
import { fanOutParts, type FanOutParts } from "./fan-out-parts.js";
import { callIdentity, runKeyOf } from "./call-scope.js";
import { answerEvent } from "./audit-trail.js";

export type { ApprovalAnswer, RunEvent } from "../model/events.js";
export type { DecisionEvaluator } from "./decision-evaluator.js";
export type { CompletionSink } from "./observers.js";
export type { SchedulerOptions } from "./scheduler-options.js";

/**
 * The per-run eager dataflow scheduler.
 *
 * LangGraph runs nodes in supersteps; this decides when *tools* start: each step's tool is called
 * the moment its own dependencies have resolved, and its node later just awaits the outcome. One
 * instance per run (never per graph), dropped when the run ends; every call it starts gets the
 * run's abort signal. It holds the run's records and wires the parts: readiness (pure rules,
 * counted incrementally), the launcher, loop state, approvals, and the observers (store, events,
 * budget).
 */
export class PlanScheduler {
  readonly runId: string;
  private readonly prepared: PreparedPlan;
  private readonly options: SchedulerOptions;
  private readonly structure: ReadinessStructure;
  private readonly records: RunRecords;
  private readonly settlements = new Settlements(() => !this.launcher.busy && this.evaluating === 0 && this.gate.writing === 0);
  /** Nodes (per iteration) already handed to readiness: a synchronous resolution must not ready them twice. */
  private readonly readied = new Set<string>();
  private readonly controller = new AbortController();
  private readonly pending: PendingDeps;
  private readonly loops: LoopState;
  private readonly approvals = new Approvals();
  private readonly launcher: Launcher;
  private readonly fanOut: FanOutParts;
  private readonly writer: CompletionWriter;
  private readonly budget: RunBudget;
  private readonly emit: (event: RunEvent) => void;
  private readonly gate: StoreGate;
  private evaluating = 0;
  private started = false;

  constructor(options: SchedulerOptions) {
    this.options = options;
    this.prepared = options.prepared;
    this.runId = options.runId;
    this.structure = readinessStructure(this.prepared);
    this.pending = new PendingDeps(this.structure);
    this.loops = new LoopState(this.prepared);
    this.writer = new CompletionWriter(this.runId, options.store);
    this.emit = eventEmitter(options.onEvent);
    this.gate = new StoreGate(options.durable === true, { abort: (error) => this.abort(error), changed: () => this.settlements.check() });
    // Every in-flight tool and backoff listens on this one signal: lift Node's default cap of 10.
    setMaxListeners(0, this.controller.signal);
    if (options.signal) {
      if (options.signal.aborted) this.controller.abort(options.signal.reason);
      else options.signal.addEventListener("abort", () => this.abort(options.signal!.reason), { once: true });
    }
    this.records = new RunRecords(this.prepared, options.seed);
    this.loops.seed(this.records.steps, this.records.decisions);
    this.budget = new RunBudget(this.prepared.limits.maxRunMs, (error) => this.abort(error));
    this.fanOut = fanOutParts({
      limits: this.prepared.limits,
      strict: options.strict === true,
      durable: options.durable === true,
      seed: options.seed?.steps,
      writer: this.writer,
      lookup: (step) => this.loops.lookupFor(step.id, this.outputs),
      isDone: (id) => this.records.isDone(id),
      iteration: (id) => this.iteration(id),
    });
    this.launcher = new Launcher({
      clock: options.clock,
      signal: this.controller.signal,
      ...(options.maxConcurrency !== undefined ? { maxConcurrency: options.maxConcurrency } : {}),
      maxOutputBytes: this.prepared.limits.maxOutputBytes,
      ...(options.lazy ? { lazy: true } : {}),
      ...(options.cache ? { cache: options.cache } : {}),
      ...(options.cacheTtlMs !== undefined ? { cacheTtlMs: options.cacheTtlMs } : {}),
      fanOut: this.fanOut,
      render: (step) => this.renderInput(step),
      finish: (step, record) => this.resolveStep(step.id, record, true),
      emit: this.emit,
      changed: () => this.settlements.check(),
      ...(options.scope ? { identify: (step, itemIndex) => callIdentity(options.scope!, this.runId, step.id, itemIndex) } : {}),
      ...(options.scope?.audit ? { audit: options.scope.audit } : {}),
    });
  }

  /** The loop iteration a node is on (1 outside loops). */
  iteration(id: string): number {
    return this.loops.iteration(id);
  }

  /** Launches every step whose dependencies are already resolved. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const id of this.prepared.order) if (this.isResolved(id)) this.settlements.of(id, this.iteration(id)).resolve();
    this.pending.count(this.prepared.order, (id) => this.isResolved(id));
    this.budget.settled(this.records.resolved, this.prepared.order.length);
    this.settlements.batch(() => {
      for (const next of assessReadiness(this.structure, this.records)) this.becomeReady(next.id, next);
    });
  }

  /** Resolves when the step or decision has an outcome (for a loop body node: in that iteration). */
  async whenSettled(id: string, iteration = this.iteration(id)): Promise<void> {
    this.start();
    await this.settlements.of(id, iteration).promise;
  }

  /** A step's record: the current one, or that of an earlier loop iteration. */
  stepRecord(id: string, iteration = this.iteration(id)): StepRecord | undefined {
    return iteration === this.iteration(id) ? this.records.steps.get(id) : this.loops.stepPass(id, iteration);
  }

  decisionOutcome(id: string, iteration = this.iteration(id)): DecisionOutcome | undefined {
    return iteration === this.iteration(id) ? this.records.decisions.get(id) : this.loops.decisionPass(id, iteration);
  }

  /** Outputs of every iteration of a loop-body step, oldest first (empty outside loops). */
  iterationOutputs(id: string): unknown[] {
    return this.loops.iterationOutputs(id, this.records.steps.get(id));
  }

  isResolved(id: string): boolean {
    return this.records.isResolved(id);
  }

  /** The outputs of done steps, as references see them. */
  get outputs(): OutputLookup {
    return this.records.outputs;
  }

  /**
   * For a step that needs approval: resolves with its input once its dependencies are done (or
   * tells that it was skipped). The tool does not run until `answerApproval`.
   */
  async approvalRequest(id: string): Promise<ApprovalRequest> {
    this.start();
    return this.approvals.request(id);
  }

  /** Approve (optionally with replacement params) or reject a step waiting for approval. */
  answerApproval(id: string, answer: ApprovalAnswer): void {
    const input = this.approvals.input(id);
    if (this.isResolved(id) || !this.approvals.take(id)) return;
    // Every approval and rejection is on the audit trail, under the caller who answered it.
    const { scope } = this.options;
    void scope?.audit?.record(answerEvent(id, this.prepared.steps.get(id)!.spec.tool, answer, input), runKeyOf(scope, this.runId));
    if (answer.action === "reject") this.resolveStep(id, rejectedRecord(id, answer), true);
    else this.launcher.enqueue(this.prepared.steps.get(id)!, answer.params);
  }

  /** Resolves when nothing is running, queued or being written: everything not blocked by an approval is done. */
  whenIdle(): Promise<void> {
    this.start();
    return this.settlements.whenIdle();
  }

  /** The resolved input of a step waiting for approval. */
  pendingInput(id: string): unknown {
    return this.approvals.input(id);
  }

  /** Steps waiting for a human. */
  pendingApprovals(): string[] {
    return this.approvals.pending();
  }

  /** Lazy mode: the step's node is running and wants its tool called (no-op in eager mode). */
  demand(id: string): void {
    this.launcher.demand(id);
  }

  /**
   * Completion-store writes that failed so far, as warnings for the run's result. `whenIdle`
   * waits for every write, so after it this list is complete. Under the durable policy each
   * also failed its step (STORE_WRITE_FAILED) and the run.
   */
  storeWarnings(): string[] {
    return this.gate.warnings();
  }

  /** Cancels every tool call the run started (and any backoff). */
  abort(reason?: unknown): void {
    if (this.controller.signal.aborted) return;
    this.budget.stop();
    this.controller.abort(reason ?? new PlangraphError("RUN_ABORTED", "the run was cancelled"));
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private becomeReady(id: string, verdict: Verdict = verdictFor(this.structure, id, this.records)): void {
    const key = `${id}#${this.iteration(id)}`;
    if (this.readied.has(key) || this.isResolved(id)) return;
    this.readied.add(key);
    const step = this.prepared.steps.get(id);
    if (step) return this.readyStep(step, verdict);
    if (!verdict.run) return this.resolveDecision(id, { status: "skipped", reason: verdict.reason });
    this.evaluate(this.prepared.decisions.get(id)!);
  }

  private readyStep(step: PreparedStep, verdict: Verdict): void {
    if (!verdict.run) {
      if (step.spec.requires_approval) this.approvals.close(step.id);
      return this.resolveStep(step.id, { status: "skipped", attempts: 0, reason: verdict.reason }, false);
    }
    if (step.spec.requires_approval) {
      // A for_each step is approved as a whole: the human sees every element's input.
      const rendered = step.forEach ? this.fanOut.renderAll(step) : this.renderInput(step);
      if ("error" in rendered) {
        this.approvals.close(step.id);
        return this.resolveStep(step.id, { status: "failed", attempts: 0, error: rendered.error, ...warningsField(rendered.warnings) }, true);
      }
      this.approvals.open(step.id, rendered.input);
      this.emit({ type: "approval_needed", step: step.id, tool: step.spec.tool, params: rendered.input });
      return this.settlements.check();
    }
    this.launcher.offer(step);
  }

  private renderInput(step: PreparedStep) {
    return renderStepInput(step, this.loops.lookupFor(step.id, this.outputs), (id) => this.records.isDone(id), this.options.strict === true);
  }

  private evaluate(decision: PreparedDecision): void {
    this.evaluating++;
    const lookup = this.loops.lookupFor(decision.id, this.outputs);
    void evaluateOnce(this.options.evaluateDecision, decision, lookup, this.controller.signal, this.options.clock).then((outcome) => {
      this.evaluating--;
      const verdict = this.loops.judge(decision.id, outcome);
      if (verdict.again) this.goAround(this.prepared.loops.get(decision.id)!, verdict.outcome);
      else this.resolveDecision(decision.id, verdict.outcome);
      this.settlements.check();
    });
  }

  /**
   * The loop's decision chose to go back: its outcome for this iteration is kept, every body node
   * starts over one iteration later, and what waits on the body outside it waits again.
   */
  private goAround(loop: LoopInfo, outcome: DecisionOutcome): void {
    const iteration = outcome.iteration ?? 1;
    const write = this.writer.decision(loop.decision, outcome);
    this.gate.after(
      write,
      (failure) => (outcome.warnings = [...(outcome.warnings ?? []), failure.warning]),
      () => {
        this.emit({ type: "decision", decision: loop.decision, outcome });
        for (const id of this.loops.advance(loop, outcome, this.records.steps)) this.pending.hold(id, loop.body);
        const body = this.prepared.order.filter((id) => loop.body.has(id));
        this.pending.count(body, (id) => this.isResolved(id));
        this.settlements.batch(() => {
          for (const next of assessReadiness(this.structure, this.records, body)) this.becomeReady(next.id, next);
        });
      },
      () => this.settleNode(loop.decision, iteration),
    );
  }

  private resolveStep(id: string, record: StepRecord, persist: boolean): void {
    if (this.isResolved(id)) return;
    const kept = this.loops.withHistory(id, record);
    this.records.steps.set(id, kept);
    const iteration = this.iteration(id);
    const write = persist ? this.writer.step(id, kept) : undefined;
    this.gate.after(
      write,
      (failure) => this.amendStep(id, kept, failure),
      () => this.announceStep(id, iteration),
      () => this.settleNode(id, iteration),
    );
  }

  private resolveDecision(id: string, outcome: DecisionOutcome): void {
    if (this.isResolved(id)) return;
    this.records.decisions.set(id, outcome);
    const iteration = this.iteration(id);
    const write = this.writer.decision(id, outcome);
    this.gate.after(
      write,
      (failure) => this.records.decisions.set(id, { ...outcome, warnings: [...(outcome.warnings ?? []), failure.warning] }),
      () => {
        this.emit({ type: "decision", decision: id, outcome: this.records.decisions.get(id)! });
        this.release(id);
      },
      () => this.settleNode(id, iteration),
    );
  }

  /** A step whose store write failed, wherever its record now is (current, or a finished loop pass). */
  private amendStep(id: string, kept: StepRecord, failure: WriteFailure): void {
    const amended = withWriteFailure(kept, failure, this.options.durable === true);
    if (this.records.steps.get(id) === kept) this.records.steps.set(id, amended);
    else this.loops.amend(id, amended);
  }

  private announceStep(id: string, iteration: number): void {
    const record = this.stepRecord(id, iteration)!;
    this.emit({ type: "step_end", step: id, record });
    if (record.status === "failed" && this.options.failFast && !this.controller.signal.aborted) {
      this.abort(new PlangraphError("RUN_ABORTED", `fail-fast: stopped the run because step '${id}' failed`, { step: id }));
    }
    this.release(id);
  }

  private release(id: string): void {
    this.settlements.batch(() => {
      for (const next of this.pending.release(id)) this.becomeReady(next);
    });
  }

  private settleNode(id: string, iteration: number): void {
    this.settlements.of(id, iteration).resolve();
    this.budget.settled(this.records.resolved, this.prepared.order.length);
    this.settlements.check();
  }

}
