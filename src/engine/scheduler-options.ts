import type { PreparedPlan } from "../analysis/prepare.js";
import type { RunEvent } from "../model/events.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import type { Clock } from "./clock.js";
import type { DecisionEvaluator } from "./decision-evaluator.js";
import type { CompletionSink } from "./observers.js";
import type { StepCache } from "./step-cache.js";
import type { CallScope } from "./call-scope.js";

/** How one run is scheduled: `PlanScheduler`'s constructor options. */
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
  /** Where completions are written as they happen (a `CompletionStore`), so a resumed run reuses them. */
  store?: CompletionSink;
  /**
   * Durable policy: a completion counts only once the store has it. Its dependents wait for the
   * write, and a failed write fails the step and the run with STORE_WRITE_FAILED. Without it a
   * failed write is a warning on the record.
   */
  durable?: boolean;
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
  /** Who the run's tool calls are for (caller, durable run key) and where they are audited. */
  scope?: CallScope;
}
