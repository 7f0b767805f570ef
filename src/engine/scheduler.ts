import { setMaxListeners } from "node:events";
import type { PreparedDecision, PreparedPlan, PreparedStep } from "../analysis/prepare.js";
import { PlangraphError } from "../model/errors.js";
import { renderTemplate, type OutputLookup } from "../refs/resolve.js";
import type { Clock } from "./clock.js";
import type { CompletionStore } from "../durability/completion-store.js";
import { deferred, type Deferred } from "./deferred.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import { callTool } from "./tool-call.js";
import { LOOP_REF, type LoopInfo } from "../analysis/loops.js";
import { cacheKey, DEFAULT_CACHE_TTL_MS, type StepCache } from "./step-cache.js";

/** Evaluates one decision once its inputs are known (rules, the chat model, or a fallback). */
export type DecisionEvaluator = (decision: PreparedDecision, outputs: OutputLookup, signal: AbortSignal) => Promise<DecisionOutcome>;

/** Progress events, for live displays, streaming and tracing. */
export type RunEvent =
  /** `ready_at`: when the step's inputs were all available; `at` - `ready_at` is time spent queued. */
  | { type: "step_start"; step: string; tool: string; at: number; ready_at: number; attempt: number }
  | { type: "cache_hit"; step: string; tool: string; at: number }
  | { type: "step_end"; step: string; record: StepRecord }
  | { type: "decision"; decision: string; outcome: DecisionOutcome }
  | { type: "approval_needed"; step: string; tool: string; params: unknown };

/** A human's answer to an approval request. */
export type ApprovalAnswer = { action: "approve"; params?: Record<string, unknown> } | { action: "reject"; reason?: string };

export interface SchedulerOptions {
  prepared: PreparedPlan;
  runId: string;
  clock: Clock;
  evaluateDecision: DecisionEvaluator;
  /** A missing reference fails the step instead of becoming null with a warning. */
  strict?: boolean;
  /** At most this many tool calls at once; 1 runs one step at a time in plan order. */
  maxConcurrency?: number;
  /** Cancels everything the run started. */
  signal?: AbortSignal;
  store?: CompletionStore;
  /** Records already known (from state or the completion store): never executed again. */
  seed?: { steps?: Record<string, StepRecord>; decisions?: Record<string, DecisionOutcome> };
  onEvent?: (event: RunEvent) => void;
  /**
   * Eager (default): a step's tool starts the moment its dependencies resolve. Lazy: it starts
   * only when its node asks (`demand`), i.e. plain LangGraph superstep timing — kept for
   * benchmarks and for comparing the two.
   */
  lazy?: boolean;
  /** Stop the whole run at the first failed step: tools in flight are aborted, the rest fail fast. */
  failFast?: boolean;
  /** Where opted-in steps' results are cached. */
  cache?: StepCache;
  /** Cache every step without side effects for this long (a run-wide opt-in); steps' own `cache` wins. */
  cacheTtlMs?: number;
}

/**
 * The per-run eager dataflow scheduler.
 *
 * LangGraph runs nodes in supersteps; this decides when *tools* start: each step's tool is called
 * the moment its own dependencies have resolved, and its node later just awaits the outcome. One
 * instance per run (never per graph), dropped when the run ends; every call it starts gets the
 * run's abort signal.
 */
export class PlanScheduler {
  readonly runId: string;
  private readonly prepared: PreparedPlan;
  private readonly options: SchedulerOptions;
  private readonly steps = new Map<string, StepRecord>();
  private readonly decisions = new Map<string, DecisionOutcome>();
  /** Settlement per node and loop iteration (`id#k`); nodes outside loops only ever have `#1`. */
  private readonly settled = new Map<string, Deferred<void>>();
  private readonly iterationOf = new Map<string, number>();
  /** Earlier iterations' records of loop-body nodes, oldest first. */
  private readonly stepHistory = new Map<string, StepRecord[]>();
  private readonly decisionHistory = new Map<string, DecisionOutcome[]>();
  private readonly waitingFor = new Map<string, number>();
  private readonly controller = new AbortController();
  private readonly queue: Array<{ step: PreparedStep; override: Record<string, unknown> | undefined }> = [];
  private readonly approvalInputs = new Map<string, Deferred<{ input: unknown } | { skipped: true }>>();
  private readonly awaitingApproval = new Set<string>();
  private readonly pendingInputs = new Map<string, unknown>();
  private readonly readyAt = new Map<string, number>();
  private readonly readied = new Set<string>();
  /** Lazy mode: steps whose inputs are ready but whose node has not asked yet, and those asked for. */
  private readonly parked = new Set<string>();
  private readonly demanded = new Set<string>();
  private readonly idleWaiters: Array<() => void> = [];
  private running = 0;
  private evaluating = 0;
  private started = false;

