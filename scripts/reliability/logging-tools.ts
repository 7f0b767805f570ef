/**
 * A side-effect-logging tool module for crash tests (`--tools scripts/reliability/logging-tools.ts`).
 *
 * `work` stands in for a side-effecting tool: every call appends one JSON line to the file named by
 * PLANGRAPH_RELIABILITY_LOG when it starts and one when it returns, with fs.appendFileSync, so
 * the log survives a SIGKILL of the process at any point after the line was written. Each line:
 *
 *   { "step": "s3", "attempt": 2, "phase": "start" | "end", "proc": "<PLANGRAPH_RELIABILITY_PROC>", "pid": 123, "t": <epoch ms> }
 *
 * `attempt` counts this step's earlier `start` lines in the whole log (every process that wrote
 * to it), so a re-executed side effect shows up as attempt 2.
 *
 * The output is a pure function of the input (`value = n + sum(inputs)`), so an interrupted and
 * resumed run must produce exactly the results of an uninterrupted one.
 */
import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { defineTool } from "../../src/tools/define.js";
import { abortableDelay } from "../../src/tools/builtin.js";

/** One line of the side-effect log. */
export interface SideEffectLine {
  step: string;
  attempt: number;
  phase: "start" | "end";
  proc: string;
  pid: number;
  t: number;
}

function logFile(): string | undefined {
  return process.env.PLANGRAPH_RELIABILITY_LOG || undefined;
}

function append(line: Omit<SideEffectLine, "proc" | "pid" | "t">): void {
  const file = logFile();
  if (!file) return;
  const full: SideEffectLine = { ...line, proc: process.env.PLANGRAPH_RELIABILITY_PROC ?? "", pid: process.pid, t: Date.now() };
  appendFileSync(file, `${JSON.stringify(full)}\n`);
}

/** Every line of a side-effect log (a torn last line, cut by a kill mid-write, is ignored). */
export function readSideEffectLog(file: string): SideEffectLine[] {
  if (!existsSync(file)) return [];
  const lines: SideEffectLine[] = [];
  for (const text of readFileSync(file, "utf8").split("\n")) {
    if (!text.trim()) continue;
    try {
      lines.push(JSON.parse(text) as SideEffectLine);
    } catch {
      // appendFileSync of one short line is a single write(2); a partial line is still possible in principle.
    }
  }
  return lines;
}

function previousStarts(step: string): number {
  const file = logFile();
  if (!file) return 0;
  return readSideEffectLog(file).filter((l) => l.step === step && l.phase === "start").length;
}

export const workTool = defineTool({
  name: "work",
  description: "A side-effecting unit of work: logs its call, waits `ms`, returns n + sum(inputs).",
  input: z.object({
    step: z.string(),
    ms: z.number().int().min(0).max(60_000),
    n: z.number(),
    inputs: z.array(z.number().nullable()).default([]),
  }),
  output: z.object({ data: z.object({ step: z.string(), value: z.number() }) }),
  sideEffects: true,
  run: async ({ step, ms, n, inputs }, config) => {
    append({ step, attempt: previousStarts(step) + 1, phase: "start" });
    await abortableDelay(ms, config.signal);
    const value = n + inputs.reduce<number>((sum, x) => sum + (x ?? 0), 0);
    append({ step, attempt: previousStarts(step), phase: "end" });
    return { data: { step, value } };
  },
});

export default [workTool];
