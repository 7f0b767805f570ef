import { z } from "zod";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { defineTool } from "./define.js";

/** Waits `ms` milliseconds, or rejects as soon as the run is aborted. Uses the global timer so fake timers drive it. */
export function abortableDelay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error("aborted"));
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error("aborted"));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** `echo`: returns its input as `data`, so plans can be tried without any real tool. */
export const echoTool = defineTool({
  name: "echo",
  description: "Returns its input unchanged as `data`. For demos and tests.",
  input: z.object({}).catchall(z.unknown()),
  run: (input) => ({ data: input }),
});

/** `sleep`: waits `ms` then returns `{ data: { slept_ms, ...rest } }`; stands in for a slow tool. */
export const sleepTool = defineTool({
  name: "sleep",
  description: "Waits `ms` milliseconds, then returns the input as `data` (a stand-in for a slow tool).",
  input: z.object({ ms: z.number().int().min(0).max(3_600_000) }).catchall(z.unknown()),
  output: z.object({ data: z.object({ slept_ms: z.number() }).catchall(z.unknown()) }),
  run: async (input, config) => {
    const { ms, ...rest } = input;
    await abortableDelay(ms, config.signal);
    return { data: { slept_ms: ms, ...rest } };
  },
});

/** `fail`: always throws with `message`; for testing failure handling. */
export const failTool = defineTool({
  name: "fail",
  description: "Always fails with the given message. For tests of failure handling.",
  input: z.object({ message: z.string().default("failed on purpose") }),
  output: z.never(),
  run: (input) => {
    throw new Error(input.message);
  },
});

/** The utility tools every registry starts with. */
export function builtinTools(): StructuredToolInterface[] {
  return [echoTool, sleepTool, failTool];
}
