import { setMaxListeners } from "node:events";
import type { PreparedStep } from "../analysis/prepare.js";
import type { RunEvent } from "../model/events.js";
import type { StepRecord } from "../model/records.js";
import type { OutputLookup } from "../refs/resolve.js";
import type { FanOutParts } from "./fan-out-parts.js";
import { Launcher } from "./launcher.js";
import type { SchedulerOptions } from "./scheduler-options.js";
import type { RenderedInput } from "./step-input.js";
import type { InnerRun, InnerRunSpec } from "./sub-plan-run.js";
import type { AuditTrail } from "./audit-trail.js";
import type { CallIdentity } from "./call-scope.js";

/** What the launcher needs of the scheduler that owns it. */
export interface LauncherHooks {
  signal: AbortSignal;
  fanOut: FanOutParts;
  /** What a step's references read (loop-aware). */
  lookup(step: PreparedStep): OutputLookup;
  iteration(id: string): number;
  /** A run of a sub-plan's inner plan (a scheduler of its own, made by the scheduler's class). */
  createInner(spec: InnerRunSpec): InnerRun;
  render(step: PreparedStep): RenderedInput;
  finish(step: PreparedStep, record: StepRecord): void;
  emit(event: RunEvent): void;
  changed(): void;
  /** The identity a step's (or an element's) call carries into its tool: who, and which call. */
  identify?(step: PreparedStep, itemIndex?: number): CallIdentity;
  /** Where the run's side-effecting calls are recorded. */
  audit?: AuditTrail;
}

/** The launcher of one run, from the run's options and its scheduler's hooks. */
export function wireLauncher(options: SchedulerOptions, hooks: LauncherHooks): Launcher {
  return new Launcher({
    clock: options.clock,
    signal: hooks.signal,
    ...(options.maxConcurrency !== undefined ? { maxConcurrency: options.maxConcurrency } : {}),
    maxOutputBytes: options.prepared.limits.maxOutputBytes,
    ...(options.lazy ? { lazy: true } : {}),
    ...(options.cache ? { cache: options.cache } : {}),
    ...(options.cacheTtlMs !== undefined ? { cacheTtlMs: options.cacheTtlMs } : {}),
    fanOut: hooks.fanOut,
    subPlan: { seed: options.seed?.steps, seedDecisions: options.seed?.decisions, store: options.store, lookup: hooks.lookup, iteration: hooks.iteration, create: hooks.createInner },
    ...(options.outerSlot ? { outerSlot: options.outerSlot } : {}),
    ...(options.namePrefix ? { namePrefix: options.namePrefix } : {}),
    render: hooks.render,
    finish: hooks.finish,
    emit: hooks.emit,
    changed: hooks.changed,
    ...(hooks.identify ? { identify: hooks.identify } : {}),
    ...(hooks.audit ? { audit: hooks.audit } : {}),
  });
}

/** The run's controller follows the caller's signal; every in-flight call listens on the run's. */
export function followSignal(controller: AbortController, signal: AbortSignal | undefined, abort: (reason: unknown) => void): void {
  // Every in-flight tool and backoff listens on this one signal: lift Node's default cap of 10.
  setMaxListeners(0, controller.signal);
  if (!signal) return;
  if (signal.aborted) controller.abort(signal.reason);
  else signal.addEventListener("abort", () => abort(signal.reason), { once: true });
}
