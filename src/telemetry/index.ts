/**
 * OpenTelemetry for plan runs, through `@opentelemetry/api` only: spans for the run, each step and
 * each decision, and metrics for step durations, retries, failures, decision fallbacks and the
 * makespan / critical-path ratio. A no-op until an SDK is registered (docs/TRACING.md).
 */
export { startRunTelemetry, type RunTelemetry, type RunTelemetryInput, type RunMode, type TelemetryOptions } from "./run-telemetry.js";
export { ATTR, EVENT, METRIC, SPAN_DECISION, SPAN_RUN, spanStepName, INSTRUMENTATION_SCOPE } from "./names.js";
