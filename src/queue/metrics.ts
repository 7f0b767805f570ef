import { metrics, type Counter, type Histogram, type Meter } from "@opentelemetry/api";
import { INSTRUMENTATION_SCOPE } from "../telemetry/index.js";

/** The run queue's instrument names (beside the run's, in the `plangraph` scope). */
export const QUEUE_METRIC = {
  depth: "plangraph.queue.depth",
  waitTime: "plangraph.queue.wait_time",
  runTime: "plangraph.queue.run_time",
  takeovers: "plangraph.queue.takeovers",
  runsEnded: "plangraph.queue.runs_ended",
} as const;

/** The attribute naming the worker a measurement came from. */
export const WORKER_ATTR = "plangraph.worker.id";

/** What a worker records: depth as its sweeper last saw it, waits, run times, takeovers, ended runs. */
export interface QueueInstruments {
  /** Submit → first start, per run. */
  waitTime: Histogram;
  /** Claim → settle, per time a worker held the run. */
  runTime: Histogram;
  takeovers: Counter;
  /** Runs this worker ended, by status. */
  runsEnded: Counter;
  /** The queued runs the sweeper counted last, reported on collection. */
  setDepth(depth: number): void;
  /** The attributes every measurement carries. */
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * A worker's queue instruments on `meter` (default: the global meter provider's `plangraph` meter,
 * a no-op until an SDK is registered), every measurement tagged with the worker's id.
 */
export function queueInstruments(worker: string, meter: Meter = metrics.getMeter(INSTRUMENTATION_SCOPE)): QueueInstruments {
  const attributes = { [WORKER_ATTR]: worker };
  let depth = 0;
  meter
    .createObservableGauge(QUEUE_METRIC.depth, { description: "Runs waiting for a worker (status queued), as the worker's sweeper last counted them", unit: "{run}" })
    .addCallback((result) => result.observe(depth, attributes));
  return {
    waitTime: meter.createHistogram(QUEUE_METRIC.waitTime, { description: "From a run's submission to its first start on a worker", unit: "ms" }),
    runTime: meter.createHistogram(QUEUE_METRIC.runTime, { description: "How long a worker held a run, claim to settle", unit: "ms" }),
    takeovers: meter.createCounter(QUEUE_METRIC.takeovers, { description: "Runs taken over from a worker whose lease expired", unit: "{run}" }),
    runsEnded: meter.createCounter(QUEUE_METRIC.runsEnded, { description: "Runs a worker ended or paused, by status", unit: "{run}" }),
    setDepth: (n) => void (depth = n),
    attributes,
  };
}
