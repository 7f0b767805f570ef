import { isPlangraphError } from "../model/errors.js";
import { preparePlan, type PreparedPlan } from "../analysis/prepare.js";
import { compilePlan, runPlan } from "../api/run-plan.js";
import { requireApprovalHome } from "../api/policy.js";
import { chatModelFromEnv as chatModelFromEnvironment } from "../decide/model.js";
import type { RunResult } from "../engine/result.js";
import { parseCommandLine, type Command } from "./args.js";
import { commandHelp, generalHelp } from "./help.js";
import { defaultIO, type CliIO } from "./io.js";
import { readPlan } from "./read-plan.js";
import { ProgressDisplay } from "./progress.js";
import { exitCodeFor, formatSummary, EXIT } from "./summary.js";
import { cliRegistry, closeCliResources } from "./registry.js";
import { runExamples } from "./examples.js";
import { writeReport } from "./report.js";
import { runDurable, resumeDurable } from "./durable.js";
import { reportFailure, jsonError } from "./failure.js";
import { GivenUpCalls, liveHandles } from "./in-flight.js";
import { formatToolCatalogue } from "./tools-command.js";
import { packageVersion } from "./version.js";
import { safeLine } from "./escape.js";
import { runAuditCommand } from "./audit-command.js";
import { defaultAuditDb, lazyAuditSink } from "../durability/audit-open.js";
import { cliCaller } from "./identity.js";
import { checkCallerTools } from "../api/admission.js";
import { policyFor } from "../api/policy-file.js";

export type { CliIO };
export { readPlan };

/** The CLI. Returns the exit code; never calls process.exit, so it can run inside tests. */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  let command: Command;
  try {
    command = parseCommandLine(argv);
  } catch (error) {
    return usageFailure(error, argv, io);
  }
  try {
    switch (command.command) {
      case "help":
        io.out(`${command.topic ? commandHelp(command.topic) : generalHelp()}\n`);
        return 0;
      case "version":
        io.out(`${packageVersion()}\n`);
        return 0;
      case "validate":
        return await validate(command, io);
      case "draw": {
        const registry = await cliRegistry(command.tools);
        const graph = compilePlan(await readPlan(command.plan, io), { registry, chatModel: null });
        io.out(`${(await graph.getGraphAsync()).drawMermaid()}\n`);
        return 0;
      }
      case "tools":
        io.out(`${formatToolCatalogue(await cliRegistry(command.tools), command.json)}\n`);
        return 0;
      case "run":
        return await run(command, io);
      case "resume":
        return await resume(command, io);
      case "examples":
        return await runExamples(command, io);
      case "audit":
        return await runAuditCommand(command, io);
    }
  } catch (error) {
    return reportFailure(error, io, "json" in command && command.json);
  } finally {
    await closeCliResources();
  }
}

function usageFailure(error: unknown, argv: string[], io: CliIO): number {
  if (!isPlangraphError(error)) return reportFailure(error, io, false);
  if (argv.includes("--json")) io.out(`${JSON.stringify(jsonError(error))}\n`);
  const command = argv[0] && !argv[0].startsWith("-") ? argv[0] : undefined;
  const more = command && /^[a-z]+$/.test(command) && !error.message.startsWith("unknown command") ? `plangraph ${command} --help` : "plangraph --help";
  io.err(`${error.message.split("\n").map((line) => safeLine(line)).join("\n")}\n(${more} explains every option)\n`);
  return EXIT.invalid;
}

