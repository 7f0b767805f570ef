/**
 * Tools for the thread tests (`--tools test/reliability/support/gate-tools.ts`): `work` from
 * scripts/reliability/logging-tools.ts, and `gate`, which logs its call the same way and then
 * holds until the file named by its `open` param exists — so a test decides when a step ends,
 * instead of guessing how long process start-up takes on a loaded machine.
 */
import { appendFileSync, existsSync } from "node:fs";
import { z } from "zod";
import { defineTool } from "../../../src/tools/define.js";
import { abortableDelay } from "../../../src/tools/builtin.js";
import { workTool } from "../../../scripts/reliability/logging-tools.js";

const log = (step: string, phase: "start" | "end") => {
  const file = process.env.PLANGRAPH_RELIABILITY_LOG;
  if (file) appendFileSync(file, `${JSON.stringify({ step, attempt: 0, phase, proc: process.env.PLANGRAPH_RELIABILITY_PROC ?? "", pid: process.pid, t: Date.now() })}\n`);
};

export const gateTool = defineTool({
  name: "gate",
  description: "A side-effecting step that lasts until the file `open` exists.",
  input: z.object({ step: z.string(), open: z.string(), n: z.number().default(1) }),
  output: z.object({ data: z.object({ step: z.string(), value: z.number() }) }),
  sideEffects: true,
  run: async ({ step, open, n }, config) => {
    log(step, "start");
    while (!existsSync(open)) await abortableDelay(20, config.signal);
    log(step, "end");
    return { data: { step, value: n } };
  },
});

export default [workTool, gateTool];
