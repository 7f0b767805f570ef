import type { StructuredToolInterface } from "@langchain/core/tools";
import { toolTraits } from "./traits.js";

/** What warming up a run's tools took, for the run's report and warnings. */
export interface WarmUpReport {
  /** Wall-clock milliseconds spent warming up, before the run's clock started. */
  ms: number;
  /** One line per warm-up that failed: the tools then fail (or not) on their own calls. */
  warnings: string[];
}

/**
 * Runs every distinct `warmUp` declared by these tools, in parallel, once each. A failed warm-up
 * does not fail the run: the tool's own call reports what is wrong, with the step's name on it.
 */
export async function warmUpTools(tools: Iterable<StructuredToolInterface>, signal?: AbortSignal, now: () => number = () => performance.now()): Promise<WarmUpReport> {
  const byFunction = new Map<(signal?: AbortSignal) => Promise<void>, string[]>();
  for (const tool of tools) {
    const warmUp = toolTraits(tool).warmUp;
    if (!warmUp) continue;
    const names = byFunction.get(warmUp) ?? [];
    names.push(tool.name);
    byFunction.set(warmUp, names);
  }
  const started = now();
  const warnings: string[] = [];
  await Promise.all(
    [...byFunction].map(async ([warmUp, names]) => {
      try {
        await warmUp(signal);
      } catch (error) {
        warnings.push(`warming up ${names.join(", ")} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }),
  );
  return { ms: byFunction.size ? now() - started : 0, warnings };
}
