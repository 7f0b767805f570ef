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
    // A for_each step takes no slot itself: each of its element calls does.
    if (step.forEach) return void this.fanOut(step, step.forEach);
    this.whenSlot(step.index, () => void this.launch(step, override));
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
    return new Promise<T>((resolve, reject) => {
      this.whenSlot(step.index, () => {
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

  private async fanOut(step: PreparedStep, fanOut: FanOut): Promise<void> {
    this.fanning++;
    const { clock, signal, maxOutputBytes, emit } = this.options;
    await this.conclude(
      step,
      () => {
        const cache = this.elementCache(step);
        const { identify, audit } = this.options;
        return runFanOut(step, fanOut, {
          ...this.options.fanOut,
          clock,
          signal,
          maxOutputBytes,
          emit,
          slot: (s, call) => this.slot(s, call),
          ...(cache ? { cache } : {}),
          ...(identify ? { identify } : {}),
          ...(audit ? { audit } : {}),
        });
      },
      () => this.fanning--,
    );
  }

  private async launch(step: PreparedStep, override: Record<string, unknown> | undefined): Promise<void> {
    this.running++;
    await this.conclude(step, () => this.call(step, override), () => this.running--);
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
      record = { status: "failed", attempts: 0, error: { code: "INTERNAL", message: `step '${step.id}' (tool '${step.spec.tool}') could not be run: ${describeSafely(error)}` } };
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
    const key = ttl !== undefined ? cacheKey(step.spec.tool, rendered.input) : undefined;
    const hit = key !== undefined ? cache!.get(key, clock.now()) : undefined;
    if (hit) {
      const at = clock.now();
      this.options.emit({ type: "cache_hit", step: step.id, tool: step.spec.tool, at });
      return { status: "done", output: hit.output, input: rendered.input, cached: true, attempts: 0, started_at: at, ended_at: at, ...warningsField(rendered.warnings) };
    }
    const startedAt = clock.now();
    const result = await callTool({
      stepId: step.id,
      tool: step.tool,
      input: rendered.input,
      ...(step.spec.retry ? { retry: step.spec.retry } : {}),
      ...(step.spec.timeout_ms !== undefined ? { timeoutMs: step.spec.timeout_ms } : {}),
      signal: this.options.signal,
      maxOutputBytes: this.options.maxOutputBytes,
      ...(this.options.identify ? { identity: this.options.identify(step) } : {}),
      ...(this.options.audit ? { audit: this.options.audit } : {}),
      onAttempt: (attempt) =>
        this.options.emit({ type: "step_start", step: step.id, tool: step.spec.tool, at: clock.now(), ready_at: this.readyAt.get(step.id) ?? startedAt, attempt }),
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
      get: (s, input) => cache.get(cacheKey(s.spec.tool, input), clock.now()),
      set: (s, input, output) => cache.set(cacheKey(s.spec.tool, input), { output, expiresAt: clock.now() + ttl }),
    };
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
}
