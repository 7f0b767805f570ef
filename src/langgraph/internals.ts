/**
 * Every use of a LangGraph internal, in one place. None of these is part of LangGraph's public
 * API: each is pinned by a contract test (test/langgraph/internals.test.ts) that runs a real graph
 * and fails the day LangGraph changes it, and package.json's @langchain/langgraph range is narrowed
 * to the versions those tests were run against.
 */
import { INTERRUPT, type LangGraphRunnableConfig } from "@langchain/langgraph";
import type { BaseCheckpointSaver } from "@langchain/langgraph-checkpoint";

/** `CONFIG_KEY_READ`: a task's reader of the channels as its superstep sees them. */
export const CONFIG_KEY_READ = "__pregel_read";
/** `CONFIG_KEY_RESUMING`: set in a subgraph's config while its parent resumes from a checkpoint. */
export const CONFIG_KEY_RESUMING = "__pregel_resuming";
/** `CONFIG_KEY_CHECKPOINTER`: the checkpointer of the run a task (or a tool inside it) belongs to. */
export const CONFIG_KEY_CHECKPOINTER = "__pregel_checkpointer";
/** `CHECKPOINT_NAMESPACE_SEPARATOR`: joins the namespaces of nested graphs in `checkpoint_ns`. */
export const CHECKPOINT_NAMESPACE_SEPARATOR = "|";

type Configurable = Record<string, unknown> | undefined;

/**
 * Reads channels of the running graph from inside a node, through the task's channel reader
 * (`fresh = false`: the values the superstep started with). Undefined when LangGraph gave none.
 */
export function readTaskChannels(config: LangGraphRunnableConfig | undefined, channels: string[]): Record<string, unknown> | undefined {
  const read = config?.configurable?.[CONFIG_KEY_READ] as ((select: string[], fresh?: boolean) => Record<string, unknown>) | undefined;
  if (typeof read !== "function") return undefined;
  try {
    return read(channels, false);
  } catch {
    return undefined;
  }
}

/** True while a parent graph resumes from its checkpoint and re-enters this (sub)graph. */
export function isParentResuming(configurable: Configurable): boolean {
  return configurable?.[CONFIG_KEY_RESUMING] === true;
}

/** The checkpointer of the run this config belongs to (a parent's, for a subgraph or a tool). */
export function runCheckpointer(config: { configurable?: Configurable } | undefined): BaseCheckpointSaver | undefined {
  const saver = config?.configurable?.[CONFIG_KEY_CHECKPOINTER];
  return saver && typeof saver === "object" ? (saver as BaseCheckpointSaver) : undefined;
}

/**
 * The checkpoint namespace of the graph a node runs in. A node's `checkpoint_ns` names its own task
 * (`node:task-id`, nested graphs joined with `|`); the graph's checkpoint is one level up.
 */
export function graphCheckpointNamespace(config: LangGraphRunnableConfig | undefined): string {
  const taskNs = String(config?.configurable?.checkpoint_ns ?? "");
  return taskNs.split(CHECKPOINT_NAMESPACE_SEPARATOR).slice(0, -1).join(CHECKPOINT_NAMESPACE_SEPARATOR);
}

/** JSON Schemas the LangGraph server should report for a graph (its `getSchemas`). */
export interface RuntimeSchemas {
  input: Record<string, unknown>;
  state: Record<string, unknown>;
  output: Record<string, unknown>;
}

/**
 * Lets the LangGraph server describe a graph whose state is plain annotations (no JSON Schema).
 * langgraph-api reads runtime schemas from `builder._schemaRuntimeDefinition` /
 * `_outputRuntimeDefinition` when they offer `getJsonSchema()` and `getInputJsonSchema()`; such an
 * object is neither a zod schema nor a StateSchema instance, so LangGraph itself still treats the
 * state as annotations (no input or update validation changes). Leaves a graph that has one alone.
 */
export function describeRuntimeSchemas(graph: object, schemas: RuntimeSchemas): void {
  const builder = (graph as { builder?: Record<string, unknown> }).builder;
  if (!builder || builder._schemaRuntimeDefinition !== undefined) return;
  builder._schemaRuntimeDefinition = { getJsonSchema: () => schemas.state, getInputJsonSchema: () => schemas.input };
  builder._outputRuntimeDefinition ??= { getJsonSchema: () => schemas.output, getInputJsonSchema: () => schemas.output };
}

/** What a plan node passes to `interrupt()` when a step waits for approval. */
export interface ApprovalInterruptValue {
  step?: string;
  tool?: string;
  params?: unknown;
  /** Every step waiting for approval when this one paused. */
  pending?: string[];
}

/** One live interrupt of a paused run, as `invoke` returns it. */
export interface PlanInterrupt {
  /** Answer it with `Command({ resume: { [id]: answer } })`. */
  id?: string;
  value?: ApprovalInterruptValue;
}

/** The interrupts in the output of an `invoke` that paused (none when it did not). */
export function interruptsOf(state: unknown): PlanInterrupt[] {
  if (state === null || typeof state !== "object") return [];
  const items = (state as Record<string, unknown>)[INTERRUPT];
  if (!Array.isArray(items)) return [];
  return items.filter((item): item is PlanInterrupt => item !== null && typeof item === "object");
}
