import {
  context as otelContext,
  metrics,
  trace,
  SpanStatusCode,
  type Attributes,
  type Context,
  type MeterProvider,
  type Span,
  type Tracer,
  type TracerProvider,
} from "@opentelemetry/api";
import type { PreparedPlan } from "../analysis/prepare.js";
import type { Clock } from "../engine/clock.js";
import type { DecisionOutcome, StepRecord } from "../model/records.js";
import type { RunResult } from "../engine/result.js";
import type { RunEvent } from "../engine/scheduler.js";
import { instrumentsFor, type RunInstruments } from "./instruments.js";
import { ATTR, EVENT, INSTRUMENTATION_SCOPE, SPAN_DECISION, SPAN_RUN, spanStepName } from "./names.js";
import { SpanRedaction } from "./span-redaction.js";
import type { Secret } from "./secrets.js";

/**
 * Where a run's spans and metrics go. By default the globally registered providers of
 * `@opentelemetry/api`, which are no-ops until an SDK is registered (see docs/TRACING.md).
 */
export interface TelemetryOptions {
  tracerProvider?: TracerProvider;
  meterProvider?: MeterProvider;
}

/** How the run executes, as reported in `plangraph.run.mode`. */
export type RunMode = "eager" | "lazy" | "sequential" | "legacy";

export interface RunTelemetryInput {
  prepared: PreparedPlan;
  clock: Clock;
  mode: RunMode;
  threadId?: string;
  /** Who the run is for: its trace id, tenant and user become attributes of the run span. */
  caller?: { trace_id: string; tenant: string; user: string };
  /** `false` records nothing; an object picks the providers. */
  telemetry?: boolean | TelemetryOptions;
  /** Values no span may carry; by default the secrets of `process.env` (see `secretsFromEnv`). */
  secrets?: readonly Secret[];
}

/** The telemetry of one run: feed it the run's events, then end it with the result or the error. */
export interface RunTelemetry {
  /** The caller's context with the run span set: run the plan inside it so tools' own spans nest. */
  readonly context: Context;
  readonly onEvent: (event: RunEvent) => void;
  /** Names the run once its id is known (the scheduler's `runId`). */
  identify(runId: string): void;
  /** An event handler that feeds this telemetry, then `downstream` (the caller's `onEvent`). */
  observe(downstream?: (event: RunEvent) => void): (event: RunEvent) => void;
  /** Runs `run` inside the run span's context and ends the span with its result or error. */
  trace(run: () => Promise<RunResult>): Promise<RunResult>;
  end(result: RunResult): void;
  fail(error: unknown): void;
}

interface OpenStep {
  span: Span;
  readyAt: number;
  firstAt: number;
}

/**
 * Starts the run span and returns the hooks that turn scheduler events into step and decision
 * spans and metrics. Every span is parented explicitly on the run span: eager tool calls start
 * from scheduler callbacks, outside any node's async context, so the active context cannot be
 * trusted to say which run they belong to.
 */
export function startRunTelemetry(input: RunTelemetryInput): RunTelemetry {
  const parent = otelContext.active();
  if (input.telemetry === false) return disabled(parent);
  const providers = typeof input.telemetry === "object" ? input.telemetry : {};
  const tracer: Tracer = (providers.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE);
  const instruments = instrumentsFor((providers.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE));
  return new RunSpans(input, tracer, instruments, parent);
}

/** The spans and metrics of one run. */
class RunSpans implements RunTelemetry {
  readonly context: Context;
  private readonly runSpan: Span;
  private readonly origin: number;
  private readonly open = new Map<string, OpenStep>();
  private readonly cacheHits = new Set<string>();
  private readonly redaction: SpanRedaction;
  private ended = false;

  constructor(
    private readonly input: RunTelemetryInput,
    private readonly tracer: Tracer,
    private readonly instruments: RunInstruments,
    parent: Context,
  ) {
    const { prepared, clock, mode } = input;
    this.redaction = new SpanRedaction(prepared, input.secrets);
    this.origin = clock.now();
    this.runSpan = tracer.startSpan(
      SPAN_RUN,
      {
        startTime: this.origin,
        attributes: {
          [ATTR.runMode]: mode,
          [ATTR.planSteps]: prepared.steps.size,
          [ATTR.planDecisions]: prepared.decisions.size,
          [ATTR.planStrategy]: prepared.strategy,
          ...(input.threadId ? { [ATTR.threadId]: input.threadId } : {}),
          ...(input.caller ? { [ATTR.traceId]: input.caller.trace_id, [ATTR.tenant]: input.caller.tenant, [ATTR.user]: input.caller.user } : {}),
        },
      },
      parent,
    );
    this.context = trace.setSpan(parent, this.runSpan);
  }

