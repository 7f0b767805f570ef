import { tool, type StructuredToolInterface } from "@langchain/core/tools";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { z } from "zod";
import { declareToolTraits, type ToolTraits } from "./traits.js";

/** Everything a plangraph-native tool declares: a LangChain tool plus its output schema and traits. */
export interface ToolDefinition<In extends z.ZodObject, Out extends z.ZodType> {
  name: string;
  description: string;
  input: In;
  output?: Out;
  sideEffects?: boolean;
  idempotent?: boolean;
  /** `config.signal` is aborted when the run is cancelled or the step times out: pass it on. */
  run: (input: z.output<In>, config: RunnableConfig) => Promise<z.input<Out>> | z.input<Out>;
}

/**
 * Define a LangChain tool whose output schema plangraph can check references against.
 * The result is an ordinary StructuredTool: agents, MCP bridges and LangGraph's ToolNode take it as is.
 */
export function defineTool<In extends z.ZodObject, Out extends z.ZodType>(
  definition: ToolDefinition<In, Out>,
): StructuredToolInterface {
  const structured = tool(async (input: z.output<In>, config: RunnableConfig) => definition.run(input, config), {
    name: definition.name,
    description: definition.description,
    schema: definition.input,
  }) as unknown as StructuredToolInterface;
  const traits: ToolTraits = {};
  if (definition.output) traits.outputSchema = definition.output;
  if (definition.sideEffects !== undefined) traits.sideEffects = definition.sideEffects;
  if (definition.idempotent !== undefined) traits.idempotent = definition.idempotent;
  return declareToolTraits(structured, traits);
}
