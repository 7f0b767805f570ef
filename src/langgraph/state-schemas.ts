import { toJsonSchema } from "@langchain/core/utils/json_schema";
import type { PreparedPlan } from "../analysis/prepare.js";
import { DecisionOutcomeSchema, StepRecordSchema } from "../model/records.js";
import { RESULT_CHANNEL, RUN_ID_CHANNEL, STARTED_AT_CHANNEL, decisionChannel, stepChannel } from "./channels.js";
import type { RuntimeSchemas } from "./internals.js";

/**
 * The plan graph's state is built from LangGraph annotations, which carry no JSON Schema, and the
 * server's fallback (a static TypeScript parse of the graph module) cannot see a plan that only
 * exists at run time: these are the schemas it reports instead (see describeRuntimeSchemas).
 */
/** JSON Schemas of a plan graph's input, state and output, as the LangGraph server reports them. */
export function planGraphSchemas(prepared: PreparedPlan): RuntimeSchemas {
  const stepRecord = jsonSchema(StepRecordSchema);
  const decisionOutcome = jsonSchema(DecisionOutcomeSchema);
  const properties: Record<string, unknown> = {
    [RUN_ID_CHANNEL]: { type: "string", description: "Id of the current run of the plan on this thread" },
    [STARTED_AT_CHANNEL]: { type: "number", description: "Epoch milliseconds the run started" },
    [RESULT_CHANNEL]: RESULT_SCHEMA,
  };
  for (const step of prepared.steps.values()) {
    properties[stepChannel(step.id)] = { ...stepRecord, description: `Record of step '${step.id}' (${step.spec.tool === undefined ? "a sub-plan" : `tool '${step.spec.tool}'`})` };
  }
  for (const decision of prepared.decisions.values()) {
    properties[decisionChannel(decision.id)] = { ...decisionOutcome, description: `Outcome of decision '${decision.id}'` };
  }
  const state = { type: "object", title: "PlanState", properties };
  const input = {
    type: "object",
    title: "PlanInput",
    description:
      "Any object starts a new run of the assistant's plan (configurable.plan or configurable.plan_id); " +
      "a run with a Command resume value answers pending approvals instead.",
    properties: { [RUN_ID_CHANNEL]: { type: "string", description: "Optional id for the new run (a fresh UUID otherwise)" } },
    additionalProperties: true,
  };
  return { input, state, output: state };
}

function jsonSchema(schema: unknown): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = toJsonSchema(schema as Parameters<typeof toJsonSchema>[0]) as Record<string, unknown>;
  return rest;
}

const RESULT_SCHEMA = {
  type: ["object", "null"],
  title: "RunResult",
  description: "The run's result (docs/RESULT-FORMAT.md, the object run --json prints), kept current as nodes finish",
  properties: {
    status: { type: "string", enum: ["completed", "failed", "interrupted"] },
    strategy: { type: "string", enum: ["PARALLEL", "SERIAL", "DAG"] },
    order: { type: "array", items: { type: "array", items: { type: "string" } } },
    results: { type: "object", additionalProperties: true },
    errors: { type: "object", additionalProperties: { type: "string" } },
    skipped: { type: "array", items: { type: "string" } },
    decisions: { type: "object", additionalProperties: { type: "object" } },
    warnings: { type: "array", items: { type: "string" } },
    timings: { type: "object", additionalProperties: { type: "object", properties: { start_ms: { type: "number" }, end_ms: { type: "number" } } } },
    makespan_ms: { type: "number" },
    critical_path_ms: { type: "number" },
    pending: { type: "array", items: { type: "object", properties: { step: { type: "string" }, tool: { type: "string" }, params: {} } } },
    answer: { type: "string" },
  },
};