  constructor(options: SchedulerOptions) {
    this.options = options;
    this.prepared = options.prepared;
    this.runId = options.runId;
    // Every in-flight tool and backoff listens on this one signal: lift Node's default cap of 10.
    setMaxListeners(0, this.controller.signal);
    if (options.signal) {
      if (options.signal.aborted) this.controller.abort(options.signal.reason);
      else options.signal.addEventListener("abort", () => this.abort(options.signal!.reason), { once: true });
    }
    for (const [id, record] of Object.entries(options.seed?.steps ?? {})) if (this.prepared.steps.has(id)) this.steps.set(id, record);
    for (const [id, outcome] of Object.entries(options.seed?.decisions ?? {})) if (this.prepared.decisions.has(id)) this.decisions.set(id, outcome);
    for (const loop of this.prepared.loops.values()) this.seedLoop(loop);
    const budget = this.prepared.limits.maxRunMs;
    if (budget > 0) {
      // The run's wall-clock budget: everything still running or not yet started fails with it.
      this.budgetTimer = setTimeout(
        () => this.abort(new PlangraphError("RUN_BUDGET_EXCEEDED", `the run exceeded its time budget of ${budget} ms`)),
        budget,
      );
      this.budgetTimer.unref?.();
    }
  }

  private budgetTimer: ReturnType<typeof setTimeout> | undefined;

  /**
   * A run resumed inside a loop: the decision's last record says which iteration was under way;
   * body records from other iterations are stale and their nodes run again.
   */
  private seedLoop(loop: LoopInfo): void {
    const outcome = this.decisions.get(loop.decision);
    let current = 1;
    if (outcome?.status === "decided" && outcome.branch === loop.branch) {
      current = (outcome.iteration ?? 1) + 1;
      this.decisions.delete(loop.decision);
    } else if (outcome) current = outcome.iteration ?? 1;
    for (const id of loop.body) {
      this.iterationOf.set(id, current);
      const record = this.steps.get(id);
      if (record && (record.iteration ?? 1) !== current) this.steps.delete(id);
      if (record?.earlier) this.stepHistory.set(id, record.earlier.map((r) => ({ ...r, status: r.status as StepRecord["status"], attempts: 0 })));
    }
  }

  /** The loop iteration a node is on (1 outside loops). */
  iteration(id: string): number {
    return this.iterationOf.get(id) ?? 1;
  }

  private settlement(id: string, iteration = this.iteration(id)): Deferred<void> {
    const key = `${id}#${iteration}`;
    let d = this.settled.get(key);
    if (!d) this.settled.set(key, (d = deferred()));
    return d;
  }

  /** Launches every step whose dependencies are already resolved. Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (const id of this.prepared.order) {
      if (this.isResolved(id)) this.settlement(id).resolve();
      const deps = this.prepared.graph.deps.get(id) ?? [];
      this.waitingFor.set(id, deps.filter((dep) => !this.isResolved(dep)).length);
    }
    for (const id of this.prepared.order) {
      if (!this.isResolved(id) && this.waitingFor.get(id) === 0) this.becomeReady(id);
    }
  }

  /** Resolves when the step or decision has an outcome (for a loop body node: in that iteration). */
  async whenSettled(id: string, iteration = this.iteration(id)): Promise<void> {
    this.start();
    await this.settlement(id, iteration).promise;
  }