  identify(runId: string): void {
    if (!this.ended) this.runSpan.setAttribute(ATTR.runId, runId);
  }

  observe(downstream?: (event: RunEvent) => void): (event: RunEvent) => void {
    return downstream ? (event) => (this.onEvent(event), downstream(event)) : this.onEvent;
  }

  trace(run: () => Promise<RunResult>): Promise<RunResult> {
    return traceRun(this, run);
  }

  readonly onEvent = (event: RunEvent): void => {
    if (this.ended) return;
    switch (event.type) {
      case "step_start":
        return this.onStepStart(event);
      case "cache_hit":
        this.cacheHits.add(event.step);
        return;
      case "step_end":
        return this.onStepEnd(event.step, event.record);
      case "decision":
        return this.onDecision(event.decision, event.outcome);
      case "approval_needed":
        this.runSpan.addEvent(EVENT.approvalNeeded, { [ATTR.stepId]: event.step, [ATTR.tool]: event.tool }, this.input.clock.now());
        return;
    }
  };

  private startStepSpan(step: string, tool: string, at: number): Span {
    return this.tracer.startSpan(
      spanStepName(tool),
      { startTime: at, attributes: { [ATTR.stepId]: step, [ATTR.tool]: tool, [ATTR.genAiOperation]: "execute_tool", [ATTR.genAiToolName]: tool } },
      this.context,
    );
  }

  private onStepStart(event: Extract<RunEvent, { type: "step_start" }>): void {
    const opened = this.open.get(event.step);
    if (opened) {
      opened.span.addEvent(EVENT.attempt, { [ATTR.attempt]: event.attempt }, event.at);
      return;
    }
    const span = this.startStepSpan(event.step, event.tool, event.at);
    span.addEvent(EVENT.attempt, { [ATTR.attempt]: event.attempt }, event.at);
    this.open.set(event.step, { span, readyAt: event.ready_at, firstAt: event.at });
  }

  private onStepEnd(step: string, record: StepRecord): void {
    const tool = this.input.prepared.steps.get(step)?.spec.tool ?? "unknown";
    const now = this.input.clock.now();
    const opened = this.open.get(step);
    this.open.delete(step);
    this.redaction.stepEnded(step, record);
    const span = opened?.span ?? this.startStepSpan(step, tool, opened?.firstAt ?? record.started_at ?? record.ended_at ?? now);
    const cacheHit = record.cached === true || this.cacheHits.has(step);
    const attributes: Attributes = { [ATTR.stepStatus]: record.status, [ATTR.attempts]: record.attempts, [ATTR.cacheHit]: cacheHit };
    if (record.started_at !== undefined && record.ended_at !== undefined) attributes[ATTR.runMs] = record.ended_at - record.started_at;
    if (opened) {
      attributes[ATTR.waitInputsMs] = Math.max(0, opened.readyAt - this.origin);
      attributes[ATTR.queuedMs] = Math.max(0, opened.firstAt - opened.readyAt);
    }
    if (record.error) {
      attributes[ATTR.errorCode] = record.error.code;
      attributes[ATTR.errorType] = record.error.code;
    }
    if (record.reason) attributes[ATTR.reason] = this.redaction.stepText(step, record.reason);
    if (record.iteration !== undefined) attributes[ATTR.iteration] = record.iteration;
    if (record.items) {
      attributes[ATTR.itemsTotal] = record.items.total;
      attributes[ATTR.itemsDone] = record.items.done;
      attributes[ATTR.itemsFailed] = record.items.failed;
      for (const e of record.items.elements) span.addEvent(EVENT.item, { [ATTR.itemIndex]: e.index, [ATTR.itemStatus]: e.status }, e.ended_at ?? now);
    }
    span.setAttributes(attributes);
    if (record.status === "failed" || record.status === "rejected") {
      span.setStatus({ code: SpanStatusCode.ERROR, message: this.redaction.stepText(step, record.error?.message ?? record.reason ?? record.status) });
    }
    span.end(record.ended_at ?? now);
    recordStepMetrics(this.instruments, tool, record, cacheHit);
  }