async function validate(command: Extract<Command, { command: "validate" }>, io: CliIO): Promise<number> {
  const registry = await cliRegistry(command.tools);
  const prepared = preparePlan(await readPlan(command.plan, io), { registry });
  // The caller's roles are checked as a run would check them: a refused tool is exit 2 here too.
  checkCallerTools(prepared, cliCaller(command.identity), policyFor(undefined, io.env));
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
  const givenUp = new GivenUpCalls();
  const text = await readPlan(command.plan, io);
  const prepared = preparePlan(text, { registry });
  requireApprovalHome(prepared, { approveAll: command.approveAll, canPause: !!command.db, remedy: "run with --thread <id> --db <file> to pause and resume, or --approve-all" });
  const chatModel = chatModelFromEnvironment(io.env);
  if (!chatModel && [...prepared.decisions.values()].some((d) => d.spec.question !== undefined)) {
    io.err("note: no OPENAI_API_KEY set: question decisions take their default branch\n");
  }
  const progress = command.json ? undefined : new ProgressDisplay(io.err, io.stderrIsTTY);
  // A durable run is audited beside its checkpoints (durable.ts); any other in the default trail.
  const audit = command.db ? undefined : lazyAuditSink(defaultAuditDb(io.env), io.env);
  const options = {
    ...(audit ? { audit } : {}),
    registry,
    chatModel,
    caller: cliCaller(command.identity),
    policy: policyFor(undefined, io.env),
    strict: command.strict,
    sequential: command.sequential,
    approveAll: command.approveAll,
    failFast: command.failFast,
    ...(command.concurrency ? { maxConcurrency: command.concurrency } : {}),
    onEvent: (event: Parameters<GivenUpCalls["onEvent"]>[0]) => {
      givenUp.onEvent(event);
      progress?.onEvent(event);
    },
  };
  let result: RunResult;
  try {
    result =
      command.thread && command.db
        ? await runDurable(text, { thread: command.thread, db: command.db, restart: command.restart, prepared, ...(command.tools ? { tools: command.tools } : {}) }, options)
        : await runPlan(prepared, options);
  } finally {
    progress?.finish();
    await audit?.close();
  }
  const code = await finish(result, command, io, prepared);
  // After the tool packs are closed, anything still holding the process is a tool's.
  await closeCliResources();
  reportAbandoned(givenUp, io);
  return code;
}

/**
 * Calls the run gave up on, when something still holds the process open: the CLI exits without
 * waiting for them (bin/plangraph.mjs), so say which steps' tools are left behind.
 */
function reportAbandoned(givenUp: GivenUpCalls, io: CliIO): void {
  const calls = givenUp.list();
  const handles = (io.liveHandles ?? liveHandles)();
  if (!calls.length || !handles.length) return;
  const list = calls.map((c) => `step '${c.step}' (tool '${c.tool}', ${c.why})`).join(", ");
  io.err(`${safeLine(`abandoned: ${list}: the tool ignored the run's abort signal and still holds ${handles.join(", ")}; exiting without waiting for it`)}\n`);
}

async function resume(command: Extract<Command, { command: "resume" }>, io: CliIO): Promise<number> {
  // A mistyped --db is DATABASE_NOT_FOUND from openDurable (mustExist): resume never creates one.
  const progress = command.json ? undefined : new ProgressDisplay(io.err, io.stderrIsTTY);
  const givenUp = new GivenUpCalls();
  const onEvent = (event: Parameters<GivenUpCalls["onEvent"]>[0]) => {
    givenUp.onEvent(event);
    progress?.onEvent(event);
  };
  let outcome: { result: RunResult; prepared: PreparedPlan };
  try {
    outcome = await resumeDurable(command, { chatModel: chatModelFromEnvironment(io.env), onEvent, caller: cliCaller(command.identity), policy: policyFor(undefined, io.env) }, (m: string) => io.err(`${m}\n`));
  } finally {
    progress?.finish();
  }
  const code = await finish(outcome.result, command, io, outcome.prepared);
  await closeCliResources();
  reportAbandoned(givenUp, io);
  return code;
}

async function finish(result: RunResult, command: { json: boolean; report?: string; plan?: string; thread?: string; db?: string }, io: CliIO, prepared: PreparedPlan): Promise<number> {
  if (command.report) await writeReport(command.report, result, prepared, command.plan ?? command.thread ?? "plan");
  const resumeHint = command.thread && command.db ? { thread: command.thread, db: command.db } : undefined;
  io.out(command.json ? `${JSON.stringify(result)}\n` : `${formatSummary(result, resumeHint)}\n`);
  return exitCodeFor(result);
}