  /** A step's record: the current one, or that of an earlier loop iteration. */
  stepRecord(id: string, iteration = this.iteration(id)): StepRecord | undefined {
    if (iteration === this.iteration(id)) return this.steps.get(id);
    return this.stepHistory.get(id)?.[iteration - 1];
  }

  decisionOutcome(id: string, iteration = this.iteration(id)): DecisionOutcome | undefined {
    if (iteration === this.iteration(id)) return this.decisions.get(id);
    return this.decisionHistory.get(id)?.[iteration - 1];
  }

  /** Outputs of every iteration of a loop-body step, oldest first (empty outside loops). */
  iterationOutputs(id: string): unknown[] {
    if (!this.prepared.loopOf.has(id)) return [];
    const earlier = (this.stepHistory.get(id) ?? []).map((r) => (r.status === "done" ? r.output : null));
    const current = this.steps.get(id);
    return current ? [...earlier, current.status === "done" ? current.output : null] : earlier;
  }

  isResolved(id: string): boolean {
    return this.steps.has(id) || this.decisions.has(id);
  }

  /** The outputs of done steps, as references see them. */
  readonly outputs: OutputLookup = (step) => {
    const record = this.steps.get(step);
    return record?.status === "done" ? { ok: true, value: record.output } : { ok: false };
  };

  /** What a node's references see: step outputs, plus `{__loop.iteration}` inside a loop body. */
  private outputsFor(node: string): OutputLookup {
    if (!this.prepared.loopOf.has(node)) return this.outputs;
    return (step) => (step === LOOP_REF ? { ok: true, value: { iteration: this.iteration(node) } } : this.outputs(step));
  }

  /**
   * For a step that needs approval: resolves with its input once its dependencies are done (or
   * tells that it was skipped). The tool does not run until `answerApproval`.
   */
  async approvalRequest(id: string): Promise<{ input: unknown } | { skipped: true }> {
    this.start();
    return this.approvalDeferred(id).promise;
  }

  /** Approve (optionally with replacement params) or reject a step waiting for approval. */
  answerApproval(id: string, answer: ApprovalAnswer): void {
    if (this.isResolved(id) || !this.awaitingApproval.has(id)) return;
    this.awaitingApproval.delete(id);
    const step = this.prepared.steps.get(id)!;
    if (answer.action === "reject") {
      const reason = answer.reason ? `rejected: ${answer.reason}` : "rejected by a reviewer";
      this.resolveStep(id, { status: "rejected", attempts: 0, reason, error: { code: "STEP_REJECTED", message: `step '${id}' was ${reason}` } }, true);
      return;
    }
    this.enqueue(step, answer.params);
  }

