import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { preparePlan } from "../analysis/prepare.js";
import { chatModelFromEnv as chatModelFromEnvironment } from "../decide/model.js";
import { runPlan } from "../api/run-plan.js";
import type { RunResult } from "../engine/result.js";
import type { Command } from "./args.js";
import type { CliIO } from "./io.js";
import { readPlan } from "./read-plan.js";
import { EXAMPLES_DIR } from "./examples-dir.js";
import { cliRegistry } from "./registry.js";
import { exitCodeFor, formatSummary } from "./summary.js";

export { EXAMPLES_DIR };

/** `npm start`: runs every example plan on the embedded defaults (no key, no server) and prints each answer. */
export async function runExamples(command: Extract<Command, { command: "examples" }>, io: CliIO): Promise<number> {
  const files = (await readdir(EXAMPLES_DIR)).filter((f) => f.endsWith(".json") && (!command.only || f.includes(command.only))).sort();
  const registry = await cliRegistry(undefined, (message) => io.err(`${message}\n`));
  const chatModel = chatModelFromEnvironment(io.env);
  if (!chatModel) io.err("note: no OPENAI_API_KEY set: question decisions take their default branch\n");
  const all: Array<{ file: string; result: RunResult }> = [];
  let worst = 0;
  for (const file of files) {
    const text = await readPlan(join(EXAMPLES_DIR, file));
    const prepared = preparePlan(text, { registry });
    const result = await runPlan(prepared, { registry, chatModel, approveAll: true });
    all.push({ file, result });
    if (exitCodeFor(result) !== 0) worst = 1;
    if (!command.json) {
      io.out(`\n━━ ${file}${prepared.plan.goal ? ` — ${prepared.plan.goal}` : ""}\n${formatSummary(result)}\n`);
    }
  }
  if (command.json) io.out(`${JSON.stringify(all)}\n`);
  else io.out(`\n${files.length} example plan${files.length === 1 ? "" : "s"} run.\n`);
  return worst;
}
