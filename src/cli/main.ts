import { readFile } from "node:fs/promises";
import { isPlangraphError, PlanValidationError, PlangraphError, describeError } from "../model/errors.js";
import { preparePlan, type PreparedPlan } from "../analysis/prepare.js";
import { compilePlan, runPlan } from "../api/run-plan.js";
import { chatModelFromEnvironment } from "../decide/chat-model.js";
import type { RunResult } from "../engine/result.js";
import { USAGE, parseCommandLine, type Command } from "./args.js";
import { ProgressDisplay } from "./progress.js";
import { EXIT, exitCodeFor, formatSummary } from "./summary.js";
import { cliRegistry, closeCliResources } from "./registry.js";
import { runExamples } from "./examples.js";
import { writeReport } from "./report.js";
import { runDurable, resumeDurable } from "./durable.js";

/** The CLI. Returns the exit code; never calls process.exit, so it can run inside tests. */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let command: Command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    io.err(`${describeError(error)}\n\n${USAGE}\n`);
    return EXIT.invalid;
  }
  try {
    switch (command.command) {
      case "help":
        io.out(`${USAGE}\n`);
        return 0;
      case "validate":
        return await validate(command, io);
      case "draw": {
        const registry = await cliRegistry(command.tools);
        const graph = compilePlan(await readPlan(command.plan), { registry, chatModel: null });
        io.out(`${(await graph.getGraphAsync()).drawMermaid()}\n`);
        return 0;
      }
      case "run":
        return await run(command, io);
      case "resume":
        return await resume(command, io);
      case "examples":
        return await runExamples(command, io);
    }
  } catch (error) {
    return reportFailure(error, io, "json" in command && command.json);
  } finally {
    await closeCliResources();
  }
}

export interface CliIO {
  out: (text: string) => void;
  err: (text: string) => void;
  stderrIsTTY: boolean;
  stdinIsTTY: boolean;
  env: NodeJS.ProcessEnv;
}

function defaultIO(): CliIO {
  return {
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
    stderrIsTTY: Boolean(process.stderr.isTTY),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    env: process.env,
  };
}

export async function readPlan(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (error) {
    throw new PlangraphError("USAGE", `cannot read plan '${path}': ${describeError(error)}`);
  }
}

async function validate(command: Extract<Command, { command: "validate" }>, io: CliIO): Promise<number> {
  const registry = await cliRegistry(command.tools);
  const prepared = preparePlan(await readPlan(command.plan), { registry });
  const summary = {
    valid: true,
    steps: prepared.steps.size,
    decisions: prepared.decisions.size,
    strategy: prepared.strategy,
    order: prepared.levels,
  };
  io.out(command.json ? `${JSON.stringify(summary)}\n` : `valid: ${summary.steps} steps, ${summary.decisions} decisions, ${summary.strategy}, levels ${JSON.stringify(summary.order)}\n`);
  return 0;
}

async function run(command: Extract<Command, { command: "run" }>, io: CliIO): Promise<number> {
  const registry = await cliRegistry(command.tools, (message) => io.err(`${message}\n`));
  const text = await readPlan(command.plan);
  const prepared = preparePlan(text, { registry });
  const needApproval = [...prepared.steps.values()].filter((s) => s.spec.requires_approval).map((s) => s.id);
  if (needApproval.length && !command.db && !command.approveAll) {
    throw new PlangraphError(
      "APPROVAL_REQUIRED",
      `step${needApproval.length > 1 ? "s" : ""} ${needApproval.map((s) => `'${s}'`).join(", ")} need${needApproval.length > 1 ? "" : "s"} approval: run with --thread <id> --db <file> to pause and resume, or --approve-all`,
      { step: needApproval[0]! },
    );
  }
  const chatModel = chatModelFromEnvironment(io.env);
  if (!chatModel && [...prepared.decisions.values()].some((d) => d.spec.question !== undefined)) {
    io.err("note: no OPENAI_API_KEY set: question decisions take their default branch\n");
  }
  const progress = command.json ? undefined : new ProgressDisplay(io.err, io.stderrIsTTY);
  const options = {
    registry,
    chatModel,
    strict: command.strict,
    sequential: command.sequential,
    approveAll: command.approveAll,
    failFast: command.failFast,
    ...(command.concurrency ? { maxConcurrency: command.concurrency } : {}),
    ...(progress ? { onEvent: progress.onEvent } : {}),
  };
  let result: RunResult;
  try {
    result = command.thread && command.db ? await runDurable(text, command.thread, command.db, options, command.tools) : await runPlan(prepared.plan, options);
  } finally {
    progress?.finish();
  }
  return finish(result, command, io, prepared);
}

async function resume(command: Extract<Command, { command: "resume" }>, io: CliIO): Promise<number> {
  const progress = command.json ? undefined : new ProgressDisplay(io.err, io.stderrIsTTY);
  let outcome: { result: RunResult; prepared: PreparedPlan };
  try {
    outcome = await resumeDurable(command, { chatModel: chatModelFromEnvironment(io.env), ...(progress ? { onEvent: progress.onEvent } : {}) }, (m: string) => io.err(`${m}\n`));
  } finally {
    progress?.finish();
  }
  return finish(outcome.result, command, io, outcome.prepared);
}

async function finish(result: RunResult, command: { json: boolean; report?: string; plan?: string; thread?: string }, io: CliIO, prepared: PreparedPlan): Promise<number> {
  if (command.report) await writeReport(command.report, result, prepared, command.plan ?? command.thread ?? "plan");
  io.out(command.json ? `${JSON.stringify(result)}\n` : `${formatSummary(result)}\n`);
  return exitCodeFor(result);
}

function reportFailure(error: unknown, io: CliIO, json: boolean): number {
  if (error instanceof PlanValidationError) {
    const lines = error.issues.map((issue) => `error ${issue.code}${issue.path ? ` at ${issue.path}` : ""}: ${issue.message}`);
    io.err(`invalid plan:\n${lines.join("\n")}\n`);
    if (json) io.out(`${JSON.stringify({ status: "invalid", errors: error.issues.map((i) => i.toJSON()) })}\n`);
    return EXIT.invalid;
  }
  if (isPlangraphError(error) && error.code !== "INTERNAL") {
    io.err(`error ${error.code}${error.step ? ` (step '${error.step}')` : ""}: ${error.message}\n`);
    if (json) io.out(`${JSON.stringify({ status: "invalid", errors: [error.toJSON()] })}\n`);
    return EXIT.invalid;
  }
  io.err(`internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT.failed;
}
