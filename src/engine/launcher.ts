import type { PreparedStep } from "../analysis/prepare.js";
import type { RunEvent } from "../model/events.js";
import type { StepRecord } from "../model/records.js";
import type { Clock } from "./clock.js";
import { cacheKey, DEFAULT_CACHE_TTL_MS, type StepCache } from "./step-cache.js";
import { warningsField, type RenderedInput } from "./step-input.js";
import { callTool, describeSafely } from "./tool-call.js";
import { runFanOut, type FanOutDeps } from "./fan-out.js";
import type { FanOut } from "../analysis/for-each.js";
import type { AuditTrail } from "./audit-trail.js";
import type { CallIdentity } from "./call-scope.js";
import { ITEM_INDEX } from "../analysis/for-each.js";
import { stepToolName } from "../plan/sub-plans.js";
import { runSubPlanPass, type SubPlanDeps } from "./sub-plan-run.js";

export interface LauncherOptions {
  clock: Clock;
  /** The run's signal: every call and backoff stops when it aborts. */
  signal: AbortSignal;
  /** At most this many tool calls at once; unset = no bound. */
  maxConcurrency?: number;
  maxOutputBytes: number;
  /**
   * Lazy: a ready step's call starts only once its node asks (`demand`), i.e. plain LangGraph
   * superstep timing — kept for benchmarks and for comparing with eager starts.
   */
  lazy?: boolean;
  cache?: StepCache;
  /** Run-wide cache opt-in for steps without side effects; a step's own `cache` wins. */
  cacheTtlMs?: number;
  /** What a for_each step needs besides the launcher's own parts. */
  fanOut: Pick<FanOutDeps, "list" | "reserve" | "render" | "completed" | "save">;
  /** What a sub-plan step needs to run its inner plan. */
  subPlan: Omit<SubPlanDeps, "clock">;
  /**
   * The launcher of an inner plan's run: every tool call takes a slot of the outer run instead
   * (so the run's maxConcurrency, and --sequential, hold across sub-plans).
   */
  outerSlot?: <T>(call: () => Promise<T>) => Promise<T>;
  /** Put before a step's id where its tool calls name it (an inner plan's run: `outer[3].`). */
  namePrefix?: string;
  /** Renders a step's input when its call starts. */
  render(step: PreparedStep): RenderedInput;
  /** A launched step has its record. */
  finish(step: PreparedStep, record: StepRecord): void;
  emit(event: RunEvent): void;
  /** A call ended or the queue moved: the scheduler may have become idle. */
  changed(): void;
  /** The identity a step's call (an element's, with `itemIndex`) carries into its tool. */
  identify?(step: PreparedStep, itemIndex?: number): CallIdentity;
  /** Where side-effecting calls are recorded. */
  audit?: AuditTrail;
}

/**
 * Starts tool calls for ready steps: at most `maxConcurrency` at once, served in plan order, with
 * the step cache in front and the tool call (timeouts, retries, output checks) behind. Whatever a
 * tool or cache does, a launched step always ends with a record: never an unhandled rejection.
 */
export class Launcher {
  /** Calls waiting for a slot, in plan order (a for_each step's elements in element order). */
  private readonly queue: Array<{ index: number; start: () => void }> = [];
  private readonly readyAt = new Map<string, number>();
  /** Lazy mode: ready steps whose node has not asked yet, and the steps whose node has asked. */
  private readonly parked = new Map<string, PreparedStep>();
  private readonly demanded = new Set<string>();
  private running = 0;
  /** for_each steps between their list resolving and their last element ending. */
  private fanning = 0;

  constructor(private readonly options: LauncherOptions) {}

  /** True while a call runs or waits for a slot. */
  get busy(): boolean {
    return this.running > 0 || this.queue.length > 0 || this.fanning > 0;
  }

  /** A step is ready: call it (eager), or park it until its node asks (lazy). */
  offer(step: PreparedStep): void {
    if (this.options.lazy && !this.demanded.has(step.id)) this.parked.set(step.id, step);
    else this.enqueue(step);
  }

  /** Lazy mode: the step's node is running and wants its tool called (no-op in eager mode). */
  demand(id: string): void {
    if (!this.options.lazy) return;
    this.demanded.add(id);
    const step = this.parked.get(id);
    if (step && this.parked.delete(id)) this.enqueue(step);
  }

