import type { StructuredToolInterface } from "@langchain/core/tools";
import type { z } from "zod";

/**
 * What plangraph knows about a tool beyond what LangChain records: the shape of its output (so
 * references into it are checked before a run), and whether calling it changes the world.
 */
export interface ToolTraits {
  /** zod schema of the tool's output; references into it are checked at compile time. */
  outputSchema?: z.ZodType;
  /** The tool changes something outside plangraph (writes, tickets, restarts). */
  sideEffects?: boolean;
  /** Calling it twice with the same input is harmless; only then is a side-effecting tool retried. */
  idempotent?: boolean;
  /** Its params and output are never shown in telemetry or the HTML report (`[redacted]`), on every step that calls it. */
  sensitive?: boolean;
  /**
   * Work the tool needs done once before its first call (open a database, build an embedded
   * estate). Runs before the run's clock starts, so the first step's time is the tool's own.
   * Tools that share one warm-up share one function: it is called once per run for all of them.
   */
  warmUp?: (signal?: AbortSignal) => Promise<void>;
}

// A WeakMap, not tool.metadata: metadata is sent to tracers and a zod schema does not serialise.
const traitsByTool = new WeakMap<object, ToolTraits>();

/** Attach plangraph traits (output schema, side effects) to any LangChain tool. Returns the tool. */
export function declareToolTraits<T extends StructuredToolInterface>(tool: T, traits: ToolTraits): T {
  traitsByTool.set(tool, { ...traitsByTool.get(tool), ...traits });
  return tool;
}

/** The traits declared for a tool, or none. */
export function toolTraits(tool: StructuredToolInterface): ToolTraits {
  return traitsByTool.get(tool) ?? {};
}
