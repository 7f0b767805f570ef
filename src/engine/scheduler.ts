import type { PreparedDecision, PreparedPlan, PreparedStep } from "../analysis/prepare.js";
import { PlangraphError } from "../model/errors.js";
import type { ApprovalAnswer, RunEvent } from "../model/events.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import type { OutputLookup } from "../refs/resolve.js";
import { Approvals, rejectedRecord, type ApprovalRequest } from "./approvals.js";
import { Settlements } from "./settlements.js";
import { evaluateOnce } from "./decision-evaluator.js";
import type { Launcher } from "./launcher.js";
import { followSignal, wireLauncher } from "./launcher-wiring.js";
import { LoopState } from "./loop-state.js";
import { CompletionWriter, eventEmitter, RunBudget } from "./observers.js";
import { PendingDeps } from "./pending-deps.js";
import { StoreGate } from "./store-gate.js";
import { assessReadiness, readinessStructure, verdictFor, type ReadinessStructure, type Verdict } from "./readiness.js";
import { RunRecords } from "./run-records.js";
import { Resolver } from "./resolver.js";
import type { SchedulerOptions } from "./scheduler-options.js";
import { renderStepInput, warningsField } from "./step-input.js";
import { fanOutParts, type FanOutParts } from "./fan-out-parts.js";
import { callIdentity, runKeyOf } from "./call-scope.js";
import type { CallerContext } from "../model/caller.js";
import { answerEvent } from "./audit-trail.js";
import { innerSchedulerOptions, SubPlanRuns } from "./sub-plan-run.js";
import { stepToolName } from "../plan/sub-plans.js";

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
  private readonly subPlans = new SubPlanRuns();
  private readonly resolver: Resolver;
  /** What references read: this run's outputs, then (an inner plan's run) the outer run's. */
  private readonly lookup: OutputLookup;
  private evaluating = 0;
  private started = false;

  /** Who the run's tool calls are made for (its result's `context`), when its caller said. */
  get caller(): CallerContext | undefined {
    return this.options.scope?.caller;
  }

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
    followSignal(this.controller, options.signal, (reason) => this.abort(reason));
    this.records = new RunRecords(this.prepared, options.seed);
    const own = this.records.outputs;
    const outer = options.outer;
    this.lookup = outer ? (id) => (this.prepared.steps.has(id) ? own(id) : outer(id)) : own;
    this.loops.seed(this.records.steps, this.records.decisions);
    this.budget = new RunBudget(this.prepared.limits.maxRunMs, (error) => this.abort(error));
    this.resolver = new Resolver({
      prepared: this.prepared,
      structure: this.structure,
      records: this.records,
      loops: this.loops,
      pending: this.pending,
      settlements: this.settlements,
      writer: this.writer,
      gate: this.gate,
      budget: this.budget,
      durable: options.durable === true,
      failFast: options.failFast === true,
      signal: this.controller.signal,
      emit: this.emit,
      abort: (error) => this.abort(error),
      ready: (id, verdict) => this.becomeReady(id, verdict),
    });
    const lookup = (step: PreparedStep) => this.loops.lookupFor(step.id, this.outputs);
    const iteration = (id: string) => this.iteration(id);
    this.fanOut = fanOutParts({ limits: this.prepared.limits, strict: options.strict === true, durable: options.durable === true, seed: options.seed?.steps, writer: this.writer, lookup, isDone: (id) => this.records.isDone(id), iteration });
    this.launcher = wireLauncher(options, {
      signal: this.controller.signal,
      fanOut: this.fanOut,
      lookup,
      iteration,
      createInner: (spec) => {
        const run = new PlanScheduler(innerSchedulerOptions(options, spec, this.controller.signal, (index, call) => this.launcher.inSlot(index, call)));
        if (!spec.step.forEach) this.subPlans.track(spec.step.id, run);
        return run;
      },
      render: (step) => this.renderInput(step),
      finish: (step, record) => this.resolver.step(step.id, record, true),
      emit: this.emit,
      changed: () => this.settlements.check(),
      // Keyed by the qualified name (`outer[3].inner` inside a sub-plan), so no two calls share a key.
      ...(options.scope ? { identify: (step: PreparedStep, itemIndex?: number) => callIdentity(options.scope!, this.runId, `${options.namePrefix ?? ""}${step.id}`, itemIndex) } : {}),
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
    return this.lookup;
  }

  /**
   * Resolves when an inner step of a sub-plan step has its outcome (with for_each: when the
   * whole step has, every element having run the inner plan), or the sub-plan step settled
   * without running it.
   */
  async whenInnerSettled(step: string, inner: string, iteration = this.iteration(step)): Promise<void> {
    const settled = this.whenSettled(step, iteration);
    if (this.prepared.steps.get(step)?.forEach) return settled;
    await Promise.race([settled, this.subPlans.runOf(step).then((run) => run.whenSettled(inner))]);
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
    void scope?.audit?.record(answerEvent(id, stepToolName(this.prepared.steps.get(id)!.spec), answer, input), runKeyOf(scope, this.runId));
    if (answer.action === "reject") this.resolver.step(id, rejectedRecord(id, answer), true);
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
    if (!verdict.run) return this.resolver.decision(id, { status: "skipped", reason: verdict.reason });
    this.evaluate(this.prepared.decisions.get(id)!);
  }

  private readyStep(step: PreparedStep, verdict: Verdict): void {
    if (!verdict.run) {
      if (step.spec.requires_approval) this.approvals.close(step.id);
      return this.resolver.step(step.id, { status: "skipped", attempts: 0, reason: verdict.reason }, false);
    }
    if (step.spec.requires_approval) {
      // A for_each step is approved as a whole: the human sees every element's input.
      const rendered = step.forEach ? this.fanOut.renderAll(step) : this.renderInput(step);
      if ("error" in rendered) {
        this.approvals.close(step.id);
        return this.resolver.step(step.id, { status: "failed", attempts: 0, error: rendered.error, ...warningsField(rendered.warnings) }, true);
      }
      this.approvals.open(step.id, rendered.input);
      this.emit({ type: "approval_needed", step: step.id, tool: stepToolName(step.spec), params: rendered.input });
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
      if (verdict.again) this.resolver.goAround(this.prepared.loops.get(decision.id)!, verdict.outcome);
      else this.resolver.decision(decision.id, verdict.outcome);
      this.settlements.check();
    });
  }
}