  /** Calls the step's tool now, or as soon as a slot frees; `override` replaces the rendered input. */
  enqueue(step: PreparedStep, override?: Record<string, unknown>): void {
    if (!this.readyAt.has(step.id)) this.readyAt.set(step.id, this.options.clock.now());
    // A for_each step takes no slot itself: each of its element calls does; so does a sub-plan.
    if (step.subPlan) return void this.runSubPlan(step);
    if (step.forEach) return void this.fanOut(step, step.forEach, override);
    if (this.options.outerSlot) return void this.launch(step, override);
    this.whenSlot(step.index, () => void this.launch(step, override));
  }

  /** Runs `call` in one of this run's tool-call slots, queued in plan order by `index`. */
  inSlot<T>(index: number, call: () => Promise<T>): Promise<T> {
    return this.slotAt(index, call);
  }

  /**
   * Starts `start` now, or once a slot frees. Bounded: calls queue in plan order and the queue is
   * served from the front, so a step unblocked by a finishing step never jumps ahead of one
   * already waiting (the legacy sequential mode's contract: plan order among ready steps).
   */
  private whenSlot(index: number, start: () => void): void {
    if (this.options.maxConcurrency === undefined) return start();
    const at = this.queue.findIndex((queued) => queued.index > index);
    this.queue.splice(at < 0 ? this.queue.length : at, 0, { index, start });
    this.drain();
  }

  private drain(): void {
    const limit = this.options.maxConcurrency ?? Infinity;
    while (this.queue.length && this.running < limit) this.queue.shift()!.start();
    this.options.changed();
  }

  /** One element call of a for_each step, in a slot of the run's concurrency. */
  private slot<T>(step: PreparedStep, call: () => Promise<T>): Promise<T> {
    return this.options.outerSlot ? this.outerCall(call) : this.slotAt(step.index, call);
  }

  /** A call of an inner run in the outer run's slot, counted here too (this run is busy meanwhile). */
  private outerCall<T>(call: () => Promise<T>): Promise<T> {
    this.running++;
    return this.options.outerSlot!(call).finally(() => {
      this.running--;
      this.options.changed();
    });
  }

