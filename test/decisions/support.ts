/**
 * Test tools for the decision, join, retry and cache tests: every call is counted per step, so a
 * test can say "this tool ran exactly once" or "this skipped step's tool never ran".
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import { z } from "zod";
import { defineTool } from "../../src/tools/define.js";
import { abortableDelay } from "../../src/tools/builtin.js";

/** One observed call of a probe tool. */
export interface ProbeCall {
  /** The calling step, as the plan passes it in `params.step`. */
  step: string;
  input: Record<string, unknown>;
  signal: AbortSignal | undefined;
}

export interface Probe {
  tool: ReturnType<typeof defineTool>;
  calls: ProbeCall[];
  /** How many times the tool ran for `step`. */
  count(step: string): number;
  /** The steps the tool ran for, in call order. */
  steps(): string[];
}

export interface ProbeOptions {
  name?: string;
  /** Wait this long (global timers: fake timers drive it) before answering. */
  delayMs?: number;
  sideEffects?: boolean;
  idempotent?: boolean;
  /** Throw on the first `failTimes` calls of each step. */
  failTimes?: number;
}

/**
 * A tool that echoes its input as `{ data: input }` and records who called it. Plans pass the
 * calling step's id as `params.step`.
 */
export function probeTool(options: ProbeOptions = {}): Probe {
  const calls: ProbeCall[] = [];
  const tool = defineTool({
    name: options.name ?? "probe",
    description: "Echoes its input as data and counts calls per step (tests).",
    input: z.object({ step: z.string() }).catchall(z.unknown()),
    ...(options.sideEffects !== undefined ? { sideEffects: options.sideEffects } : {}),
    ...(options.idempotent !== undefined ? { idempotent: options.idempotent } : {}),
    run: async (input, config: RunnableConfig) => {
      calls.push({ step: input.step, input, signal: config.signal });
      const made = calls.filter((c) => c.step === input.step).length;
      if (options.delayMs) await abortableDelay(options.delayMs, config.signal);
      if (options.failTimes !== undefined && made <= options.failTimes) throw new Error(`flaky failure ${made} of ${options.failTimes}`);
      return { data: input };
    },
  });
  return {
    tool,
    calls,
    count: (step) => calls.filter((c) => c.step === step).length,
    steps: () => calls.map((c) => c.step),
  };
}

/** A step calling the probe tool, with the step id passed along so calls can be counted. */
export function probeStep(id: string, extra: Record<string, unknown> = {}, tool = "probe") {
  const { params, ...rest } = extra as { params?: Record<string, unknown> };
  return { id, tool, params: { step: id, ...params }, ...rest };
}
