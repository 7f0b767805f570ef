import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { trace, metrics, SpanStatusCode } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { DataPoint, Histogram } from "@opentelemetry/sdk-metrics";
import { telemetrySetup } from "./support.js";
import { defineTool, runPlan } from "../../src/index.js";
import { ATTR, EVENT, METRIC, SPAN_DECISION, SPAN_RUN, spanStepName } from "../../src/telemetry/index.js";

/** Collects on demand: the test reads what the SDK aggregated so far. */
const setup = telemetrySetup;

/** Fails its first call, succeeds after: one retry. */
function flakyTool() {
  let calls = 0;
  return defineTool({
    name: "flaky",
    description: "fails once",
    input: z.object({ n: z.number() }),
    output: z.object({ data: z.object({ n: z.number() }) }),
    run: async ({ n }) => {
      calls++;
      if (calls === 1) throw new Error("transient");
      return { data: { n } };
    },
  });
}

const dagPlan = {
  steps: [
    { id: "fetch", tool: "sleep", params: { ms: 10 } },
    { id: "flaky_step", tool: "flaky", params: { n: 3 }, depends_on: ["fetch"], retry: { max_attempts: 3, backoff_ms: 1, retry_on: ["error"] } },
    { id: "broken", tool: "fail", params: { message: "disk on fire" }, depends_on: ["fetch"] },
    { id: "after_broken", tool: "echo", depends_on: ["broken"] },
    { id: "big", tool: "echo", params: { size: "big" } },
    { id: "small", tool: "echo", params: { size: "small" } },
    { id: "ask", tool: "echo", params: { asked: true } },
  ],
  decisions: [
    { id: "enough", after: ["flaky_step"], condition: "{flaky_step.data.n} > 2", then: ["big"], else: ["small"] },
    { id: "should_ask", after: ["fetch"], question: "Is it worth asking?", then: ["ask"], else: [], default: "then" },
  ],
};

const byStep = (spans: ReadableSpan[]) => new Map(spans.filter((s) => s.attributes[ATTR.stepId] !== undefined).map((s) => [s.attributes[ATTR.stepId] as string, s]));
const parentId = (span: ReadableSpan) => span.parentSpanContext?.spanId;

