import { appendFileSync, existsSync, readFileSync } from "node:fs";
import { z } from "zod";
import { defineTool } from "../../../src/tools/define.js";

/**
 * `effect`: a side effect with a log, for the queue trials. Appends `start <name> <pid>` when
 * called, waits `ms` (abortable), then appends `done <name> <pid>` — or `abort <name> <pid>` when
 * its run's signal aborts it. The log (a file, named in the plan) outlives any worker process.
 */
export const effectTool = defineTool({
  name: "effect",
  description: "Logs a side effect to a file, waiting ms first (abortable). For queue tests.",
  input: z.object({ name: z.string(), log: z.string(), ms: z.number().int().min(0).default(0) }),
  output: z.object({ data: z.object({ name: z.string(), pid: z.number() }) }),
  run: async (input, config) => {
    appendFileSync(input.log, `start ${input.name} ${process.pid} ${Date.now()}\n`);
    await new Promise<void>((resolve, reject) => {
      const signal = config.signal;
      const abort = () => {
        clearTimeout(timer);
        appendFileSync(input.log, `abort ${input.name} ${process.pid} ${Date.now()}\n`);
        reject(signal?.reason ?? new Error("aborted"));
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", abort);
        resolve();
      }, input.ms);
      if (signal?.aborted) return abort();
      signal?.addEventListener("abort", abort, { once: true });
    });
    appendFileSync(input.log, `done ${input.name} ${process.pid} ${Date.now()}\n`);
    return { data: { name: input.name, pid: process.pid } };
  },
});

export default [effectTool];

/** One line of an effect log. */
export interface LogLine {
  kind: "start" | "done" | "abort";
  name: string;
  pid: number;
  at: number;
}

/** The log's lines, oldest first ([] before the first call). */
export function readLog(path: string): LogLine[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [kind, name, pid, at] = line.split(" ");
      return { kind: kind as LogLine["kind"], name: name!, pid: Number(pid), at: Number(at) };
    });
}

/** How many times the log says `kind` happened to `name`. */
export const count = (log: LogLine[], kind: LogLine["kind"], name: string): number => log.filter((line) => line.kind === kind && line.name === name).length;
