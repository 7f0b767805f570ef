/**
 * Names of everything plangraph reports through OpenTelemetry: spans, attributes, instruments.
 * One place, so docs/TRACING.md, dashboards and tests agree.
 */

/** Instrumentation scope of plangraph's tracer and meter. */
export const INSTRUMENTATION_SCOPE = "plangraph";

export const SPAN_RUN = "plangraph.run";
/** Step spans follow the GenAI convention `execute_tool {tool}`: low cardinality, readable. */
export const spanStepName = (tool: string): string => `execute_tool ${tool}`;
export const SPAN_DECISION = "plangraph.decision";

export const ATTR = {
  runMode: "plangraph.run.mode",
  /** The run's id (`run_id` in graph state): one per invocation, shared by its resumes. */
  runId: "plangraph.run.id",
  runStatus: "plangraph.run.status",
  threadId: "plangraph.run.thread_id",
  /** The caller context's trace id (joins the audit trail and the tools' own logs), tenant and user; never roles' secrets or tokens. */
  traceId: "plangraph.trace_id",
  tenant: "plangraph.tenant",
  user: "plangraph.user",
  planSteps: "plangraph.plan.steps",
  planDecisions: "plangraph.plan.decisions",
  planStrategy: "plangraph.plan.strategy",
  makespanMs: "plangraph.run.makespan_ms",
  criticalPathMs: "plangraph.run.critical_path_ms",
  criticalPathRatio: "plangraph.run.critical_path_ratio",
  failedSteps: "plangraph.run.failed_steps",
  skippedSteps: "plangraph.run.skipped_steps",
  stepId: "plangraph.step.id",
  tool: "plangraph.step.tool",
  attempts: "plangraph.step.attempts",
  cacheHit: "plangraph.step.cache_hit",
  /** From the run's start until the step's inputs were all available. */
  waitInputsMs: "plangraph.step.wait_inputs_ms",
  /** From inputs available until the first attempt started (a concurrency slot). */
  queuedMs: "plangraph.step.queued_ms",
  /** From the first attempt's start to the step's end, retries and backoff included. */
  runMs: "plangraph.step.run_ms",
  stepStatus: "plangraph.step.status",
  errorCode: "plangraph.step.error_code",
  reason: "plangraph.step.reason",
  attempt: "plangraph.step.attempt",
  /** Loop iteration (1-based) of a step or decision inside a loop body. */
  iteration: "plangraph.iteration",
  /** A for_each step's elements: how many, done, failed; an element event's index and status. */
  itemsTotal: "plangraph.step.items.total",
  itemsDone: "plangraph.step.items.done",
  itemsFailed: "plangraph.step.items.failed",
  itemIndex: "plangraph.item.index",
  itemStatus: "plangraph.item.status",
  decisionId: "plangraph.decision.id",
  decisionKind: "plangraph.decision.kind",
  branch: "plangraph.decision.branch",
  source: "plangraph.decision.source",
  decisionStatus: "plangraph.decision.status",
  decisionReason: "plangraph.decision.reason",
  decisionCause: "plangraph.decision.cause",
  /** Semantic conventions (GenAI, errors). */
  genAiOperation: "gen_ai.operation.name",
  genAiToolName: "gen_ai.tool.name",
  errorType: "error.type",
} as const;

export const EVENT = {
  attempt: "plangraph.step.attempt",
  /** Loop iteration (1-based) of a step or decision inside a loop body. */
  iteration: "plangraph.iteration",
  approvalNeeded: "plangraph.approval_needed",
  /** One element of a for_each step ended (at its end time). */
  item: "plangraph.item",
} as const;

export const METRIC = {
  stepDuration: "plangraph.step.duration",
  stepRetries: "plangraph.step.retries",
  stepFailures: "plangraph.step.failures",
  decisionFallbacks: "plangraph.decision.fallbacks",
  runMakespan: "plangraph.run.makespan",
  runCriticalPathRatio: "plangraph.run.critical_path_ratio",
} as const;