describe("OpenTelemetry spans and metrics of a run", () => {
  it("builds the span tree of a DAG run with a failure, a retry and a rule decision", async () => {
    const { exporter, telemetry } = setup();
    const result = await runPlan(dagPlan, { tools: [flakyTool()], chatModel: null, telemetry });
    expect(result.status).toBe("failed");

    const spans = exporter.getFinishedSpans();
    const runs = spans.filter((s) => s.name === SPAN_RUN);
    expect(runs).toHaveLength(1);
    const run = runs[0]!;
    const runId = run.spanContext().spanId;
    const traceId = run.spanContext().traceId;
    expect(parentId(run)).toBeUndefined();
    expect(run.attributes).toMatchObject({
      [ATTR.runMode]: "eager",
      [ATTR.runStatus]: "failed",
      [ATTR.planSteps]: 7,
      [ATTR.planDecisions]: 2,
      [ATTR.failedSteps]: 1,
      [ATTR.makespanMs]: result.makespan_ms,
      [ATTR.criticalPathMs]: result.critical_path_ms,
    });
    expect(run.status.code).toBe(SpanStatusCode.ERROR);
    expect(run.status.message).toContain("broken");

    // Every step and decision span hangs directly off the run span, in the run's trace.
    const children = spans.filter((s) => s !== run);
    expect(children).toHaveLength(7 + 2);
    for (const span of children) {
      expect(parentId(span)).toBe(runId);
      expect(span.spanContext().traceId).toBe(traceId);
    }

    const steps = byStep(spans);
    expect([...steps.keys()].sort()).toEqual(["after_broken", "ask", "big", "broken", "fetch", "flaky_step", "small"]);

    const flaky = steps.get("flaky_step")!;
    expect(flaky.name).toBe(spanStepName("flaky"));
    expect(flaky.attributes).toMatchObject({ [ATTR.tool]: "flaky", [ATTR.stepStatus]: "done", [ATTR.attempts]: 2, [ATTR.cacheHit]: false });
    expect(flaky.events.filter((e) => e.name === EVENT.attempt).map((e) => e.attributes?.[ATTR.attempt])).toEqual([1, 2]);
    expect(flaky.status.code).toBe(SpanStatusCode.UNSET);

    const broken = steps.get("broken")!;
    expect(broken.attributes).toMatchObject({ [ATTR.stepStatus]: "failed", [ATTR.errorCode]: "TOOL_FAILED", [ATTR.attempts]: 1 });
    expect(broken.status).toMatchObject({ code: SpanStatusCode.ERROR });
    expect(broken.status.message).toContain("disk on fire");

    expect(steps.get("after_broken")!.attributes).toMatchObject({ [ATTR.stepStatus]: "skipped", [ATTR.attempts]: 0 });
    expect(steps.get("after_broken")!.attributes[ATTR.reason]).toContain("broken");
    expect(steps.get("small")!.attributes).toMatchObject({ [ATTR.stepStatus]: "skipped" });
    expect(steps.get("big")!.attributes).toMatchObject({ [ATTR.stepStatus]: "done" });

    // Waiting for inputs vs running: flaky_step waited for fetch (~10 ms), then ran.
    const fetch = steps.get("fetch")!;
    expect(flaky.attributes[ATTR.waitInputsMs] as number).toBeGreaterThanOrEqual((fetch.attributes[ATTR.runMs] as number) - 1);
    expect(flaky.attributes[ATTR.runMs] as number).toBeGreaterThanOrEqual(0);
    expect(flaky.attributes[ATTR.queuedMs] as number).toBeGreaterThanOrEqual(0);
    expect(fetch.attributes[ATTR.runMs] as number).toBeGreaterThanOrEqual(9);

    const decisions = new Map(spans.filter((s) => s.name === SPAN_DECISION).map((s) => [s.attributes[ATTR.decisionId], s]));
    expect(decisions.get("enough")!.attributes).toMatchObject({ [ATTR.branch]: "then", [ATTR.source]: "rule", [ATTR.decisionKind]: "condition", [ATTR.decisionStatus]: "decided" });
    expect(decisions.get("should_ask")!.attributes).toMatchObject({ [ATTR.branch]: "then", [ATTR.source]: "fallback", [ATTR.decisionKind]: "question" });
  });

  it("counts durations, retries, failures, fallbacks and the makespan / critical-path ratio", async () => {
    const { telemetry, metricPoints } = setup();
    const result = await runPlan(dagPlan, { tools: [flakyTool()], chatModel: null, telemetry });

    const retries = await metricPoints(METRIC.stepRetries);
    expect(retries.map((p) => [p.attributes[ATTR.tool], p.value])).toEqual([["flaky", 1]]);
    const failures = await metricPoints(METRIC.stepFailures);
    expect(failures.map((p) => [p.attributes[ATTR.tool], p.attributes[ATTR.errorType], p.value])).toEqual([["fail", "TOOL_FAILED", 1]]);
    const fallbacks = await metricPoints(METRIC.decisionFallbacks);
    expect(fallbacks.map((p) => [p.attributes[ATTR.decisionKind], p.value])).toEqual([["question", 1]]);

    const durations = await metricPoints(METRIC.stepDuration);
    const ran = durations.reduce((n, p) => n + (p.value as Histogram).count, 0);
    expect(ran).toBe(5); // fetch, flaky_step, broken, big, ask: the skipped ones never ran
    const sleep = durations.find((p) => p.attributes[ATTR.tool] === "sleep")!.value as Histogram;
    expect(sleep.min).toBeGreaterThanOrEqual(9);

    const makespan = (await metricPoints(METRIC.runMakespan))[0]!;
    expect(makespan.attributes).toMatchObject({ [ATTR.runMode]: "eager", [ATTR.runStatus]: "failed" });
    expect((makespan.value as Histogram).sum).toBeCloseTo(result.makespan_ms, 6);
    const ratio = (await metricPoints(METRIC.runCriticalPathRatio))[0]!.value as Histogram;
    expect(ratio.count).toBe(1);
    expect(ratio.sum).toBeCloseTo(result.makespan_ms / result.critical_path_ms, 6);
    expect(ratio.sum).toBeGreaterThanOrEqual(1);
  });

  it("keeps the spans of two concurrent runs apart", async () => {
    const { exporter, telemetry } = setup();
    const plan = (prefix: string, ms: number[]) => ({
      steps: [
        ...ms.map((m, i) => ({ id: `${prefix}${i}`, tool: "sleep", params: { ms: m } })),
        { id: `${prefix}_join`, tool: "echo", depends_on: ms.map((_, i) => `${prefix}${i}`) },
      ],
    });
    // Interleaved latencies: the two runs' steps start and end alternately.
    const [left, right] = await Promise.all([
      runPlan(plan("l", [5, 25, 15, 35]), { telemetry }),
      runPlan(plan("r", [10, 20, 30, 40]), { telemetry, sequential: true }),
    ]);
    expect([left.status, right.status]).toEqual(["completed", "completed"]);

    const spans = exporter.getFinishedSpans();
    const runs = spans.filter((s) => s.name === SPAN_RUN);
    expect(runs.map((r) => r.attributes[ATTR.runMode]).sort()).toEqual(["eager", "sequential"]);
    expect(new Set(runs.map((r) => r.spanContext().traceId)).size).toBe(2);
    for (const run of runs) {
      const prefix = run.attributes[ATTR.runMode] === "eager" ? "l" : "r";
      const mine = spans.filter((s) => s !== run && s.spanContext().traceId === run.spanContext().traceId);
      expect(mine.map((s) => s.attributes[ATTR.stepId]).sort()).toEqual([`${prefix}0`, `${prefix}1`, `${prefix}2`, `${prefix}3`, `${prefix}_join`]);
      for (const span of mine) expect(parentId(span)).toBe(run.spanContext().spanId);
    }
  });

  it("records a cache hit and nothing at all when telemetry is off", async () => {
    const { exporter, telemetry } = setup();
    const plan = { steps: [{ id: "c", tool: "echo", params: { k: Math.random() }, cache: true }] };
    await runPlan(plan, { telemetry });
    await runPlan(plan, { telemetry });
    const hits = exporter.getFinishedSpans().filter((s) => s.attributes[ATTR.stepId] === "c");
    expect(hits.map((s) => s.attributes[ATTR.cacheHit])).toEqual([false, true]);
    expect(hits[1]!.attributes[ATTR.attempts]).toBe(0);

    exporter.reset();
    await runPlan(plan, { telemetry: false });
    expect(exporter.getFinishedSpans()).toEqual([]);
  });
});

describe("OpenTelemetry by configuration only", () => {
  let exporter: InMemorySpanExporter;
  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
  });
  afterEach(() => {
    trace.disable();
    metrics.disable();
  });

  it("reports through the globally registered provider with no runPlan option", async () => {
    const result = await runPlan({ steps: [{ id: "a", tool: "echo" }, { id: "b", tool: "echo", depends_on: ["a"] }] });
    expect(result.status).toBe("completed");
    const names = exporter.getFinishedSpans().map((s) => s.name);
    expect(names.sort()).toEqual([spanStepName("echo"), spanStepName("echo"), SPAN_RUN]);
  });
});
