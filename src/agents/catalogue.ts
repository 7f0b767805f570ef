import { toJsonSchema } from "@langchain/core/utils/json_schema";
import { z } from "zod";
import type { ToolRegistry } from "../tools/registry.js";

/**
 * One tool as a planner sees it: the chat agent's planner prompt, `createPlanTool`'s schema and
 * `plangraph tools` all read this one catalogue.
 */
export interface CatalogueEntry {
  name: string;
  description: string;
  /** JSON Schema of the tool's input (`params` merged with `output_mapping`). */
  input: unknown;
  /** JSON Schema of the tool's output, when the tool declares one (references into it are checked). */
  output?: unknown;
  /** Calling it changes something outside plangraph: never cached, retried only when idempotent. */
  side_effects: boolean;
  /** Calling it twice with the same input is harmless. */
  idempotent: boolean;
}

/** Every registered tool with its input (and declared output) schema, sorted by name. */
export function toolCatalogue(registry: ToolRegistry): CatalogueEntry[] {
  return registry
    .names()
    .map((name) => registry.get(name)!)
    .map(({ name, tool, traits }) => ({
      name,
      description: tool.description ?? "",
      input: schemaOf(tool.schema, "input"),
      ...(traits.outputSchema ? { output: schemaOf(traits.outputSchema, "output") } : {}),
      side_effects: traits.sideEffects === true,
      idempotent: traits.idempotent === true,
    }));
}

/**
 * The catalogue as prompt text: one block per tool with its description and compact JSON schemas.
 * `maxChars` bounds the whole text (a large MCP catalogue must not crowd out the conversation).
 */
export function catalogueText(registry: ToolRegistry, maxChars = 24_000): string {
  const blocks: string[] = [];
  let used = 0;
  for (const entry of toolCatalogue(registry)) {
    const block = [
      `- ${entry.name}${entry.side_effects ? ` [side effects${entry.idempotent ? ", idempotent" : ""}]` : ""}: ${entry.description.trim() || "(no description)"}`,
      `  input: ${JSON.stringify(entry.input)}`,
      ...(entry.output ? [`  output: ${JSON.stringify(entry.output)}`] : []),
    ].join("\n");
    if (used + block.length > maxChars) {
      blocks.push(`- … ${registry.names().length - blocks.length} more tools not shown`);
      break;
    }
    blocks.push(block);
    used += block.length + 1;
  }
  return blocks.join("\n");
}

/**
 * JSON Schema of a tool's zod schema. The input is described as a caller writes it (fields with
 * defaults are optional, open objects stay open), which zod 4's own converter does and LangChain's
 * does not; other schema kinds go through LangChain's converter.
 */
function schemaOf(schema: unknown, io: "input" | "output"): unknown {
  if (schema === undefined || schema === null) return { type: "object" };
  if (typeof schema === "object" && "_zod" in schema) {
    try {
      const { $schema: _ignored, ...rest } = z.toJSONSchema(schema as z.ZodType, { io, unrepresentable: "any" }) as Record<string, unknown>;
      return rest;
    } catch {
      // Falls through to LangChain's converter.
    }
  }
  try {
    const json = toJsonSchema(schema as Parameters<typeof toJsonSchema>[0]) as Record<string, unknown>;
    const { $schema: _ignored, ...rest } = json;
    return rest;
  } catch {
    // Already JSON Schema (MCP tools), or a schema type this converter does not know.
    return schema;
  }
}
