import { describe, expect, it } from "vitest";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { MeterProvider } from "@opentelemetry/sdk-metrics";
import { runPlan } from "../../src/api/run-plan.js";
import { ATTR, EVENT, spanStepName } from "../../src/telemetry/index.js";
import { elementTools, fanOutPlan } from "./support.js";

describe("telemetry: a for_each step's span counts its elements", () => {
  it("carries total / done / failed and one event per element, in element order", async () => {
    const exporter = new InMemorySpanExporter();
    const telemetry = { tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }), meterProvider: new MeterProvider() };
    const elements = [0, 1, 2].map((i) => ({ id: `e${i}`, ms: 1, fail: i === 1 }));
    await runPlan(fanOutPlan(elements, { on_item_error: "collect" }), { tools: elementTools().tools, chatModel: null, telemetry });
    const span = exporter.getFinishedSpans().find((s) => s.name === spanStepName("visit") && s.attributes[ATTR.stepId] === "each")!;
    expect(span.attributes).toMatchObject({ [ATTR.itemsTotal]: 3, [ATTR.itemsDone]: 2, [ATTR.itemsFailed]: 1 });
    const items = span.events.filter((e) => e.name === EVENT.item).map((e) => [e.attributes![ATTR.itemIndex], e.attributes![ATTR.itemStatus]]);
    expect(items).toEqual([[0, "done"], [1, "failed"], [2, "done"]]);
  });
});