  /** Resolves when nothing is running or queued: everything not blocked by an approval is done. */
  whenIdle(): Promise<void> {
    this.start();
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** The resolved input of a step waiting for approval. */
  pendingInput(id: string): unknown {
    return this.pendingInputs.get(id);
  }

  /** Steps waiting for a human. */
  pendingApprovals(): string[] {
    return [...this.awaitingApproval];
  }

  /** Cancels every tool call the run started (and any backoff). */
  abort(reason?: unknown): void {
    if (!this.controller.signal.aborted) {
      this.controller.abort(reason ?? new PlangraphError("RUN_ABORTED", "the run was cancelled"));
    }
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  private approvalDeferred(id: string) {
    let d = this.approvalInputs.get(id);
    if (!d) this.approvalInputs.set(id, (d = deferred()));
    return d;
  }

  private becomeReady(id: string): void {
    // Once per node (per loop iteration): a step resolved synchronously (a cache hit) readies its
    // dependents while start() is still walking the plan, which must not ready them again.
    const key = `${id}#${this.iteration(id)}`;
    if (this.readied.has(key)) return;
    this.readied.add(key);
    const step = this.prepared.steps.get(id);
    if (step) return this.readyStep(step);
    const decision = this.prepared.decisions.get(id);
    if (decision) this.readyDecision(decision);
  }

  private readyStep(step: PreparedStep): void {
    const blocked = this.blockingReason(step);
    if (blocked !== undefined) {
      if (step.spec.requires_approval) this.approvalDeferred(step.id).resolve({ skipped: true });
      this.resolveStep(step.id, { status: "skipped", attempts: 0, reason: blocked }, false);
      return;
    }
    if (step.spec.requires_approval) {
      const rendered = this.renderInput(step);
      if ("error" in rendered) {
        this.approvalDeferred(step.id).resolve({ skipped: true });
        this.resolveStep(step.id, { status: "failed", attempts: 0, error: rendered.error, ...warn(rendered.warnings) }, true);
        return;
      }
      this.awaitingApproval.add(step.id);
      this.pendingInputs.set(step.id, rendered.input);
      this.options.onEvent?.({ type: "approval_needed", step: step.id, tool: step.spec.tool, params: rendered.input });
      this.approvalDeferred(step.id).resolve({ input: rendered.input });
      this.checkIdle();
      return;
    }
    if (this.options.lazy && !this.demanded.has(step.id)) {
      this.parked.add(step.id);
      return;
    }
    this.enqueue(step);
  }

  /** Lazy mode: the step's node is running and wants its tool called (no-op in eager mode). */
  demand(id: string): void {
    if (!this.options.lazy) return;
    this.demanded.add(id);
    if (this.parked.delete(id)) this.enqueue(this.prepared.steps.get(id)!);
  }

  /** Why a step cannot run given its dependencies' outcomes, or undefined when it can. */
  private blockingReason(step: PreparedStep): string | undefined {
    for (const dep of this.prepared.graph.deps.get(step.id) ?? []) {
      const decision = this.prepared.decisions.get(dep);
      if (decision) {
        const outcome = this.decisions.get(dep)!;
        if (outcome.status === "skipped") return `decision '${dep}' was not evaluated (${outcome.reason})`;
        const branch = outcome.branch ?? "then";
        if (!decision.spec[branch].includes(step.id)) return `decision '${dep}' took '${branch}'`;
        continue;
      }
      const record = this.steps.get(dep)!;
      if (record.status === "done" || step.optionalDeps.has(dep)) continue;
      return `'${dep}' ${record.status === "failed" ? "failed" : record.status === "rejected" ? "was rejected" : "was skipped"}`;
    }
    return undefined;
  }

  private enqueue(step: PreparedStep, override?: Record<string, unknown>): void {
    if (!this.readyAt.has(step.id)) this.readyAt.set(step.id, this.options.clock.now());
    if (this.options.maxConcurrency === undefined) {
      void this.launch(step, override);
      return;
    }
    // Bounded: every ready step queues in plan order and the queue is served from the front, so a
    // step unblocked by a finishing step never jumps ahead of one that was already waiting (the
    // legacy sequential mode's contract: plan order among ready steps).
    const at = this.queue.findIndex((queued) => queued.step.index > step.index);
    this.queue.splice(at < 0 ? this.queue.length : at, 0, { step, override });
    this.drainQueue();
  }

  private renderInput(step: PreparedStep): { input: unknown; warnings: string[] } | { error: { code: string; message: string }; warnings: string[] } {
    const warnings: string[] = [];
    const input = renderTemplate(step.input, this.outputsFor(step.id), (missing) => {
      // An optional dependency that did not run reads as null by design: not worth a warning.
      if (step.optionalDeps.has(missing.ref.step) && this.steps.get(missing.ref.step)?.status !== "done") return;
      warnings.push(`step '${step.id}': ${missing.message}`);
    });
    if (warnings.length && this.options.strict) {
      return { error: { code: "MISSING_REFERENCE", message: `${warnings.join("; ")} (strict mode)` }, warnings: [] };
    }
    return { input, warnings };
  }

  private async launch(step: PreparedStep, override?: Record<string, unknown>): Promise<void> {
    this.running++;
    const rendered = override ? { input: override, warnings: [] } : this.renderInput(step);
    if ("error" in rendered) {
      this.running--;
      this.resolveStep(step.id, { status: "failed", attempts: 0, error: rendered.error }, true);
      this.drainQueue();
      return;
    }
    const clock = this.options.clock;
    const ttl = this.cacheTtl(step);
    const key = ttl !== undefined ? cacheKey(step.spec.tool, rendered.input) : undefined;
    if (key !== undefined) {
      const hit = this.options.cache!.get(key, clock.now());
      if (hit) {
        const at = clock.now();
        this.options.onEvent?.({ type: "cache_hit", step: step.id, tool: step.spec.tool, at });
        this.running--;
        this.resolveStep(step.id, { status: "done", output: hit.output, input: rendered.input, cached: true, attempts: 0, started_at: at, ended_at: at, ...warn(rendered.warnings) }, true);
        this.drainQueue();
        return;
      }
    }
    const startedAt = clock.now();
    const result = await callTool({
      stepId: step.id,
      tool: step.tool,
      input: rendered.input,
      ...(step.spec.retry ? { retry: step.spec.retry } : {}),
      ...(step.spec.timeout_ms !== undefined ? { timeoutMs: step.spec.timeout_ms } : {}),
      signal: this.controller.signal,
      maxOutputBytes: this.prepared.limits.maxOutputBytes,
      onAttempt: (attempt) =>
        this.options.onEvent?.({ type: "step_start", step: step.id, tool: step.spec.tool, at: clock.now(), ready_at: this.readyAt.get(step.id) ?? startedAt, attempt }),
    });
    const endedAt = clock.now();
    this.running--;
    if (key !== undefined && result.ok) this.options.cache!.set(key, { output: result.output, expiresAt: endedAt + ttl! });
    const timing = { started_at: startedAt, ended_at: endedAt, attempts: result.attempts, input: rendered.input, ...warn(rendered.warnings) };
    this.resolveStep(step.id, result.ok ? { status: "done", output: result.output, ...timing } : { status: "failed", error: result.error, ...timing }, true);
    this.drainQueue();
  }

  /** How long this step's result may be cached, or undefined when it is not cached. */
  private cacheTtl(step: PreparedStep): number | undefined {
    if (!this.options.cache || step.tool.traits.sideEffects) return undefined;
    const own = step.spec.cache;
    if (own === false) return undefined;
    if (own === true) return DEFAULT_CACHE_TTL_MS;
    if (own && typeof own === "object") return own.ttl_ms;
    return this.options.cacheTtlMs;
  }

  private drainQueue(): void {
    const limit = this.options.maxConcurrency ?? Infinity;
    while (this.queue.length && this.running < limit) {
      const next = this.queue.shift()!;
      void this.launch(next.step, next.override);
    }
    this.checkIdle();
  }

  private readyDecision(decision: PreparedDecision): void {
    for (const dep of decision.deps) {
      const record = this.steps.get(dep);
      if (record?.status !== "done") {
        const why = `'${dep}' ${record?.status === "failed" ? "failed" : "did not run"}`;
        this.resolveDecision(decision.id, { status: "skipped", reason: why });
        return;
      }
    }
    this.evaluating++;
    const started = this.options.clock.now();
    this.options
      .evaluateDecision(decision, this.outputsFor(decision.id), this.controller.signal)
      .catch((error): DecisionOutcome => ({
        status: "decided",
        branch: decision.spec.default,
        source: "fallback",
        reason: `evaluation failed; took the default '${decision.spec.default}'`,
        cause: error instanceof Error ? error.message : String(error),
      }))
      .then((outcome) => {
        this.evaluating--;
        const timed: DecisionOutcome = { decided_at: this.options.clock.now(), latency_ms: this.options.clock.now() - started, ...outcome };
        const loop = this.prepared.loops.get(decision.id);
        if (loop && timed.status === "decided" && timed.branch === loop.branch) {
          const iteration = this.iteration(decision.id);
          if (iteration < loop.maxIterations) {
            this.nextIteration(loop, { ...timed, iteration });
            this.checkIdle();
            return;
          }
          const exit = loop.branch === "then" ? "else" : "then";
          timed.branch = exit;
          timed.reason = `${timed.reason}; max_iterations (${loop.maxIterations}) reached: took '${exit}'`;
        }
        this.resolveDecision(decision.id, loop ? { ...timed, iteration: this.iteration(decision.id) } : timed);
        this.checkIdle();
      });
  }

  /**
   * The loop's decision chose to go back: its outcome for this iteration is kept, every body node
   * starts over one iteration later, and what waits on the body outside it waits again.
   */
  private nextIteration(loop: LoopInfo, outcome: DecisionOutcome): void {
    const iteration = outcome.iteration ?? 1;
    const history = this.decisionHistory.get(loop.decision) ?? [];
    history[iteration - 1] = outcome;
    this.decisionHistory.set(loop.decision, history);
    if (this.options.store) void this.options.store.saveDecision(this.runId, loop.decision, outcome).catch(() => undefined);
    this.options.onEvent?.({ type: "decision", decision: loop.decision, outcome });
    this.settlement(loop.decision, iteration).resolve();
    for (const id of loop.body) {
      const record = this.steps.get(id);
      if (record) {
        const earlier = this.stepHistory.get(id) ?? [];
        earlier[iteration - 1] = record;
        this.stepHistory.set(id, earlier);
        this.steps.delete(id);
        for (const next of this.prepared.dependents.get(id) ?? []) {
          if (!loop.body.has(next)) this.waitingFor.set(next, (this.waitingFor.get(next) ?? 0) + 1);
        }
      }
      this.iterationOf.set(id, iteration + 1);
    }
    for (const id of loop.body) {
      const deps = this.prepared.graph.deps.get(id) ?? [];
      this.waitingFor.set(id, deps.filter((dep) => !this.isResolved(dep)).length);
    }
    for (const id of this.prepared.order) {
      if (loop.body.has(id) && !this.isResolved(id) && this.waitingFor.get(id) === 0) this.becomeReady(id);
    }
  }

  private resolveStep(id: string, record: StepRecord, persist: boolean): void {
    if (this.isResolved(id)) return;
    if (this.prepared.loopOf.has(id)) {
      const earlier = (this.stepHistory.get(id) ?? []).map((r) => ({
        status: r.status,
        ...(r.status === "done" ? { output: r.output } : {}),
        ...(r.started_at !== undefined ? { started_at: r.started_at } : {}),
        ...(r.ended_at !== undefined ? { ended_at: r.ended_at } : {}),
      }));
      record = { ...record, iteration: this.iteration(id), ...(earlier.length ? { earlier } : {}) };
    }
    this.steps.set(id, record);
    if (persist && this.options.store) void this.options.store.saveStep(this.runId, id, record).catch(() => undefined);
    this.options.onEvent?.({ type: "step_end", step: id, record });
    if (record.status === "failed" && this.options.failFast && !this.controller.signal.aborted) {
      this.abort(new PlangraphError("RUN_ABORTED", `fail-fast: stopped the run because step '${id}' failed`, { step: id }));
    }
    this.settle(id);
  }

  private resolveDecision(id: string, outcome: DecisionOutcome): void {
    if (this.isResolved(id)) return;
    this.decisions.set(id, outcome);
    if (this.options.store) void this.options.store.saveDecision(this.runId, id, outcome).catch(() => undefined);
    this.options.onEvent?.({ type: "decision", decision: id, outcome });
    this.settle(id);
  }

  private settle(id: string): void {
    this.settlement(id).resolve();
    if (this.budgetTimer && this.prepared.order.every((node) => this.isResolved(node))) clearTimeout(this.budgetTimer);
    for (const next of this.prepared.dependents.get(id) ?? []) {
      const left = (this.waitingFor.get(next) ?? 0) - 1;
      this.waitingFor.set(next, left);
      if (left === 0 && !this.isResolved(next)) this.becomeReady(next);
    }
    this.checkIdle();
  }

  private isIdle(): boolean {
    return this.running === 0 && this.queue.length === 0 && this.evaluating === 0;
  }

  private checkIdle(): void {
    if (!this.isIdle()) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

function warn(warnings: string[]): { warnings?: string[] } {
  return warnings.length ? { warnings } : {};
}
