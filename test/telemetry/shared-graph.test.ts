/**
 * Telemetry wherever a run happens: spans and metrics come from the run context, so a graph run by
 * the LangGraph server (one compiled graph shared by concurrent runs), a parent graph and runPlan
 * all report the same span tree — and concurrent runs of one compiled graph never mix.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { Annotation, StateGraph } from "@langchain/langgraph";
import { trace } from "@opentelemetry/api";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { DataPoint, Histogram } from "@opentelemetry/sdk-metrics";
import { telemetrySetup } from "./support.js";
import { compilePlan } from "../../src/api/compile-plan.js";
import { planSubgraph } from "../../src/api/plan-subgraph.js";
import { runPlan } from "../../src/api/run-plan.js";
import type { RunResult } from "../../src/engine/result.js";
import { stepChannel } from "../../src/langgraph/channels.js";
import { unescapeFromState } from "../../src/langgraph/state-escape.js";
import type { StepRecord } from "../../src/model/records.js";
import { ATTR, METRIC, SPAN_RUN } from "../../src/telemetry/index.js";
import { defineTool } from "../../src/tools/define.js";

function setup() {
  const { metricPoints, ...rest } = telemetrySetup();
  return { ...rest, points: metricPoints };
}

/** Every call returns a fresh token and echoes what it was given: a foreign token shows a mix-up. */
const tokenTool = defineTool({
  name: "token",
  description: "Returns a fresh unique token, and echoes what it was given.",
  input: z.object({ given: z.string().nullable().default(null), ms: z.number().default(0) }),
  run: async ({ given, ms }) => {
    await new Promise((r) => setTimeout(r, ms + Math.floor(Math.random() * 8)));
    return { data: { token: randomUUID(), given } };
  },
});

const plan = {
  steps: [
    { id: "first", tool: "token", params: { ms: 5 } },
    { id: "side", tool: "token", params: { ms: 15 } },
    { id: "second", tool: "token", output_mapping: { given: "{first.data.token}" } },
    { id: "join", tool: "token", output_mapping: { given: "{second.data.token}|{side.data.token}" } },
  ],
};
const STEPS = plan.steps.map((s) => s.id).sort();
type Token = { token: string; given: string | null };

/** The run span with this run id, and the step spans under it. */
function treeOf(spans: ReadableSpan[], runId: string) {
  const runs = spans.filter((s) => s.name === SPAN_RUN && s.attributes[ATTR.runId] === runId);
  expect(runs, `one run span for ${runId}`).toHaveLength(1);
  const run = runs[0]!;
  const children = spans.filter((s) => s.parentSpanContext?.spanId === run.spanContext().spanId);
  return { run, children };
}