  private onDecision(id: string, outcome: DecisionOutcome): void {
    const decision = this.input.prepared.decisions.get(id);
    const kind = decision?.spec.question !== undefined ? "question" : "condition";
    const end = outcome.decided_at ?? this.input.clock.now();
    const span = this.tracer.startSpan(
      SPAN_DECISION,
      {
        startTime: outcome.latency_ms !== undefined ? end - outcome.latency_ms : end,
        attributes: {
          [ATTR.decisionId]: id,
          [ATTR.decisionKind]: kind,
          [ATTR.decisionStatus]: outcome.status,
          [ATTR.decisionReason]: this.redaction.decisionText(id, outcome.reason),
          ...(outcome.branch ? { [ATTR.branch]: outcome.branch } : {}),
          ...(outcome.source ? { [ATTR.source]: outcome.source } : {}),
          ...(outcome.cause ? { [ATTR.decisionCause]: this.redaction.decisionText(id, outcome.cause) } : {}),
          ...(outcome.iteration !== undefined ? { [ATTR.iteration]: outcome.iteration } : {}),
        },
      },
      this.context,
    );
    span.end(end);
    if (outcome.source === "fallback") this.instruments.decisionFallbacks.add(1, { [ATTR.decisionKind]: kind });
  }

  /** Steps still open when the run stops (interrupted, aborted) end with it, marked unfinished. */
  private closeOpenSteps(at: number): void {
    for (const [, opened] of this.open) {
      opened.span.setAttribute(ATTR.stepStatus, "unfinished");
      opened.span.end(at);
    }
    this.open.clear();
  }

  end(result: RunResult): void {
    if (this.ended) return;
    this.ended = true;
    const at = this.input.clock.now();
    this.closeOpenSteps(at);
    const ratio = result.critical_path_ms > 0 ? result.makespan_ms / result.critical_path_ms : undefined;
    this.runSpan.setAttributes({
      [ATTR.runStatus]: result.status,
      [ATTR.makespanMs]: result.makespan_ms,
      [ATTR.criticalPathMs]: result.critical_path_ms,
      [ATTR.failedSteps]: Object.keys(result.error_codes).length,
      [ATTR.skippedSteps]: result.skipped.length,
      ...(ratio !== undefined ? { [ATTR.criticalPathRatio]: ratio } : {}),
    });
    if (result.status === "failed") {
      const failed = Object.keys(result.error_codes);
      this.runSpan.setStatus({ code: SpanStatusCode.ERROR, message: `${failed.length} step(s) failed: ${failed.slice(0, 5).join(", ")}` });
    }
    this.runSpan.end(at);
    const mode = this.input.mode;
    this.instruments.runMakespan.record(result.makespan_ms, { [ATTR.runMode]: mode, [ATTR.runStatus]: result.status });
    if (ratio !== undefined) this.instruments.runCriticalPathRatio.record(ratio, { [ATTR.runMode]: mode });
  }

  fail(error: unknown): void {
    if (this.ended) return;
    this.ended = true;
    const at = this.input.clock.now();
    this.closeOpenSteps(at);
    const exception = this.redaction.exception(error);
    this.runSpan.recordException(exception, at);
    this.runSpan.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
    this.runSpan.end(at);
  }
}

async function traceRun(telemetry: RunTelemetry, run: () => Promise<RunResult>): Promise<RunResult> {
  try {
    const result = await otelContext.with(telemetry.context, run);
    telemetry.end(result);
    return result;
  } catch (error) {
    telemetry.fail(error);
    throw error;
  }
}

function recordStepMetrics(instruments: RunInstruments, tool: string, record: StepRecord, cacheHit: boolean): void {
  if (record.started_at !== undefined && record.ended_at !== undefined) {
    instruments.stepDuration.record(record.ended_at - record.started_at, { [ATTR.tool]: tool, [ATTR.stepStatus]: record.status, [ATTR.cacheHit]: cacheHit });
  }
  if (record.attempts > 1) instruments.stepRetries.add(record.attempts - 1, { [ATTR.tool]: tool });
  if (record.status === "failed") instruments.stepFailures.add(1, { [ATTR.tool]: tool, [ATTR.errorType]: record.error?.code ?? "TOOL_FAILED" });
}

function disabled(parent: Context): RunTelemetry {
  return { context: parent, onEvent: () => undefined, identify: () => undefined, observe: (downstream) => downstream ?? (() => undefined), trace: (run) => run(), end: () => undefined, fail: () => undefined };
}
