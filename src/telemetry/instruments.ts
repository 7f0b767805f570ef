import type { Counter, Histogram, Meter } from "@opentelemetry/api";
import { METRIC } from "./names.js";

/** The counters and histograms a run records into. */
export interface RunInstruments {
  stepDuration: Histogram;
  stepRetries: Counter;
  stepFailures: Counter;
  decisionFallbacks: Counter;
  runMakespan: Histogram;
  runCriticalPathRatio: Histogram;
}

// Instruments are created once per meter, not once per run: runs are many, meters few.
const byMeter = new WeakMap<Meter, RunInstruments>();

/** The run instruments of a meter, created on first use. */
export function instrumentsFor(meter: Meter): RunInstruments {
  let instruments = byMeter.get(meter);
  if (!instruments) {
    instruments = {
      stepDuration: meter.createHistogram(METRIC.stepDuration, {
        description: "Duration of a step from its first attempt to its end (retries and backoff included)",
        unit: "ms",
      }),
      stepRetries: meter.createCounter(METRIC.stepRetries, { description: "Tool calls made beyond each step's first attempt", unit: "{retry}" }),
      stepFailures: meter.createCounter(METRIC.stepFailures, { description: "Steps that ended failed", unit: "{step}" }),
      decisionFallbacks: meter.createCounter(METRIC.decisionFallbacks, {
        description: "Decisions that took their default branch because evaluation failed",
        unit: "{decision}",
      }),
      runMakespan: meter.createHistogram(METRIC.runMakespan, { description: "Run makespan: first step start to last step end", unit: "ms" }),
      runCriticalPathRatio: meter.createHistogram(METRIC.runCriticalPathRatio, {
        description: "Makespan divided by the critical path of measured step durations (1 is the floor)",
        unit: "1",
        advice: { explicitBucketBoundaries: [1, 1.01, 1.02, 1.05, 1.1, 1.25, 1.5, 2, 3, 5, 10] },
      }),
    };
    byMeter.set(meter, instruments);
  }
  return instruments;
}