describe("one compiled graph, 20 concurrent runs: each result and each span tree is its own", () => {
  it("compilePlan's graph invoked 20 times at once with different run ids", async () => {
    const { exporter, telemetry, points } = setup();
    const graph = compilePlan(plan, { tools: [tokenTool], chatModel: null, telemetry });
    const outputs = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        await new Promise((r) => setTimeout(r, i % 7));
        return { runId: `run-${i}`, state: (await graph.invoke({ run_id: `run-${i}` })) as Record<string, unknown> };
      }),
    );
    const spans = exporter.getFinishedSpans();
    expect(spans.filter((s) => s.name === SPAN_RUN)).toHaveLength(20);
    const traces = new Set<string>();
    for (const { runId, state } of outputs) {
      expect(state.run_id).toBe(runId);
      const data = (id: string) => (unescapeFromState(state[stepChannel(id)]) as StepRecord & { output: { data: Token } }).output.data;
      expect(data("second").given, "second got its own run's first").toBe(data("first").token);
      expect(data("join").given).toBe(`${data("second").token}|${data("side").token}`);

      const { run, children } = treeOf(spans, runId);
      expect(run.attributes[ATTR.runStatus]).toBe("completed");
      expect(children.map((s) => s.attributes[ATTR.stepId]).sort(), `${runId}'s steps, once each`).toEqual(STEPS);
      for (const child of children) {
        expect(child.spanContext().traceId).toBe(run.spanContext().traceId);
        expect(child.attributes[ATTR.stepStatus]).toBe("done");
        // A step span lies within its own run's span, not some other run's.
        expect(child.startTime[0] * 1e9 + child.startTime[1]).toBeGreaterThanOrEqual(run.startTime[0] * 1e9 + run.startTime[1]);
      }
      traces.add(run.spanContext().traceId);
    }
    expect(traces.size, "a trace per run").toBe(20);
    expect(spans.filter((s) => s.attributes[ATTR.stepId] !== undefined)).toHaveLength(20 * STEPS.length);
    const makespans = await points(METRIC.runMakespan);
    expect(makespans.reduce((n, p) => n + ((p.value as Histogram).count ?? 0), 0)).toBe(20);
  });

  it("the server path (planSubgraph, result channel) on 20 threads: results and span trees match run by run", async () => {
    const { exporter, telemetry } = setup();
    const graph = planSubgraph(plan, { tools: [tokenTool], chatModel: null, telemetry });
    const outputs = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => (await graph.invoke({ run_id: `srv-${i}` })) as { run_id: string; result: RunResult }),
    );
    const spans = exporter.getFinishedSpans();
    for (const [i, output] of outputs.entries()) {
      expect(output.run_id).toBe(`srv-${i}`);
      const results = output.result.results as Record<string, { data: Token }>;
      expect(results.second!.data.given).toBe(results.first!.data.token);
      const { run, children } = treeOf(spans, `srv-${i}`);
      expect(run.attributes[ATTR.runMode]).toBe("eager");
      expect(run.attributes[ATTR.makespanMs]).toBe(output.result.makespan_ms);
      expect(children.map((s) => s.attributes[ATTR.stepId]).sort()).toEqual(STEPS);
    }
  });
});

describe("the same spans whoever starts the run", () => {
  it("a parent graph running the plan as its node emits the plan's run span and step spans", async () => {
    const { exporter, telemetry } = setup();
    const Parent = Annotation.Root({ result: Annotation<RunResult | null>({ reducer: (_a, b) => b, default: () => null }) });
    const parent = new StateGraph(Parent).addNode("plan", planSubgraph(plan, { tools: [tokenTool], chatModel: null, telemetry })).addEdge("__start__", "plan").compile();
    const output = await parent.invoke({});
    expect(output.result?.status).toBe("completed");
    const spans = exporter.getFinishedSpans();
    const runs = spans.filter((s) => s.name === SPAN_RUN);
    expect(runs).toHaveLength(1);
    const { children } = treeOf(spans, runs[0]!.attributes[ATTR.runId] as string);
    expect(children.map((s) => s.attributes[ATTR.stepId]).sort()).toEqual(STEPS);
  });

  it("runPlan reports one run span, not one from runPlan and another from the graph", async () => {
    const { exporter, telemetry } = setup();
    const result = await runPlan(plan, { tools: [tokenTool], chatModel: null, telemetry, runId: "via-runplan" });
    expect(result.status).toBe("completed");
    const spans = exporter.getFinishedSpans();
    expect(spans.filter((s) => s.name === SPAN_RUN)).toHaveLength(1);
    expect(treeOf(spans, "via-runplan").children).toHaveLength(STEPS.length);
  });

  it("a server graph reports through the globally registered provider, and nothing with telemetry: false", async () => {
    const exporter = new InMemorySpanExporter();
    trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));
    try {
      await planSubgraph(plan, { tools: [tokenTool], chatModel: null }).invoke({ run_id: "global" });
      expect(treeOf(exporter.getFinishedSpans(), "global").children).toHaveLength(STEPS.length);
      exporter.reset();
      await planSubgraph(plan, { tools: [tokenTool], chatModel: null, telemetry: false }).invoke({});
      expect(exporter.getFinishedSpans()).toHaveLength(0);
    } finally {
      trace.disable();
    }
  });
});
