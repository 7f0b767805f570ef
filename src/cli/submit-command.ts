import { isPlangraphError, PlangraphError } from "../model/errors.js";
import { submitRun, waitForRun } from "../queue/index.js";
import type { CancelledRunError, QueuedRunResult } from "../queue/wait.js";
import type { SubmittedRun } from "../queue/types.js";
import type { CliIO } from "./io.js";
import { cliRegistry } from "./registry.js";
import { readPlan } from "./read-plan.js";
import { ProgressDisplay } from "./progress.js";
import { CALLER_OPTIONS, callerFlags, cliCaller, DATABASE_NOTE, queueTarget, TOOLS_OPTION, type CallerFlags, type FlagValues, type QueueCommandSpec } from "./queue-flags.js";
import { EXIT, exitCodeFor, formatSummary } from "./summary.js";
import { jsonError } from "./failure.js";
import { safeLine } from "./escape.js";

/** `plangraph submit`, parsed. */
export interface SubmitCommand {
  command: "submit";
  plan: string;
  thread?: string;
  key?: string;
  wait: boolean;
  json: boolean;
  tools?: string;
  caller: CallerFlags;
}

export const SUBMIT_COMMAND: QueueCommandSpec = {
  summary: "queue a plan for the workers (PostgreSQL); with --wait, follow it and print its result as `run` does",
  positional: { name: "<plan.json>", help: "the plan file; `-` reads the plan from stdin. It is validated here: an invalid plan is never queued (exit 2)" },
  options: {
    thread: { type: "string", value: "<id>", help: "the thread the run belongs to: one active run per thread (default: a fresh thread)" },
    key: { type: "string", value: "<key>", help: "idempotency key: a retried submit with the same key (per tenant) returns the first run instead of starting a second, for at least 24 hours, also after it finished" },
    wait: { type: "boolean", help: "wait for the run to end or pause, showing live per-step progress on stderr from whichever worker holds it; print the result and exit as `run` does (0/1/3)" },
    json: { type: "boolean", help: "print one JSON object on stdout: { \"run_id\" } (with --wait: the run's result, run_id added)" },
    tools: { ...TOOLS_OPTION, help: "load a JS/TS module of LangChain tools to validate the plan against; the workers must load the same module" },
    ...CALLER_OPTIONS,
  },
  notes: [
    DATABASE_NOTE,
    "exit codes: 0 queued (with --wait: completed with no entry in errors) · 1 with --wait: some step failed or was rejected, or the run was cancelled · 2 invalid plan or usage (nothing queued) · 3 with --wait: waiting for approval",
  ],
};

/** Builds the command from its parsed flags; every bad value is a usage error naming its flag. */
export function parseSubmitCommand(values: FlagValues, positionals: string[]): SubmitCommand {
  if (positionals.length !== 1) throw new PlangraphError("USAGE", `'submit' needs exactly one plan file (or - for stdin)${positionals.length > 1 ? `, got ${positionals.length}` : ""}`);
  const text = (name: string) => values[name] as string | undefined;
  for (const flag of ["thread", "key"]) {
    const value = text(flag);
    if (value !== undefined && (value.length < 1 || value.length > 200)) throw new PlangraphError("USAGE", `--${flag} takes 1 to 200 characters, got ${value.length}`);
  }
  return {
    command: "submit",
    plan: positionals[0]!,
    ...(text("thread") !== undefined ? { thread: text("thread")! } : {}),
    ...(text("key") !== undefined ? { key: text("key")! } : {}),
    wait: values.wait === true,
    json: values.json === true,
    ...(text("tools") !== undefined ? { tools: text("tools")! } : {}),
    caller: callerFlags(values),
  };
}

/** Queues the plan; with `--wait`, follows the run to its end (or pause) and exits as `run` does. */
export async function runSubmitCommand(command: SubmitCommand, io: CliIO): Promise<number> {
  const queue = queueTarget("submit", io);
  const plan = await readPlan(command.plan, io);
  const registry = await cliRegistry(command.tools, (message) => io.err(`${message}\n`), io.env);
  const input = {
    plan,
    caller: cliCaller(command.caller),
    ...(command.thread !== undefined ? { thread_id: command.thread } : {}),
    ...(command.key !== undefined ? { idempotency_key: command.key } : {}),
  };
  const submitted = await submitRun(input, { ...queue, registry });
  if (!command.wait) {
    io.out(command.json ? `${JSON.stringify({ run_id: submitted.run_id })}\n` : `${submittedLine(submitted)}\n`);
    return 0;
  }
  if (!command.json) io.err(`${submittedLine(submitted)}\n`);
  // Progress comes from whichever worker holds the run, also after a takeover; events written
  // before this wait began are read back first, so none is missed.
  const progress = command.json ? undefined : new ProgressDisplay(io.err, io.stderrIsTTY);
  let result: QueuedRunResult;
  try {
    result = await waitForRun(submitted.run_id, { ...queue, ...(progress ? { onEvent: progress.onEvent } : {}) });
  } catch (error) {
    // The run was queued and ended without a result (cancelled before it started, failed on its
    // worker): a failed run (1), not a refused submission (2).
    if (!isPlangraphError(error) || error.code === "RUN_NOT_FOUND") throw error;
    // Cancelled meanwhile (`runs cancel`, another client): what it had done comes along.
    const partial = (error as CancelledRunError).result;
    if (command.json) io.out(`${JSON.stringify({ ...jsonError(error), run_id: submitted.run_id, ...(partial ? { result: partial } : {}) })}\n`);
    io.err(`${safeLine(`error ${error.code}: ${error.message}`)}\n`);
    if (partial) io.err(`${safeLine(`\`plangraph runs show ${submitted.run_id} --json\` prints what run ${submitted.run_id} had done`)}\n`);
    return EXIT.failed;
  } finally {
    progress?.finish();
  }
  io.out(command.json ? `${JSON.stringify(result)}\n` : `${formatSummary(result)}\n`);
  if (!command.json && result.status === "interrupted") io.err(`run ${result.run_id} waits for approval: \`plangraph runs resume ${result.run_id} --approve <step>\` queues it for any worker\n`);
  return exitCodeFor(result);
}

function submittedLine(run: SubmittedRun): string {
  return safeLine(`${run.deduplicated ? "already submitted with this key" : "queued"}: run ${run.run_id} on thread ${run.thread_id} (${run.status})`);
}
