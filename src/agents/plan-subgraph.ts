import { toJsonSchema } from "@langchain/core/utils/json_schema";
import type { PreparedPlan } from "../analysis/prepare.js";
import { RESULT_CHANNEL, RUN_ID_CHANNEL, STARTED_AT_CHANNEL, decisionChannel, stepChannel } from "../langgraph/channels.js";
import type { PlanGraph } from "../langgraph/graph.js";
import { DecisionOutcomeSchema, StepRecordSchema } from "../model/records.js";
import { compilePlan, runConfig, type PlanOptions } from "../api/run-plan.js";

/** Options of {@link planSubgraph}: those of `compilePlan`, plus a name for the graph. */
export interface PlanSubgraphOptions extends PlanOptions {
  /** The graph's name (Studio, traces). */
  name?: string;
}

/**
 * A plan compiled for use inside LangGraph: as a node of a parent graph
 * (`parent.addNode("plan", planSubgraph(plan))`), as a graph of the LangGraph server, or invoked
 * from a node. The run's result (docs/RESULT-FORMAT.md) is kept in the `result` state channel (a parent whose
 * state has a `result` key receives it), runs get enough supersteps for the plan whatever
 * recursion limit the caller passes, and the server's `getSchemas` describes the plan's channels.
 *
 * Approvals (`requires_approval`) pause the parent through LangGraph `interrupt`; resume it with
 * `Command({ resume })` (see docs/PLAN-FORMAT.md, "Approvals"). A parent with a checkpointer is needed
 * for that; the plan graph inherits it.
 */
export function planSubgraph(plan: unknown, options: PlanSubgraphOptions = {}): PlanGraph {
  const { name, ...planOptions } = options;
  const graph = compilePlan(plan, { ...planOptions, resultChannel: true });
  if (name) graph.name = name;
  withRecursionFloor(graph);
  describeStateForServer(graph);
  return graph;
}

/**
 * LangGraph's default recursion limit (25 supersteps) is below what a long plan needs, and the
 * server passes that default explicitly, so a bound config (`withConfig`) would not survive — nor
 * would `withConfig` keep the plan graph's per-run `stream`. The floor is applied where every run
 * enters: `stream` (which `invoke`, `streamEvents` and parent graphs call).
 */
function withRecursionFloor(graph: PlanGraph): void {
  const floor = runConfig(graph.prepared, {}).recursionLimit as number;
  const target = graph as unknown as { stream: (input: unknown, options?: Record<string, unknown>) => Promise<unknown> };
  const inner = target.stream;
  target.stream = (input, options = {}) => {
    const given = typeof options.recursionLimit === "number" ? options.recursionLimit : 0;
    return inner(input, { ...options, recursionLimit: Math.max(given, floor) });
  };
}

/** JSON Schemas of a plan graph's input, state and output, as the LangGraph server reports them. */
export function planGraphSchemas(prepared: PreparedPlan): { input: Record<string, unknown>; state: Record<string, unknown>; output: Record<string, unknown> } {
  const stepRecord = jsonSchema(StepRecordSchema);
  const decisionOutcome = jsonSchema(DecisionOutcomeSchema);
  const properties: Record<string, unknown> = {
    [RUN_ID_CHANNEL]: { type: "string", description: "Id of the current run of the plan on this thread" },
    [STARTED_AT_CHANNEL]: { type: "number", description: "Epoch milliseconds the run started" },
    [RESULT_CHANNEL]: RESULT_SCHEMA,
  };
  for (const step of prepared.steps.values()) {
    properties[stepChannel(step.id)] = { ...stepRecord, description: `Record of step '${step.id}' (tool '${step.spec.tool}')` };
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

/**
 * The plan graph's state is built from LangGraph annotations, which carry no JSON Schema, and the
 * server's fallback (a static TypeScript parse of the graph module) cannot see a plan that only
 * exists at run time. langgraph-api reads runtime schemas from `builder._schemaRuntimeDefinition`
 * / `_outputRuntimeDefinition` when they offer `getJsonSchema()` and `getInputJsonSchema()`; such
 * an object is neither a zod schema nor a StateSchema instance, so LangGraph itself still treats
 * the state as plain annotations (no input or update validation changes).
 */
function describeStateForServer(graph: PlanGraph): void {
  const schemas = planGraphSchemas(graph.prepared);
  const builder = (graph as unknown as { builder?: Record<string, unknown> }).builder;
  if (!builder || builder._schemaRuntimeDefinition !== undefined) return;
  builder._schemaRuntimeDefinition = { getJsonSchema: () => schemas.state, getInputJsonSchema: () => schemas.input };
  builder._outputRuntimeDefinition ??= { getJsonSchema: () => schemas.output, getInputJsonSchema: () => schemas.output };
}

function jsonSchema(schema: unknown): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = toJsonSchema(schema as Parameters<typeof toJsonSchema>[0]) as Record<string, unknown>;
  return rest;
}

const RESULT_SCHEMA = {
  type: ["object", "null"],
  title: "RunResult",
  description: "The run's result (docs/RESULT-FORMAT.md, what run --json prints), kept current as nodes finish",
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