  private slotAt<T>(index: number, call: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.whenSlot(index, () => {
        this.running++;
        call()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            this.drain();
          });
      });
    });
  }

  /**
   * A for_each step's elements; `override` (the params an approval gave) is merged over every
   * element's input: the reviewer edits the step's parameters, the elements keep their own.
   */
  private async fanOut(step: PreparedStep, fanOut: FanOut, override?: Record<string, unknown>): Promise<void> {
    this.fanning++;
    const { clock, signal, maxOutputBytes, emit } = this.options;
    const parts = this.options.fanOut;
    const render: FanOutDeps["render"] = override ? (s, item, index) => withOverride(parts.render(s, item, index), override) : parts.render;
    await this.conclude(
      step,
      () => {
        const cache = this.elementCache(step);
        const { identify, audit, namePrefix } = this.options;
        return runFanOut(step, fanOut, {
          ...parts,
          render,
          clock,
          signal,
          maxOutputBytes,
          emit,
          slot: (s, call) => this.slot(s, call),
          ...(cache ? { cache } : {}),
          ...(namePrefix ? { namePrefix } : {}),
          ...(identify ? { identify } : {}),
          ...(audit ? { audit } : {}),
        });
      },
      () => this.fanning--,
    );
  }

  private async launch(step: PreparedStep, override: Record<string, unknown> | undefined): Promise<void> {
    const outer = this.options.outerSlot;
    this.running++;
    await this.conclude(step, () => (outer ? outer(() => this.call(step, override)) : this.call(step, override)), () => this.running--);
  }

  /**
   * A sub-plan step: its inner plan runs once (or once per element, as a for_each step's
   * elements run: bounded by max_concurrency, saved as each ends, per on_item_error). It takes
   * no slot itself; its inner steps' tool calls do.
   */
  private async runSubPlan(step: PreparedStep): Promise<void> {
    this.fanning++;
    const { clock, signal, maxOutputBytes, emit } = this.options;
    const deps = { ...this.options.subPlan, clock };
    const fanOut = step.forEach;
    await this.conclude(
      step,
      () => {
        if (!fanOut) {
          const at = clock.now();
          emit({ type: "step_start", step: step.id, tool: stepToolName(step.spec), at, ready_at: this.readyAt.get(step.id) ?? at, attempt: 1 });
          return runSubPlanPass(step, deps);
        }
        const element = (s: PreparedStep, item: unknown, index: number) => runSubPlanPass(s, deps, { item, index, as: fanOut.as, indexName: ITEM_INDEX });
        return runFanOut(step, fanOut, { ...this.options.fanOut, clock, signal, maxOutputBytes, emit, slot: (_s, call) => call(), element });
      },
      () => this.fanning--,
    );
  }

  /**
   * A launched step's work to its record, then handed on. A cache, a render or an event listener
   * that threw fails the step, never the run; `done` releases the step's count before `finish`.
   */
  private async conclude(step: PreparedStep, work: () => Promise<StepRecord>, done: () => void): Promise<void> {
    let record: StepRecord;
    try {
      record = await work();
    } catch (error) {
      record = { status: "failed", attempts: 0, error: { code: "INTERNAL", message: `step '${step.id}' (${step.subPlan ? "sub-plan" : `tool '${step.spec.tool}'`}) could not be run: ${describeSafely(error)}` } };
    }
    done();
    try {
      this.options.finish(step, record);
    } finally {
      this.drain();
    }
  }

  private async call(step: PreparedStep, override: Record<string, unknown> | undefined): Promise<StepRecord> {
    const rendered = override ? { input: override, warnings: [] } : this.options.render(step);
    if ("error" in rendered) return { status: "failed", attempts: 0, error: rendered.error };
    const { clock, cache } = this.options;
    const ttl = this.cacheTtl(step);
    const tool = step.tool!;
    const key = ttl !== undefined ? cacheKey(tool.name, rendered.input) : undefined;
    const hit = key !== undefined ? cache!.get(key, clock.now()) : undefined;
    if (hit) {
      const at = clock.now();
      this.options.emit({ type: "cache_hit", step: step.id, tool: tool.name, at });
      return { status: "done", output: hit.output, input: rendered.input, cached: true, attempts: 0, started_at: at, ended_at: at, ...warningsField(rendered.warnings) };
    }
    const startedAt = clock.now();
    const result = await callTool({
      stepId: `${this.options.namePrefix ?? ""}${step.id}`,
      tool,
      input: rendered.input,
      ...(step.spec.retry ? { retry: step.spec.retry } : {}),
      ...(step.spec.timeout_ms !== undefined ? { timeoutMs: step.spec.timeout_ms } : {}),
      signal: this.options.signal,
      maxOutputBytes: this.options.maxOutputBytes,
      ...(this.options.identify ? { identity: this.options.identify(step) } : {}),
      ...(this.options.audit ? { audit: this.options.audit } : {}),
      onAttempt: (attempt) =>
        this.options.emit({ type: "step_start", step: step.id, tool: tool.name, at: clock.now(), ready_at: this.readyAt.get(step.id) ?? startedAt, attempt }),
    });
    const endedAt = clock.now();
    if (key !== undefined && result.ok) cache!.set(key, { output: result.output, expiresAt: endedAt + ttl! });
    const timing = { started_at: startedAt, ended_at: endedAt, attempts: result.attempts, input: rendered.input, ...warningsField([...rendered.warnings, ...(result.warnings ?? [])]) };
    return result.ok ? { status: "done", output: result.output, ...timing } : { status: "failed", error: result.error, ...timing };
  }

  /** The step's cache opt-in, applied to each element's input (keyed by tool + input, as a plain step's). */
  private elementCache(step: PreparedStep): FanOutDeps["cache"] {
    const ttl = this.cacheTtl(step);
    const { cache, clock } = this.options;
    if (ttl === undefined || !cache) return undefined;
    return {
      get: (s, input) => cache.get(cacheKey(s.tool!.name, input), clock.now()),
      set: (s, input, output) => cache.set(cacheKey(s.tool!.name, input), { output, expiresAt: clock.now() + ttl }),
    };
  }

  /** How long this step's result may be cached, or undefined when it is not cached. */
  private cacheTtl(step: PreparedStep): number | undefined {
    if (!this.options.cache || !step.tool || step.tool.traits.sideEffects) return undefined;
    const own = step.spec.cache;
    if (own === false) return undefined;
    if (own === true) return DEFAULT_CACHE_TTL_MS;
    if (own && typeof own === "object") return own.ttl_ms;
    return this.options.cacheTtlMs;
  }
}

/** An element's rendered input with approved params merged over it (own properties only). */
function withOverride(rendered: RenderedInput, override: Record<string, unknown>): RenderedInput {
  if ("error" in rendered) return rendered;
  const input: Record<string, unknown> = {};
  const base = rendered.input !== null && typeof rendered.input === "object" ? (rendered.input as Record<string, unknown>) : {};
  for (const source of [base, override]) {
    for (const [key, value] of Object.entries(source)) Object.defineProperty(input, key, { value, enumerable: true, writable: true, configurable: true });
  }
  return { input, warnings: rendered.warnings };
}
