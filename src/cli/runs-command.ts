import { PlangraphError } from "../model/errors.js";
import type { RunResult } from "../engine/result.js";
import { cancelRun, getRun, listRuns, resumeRun } from "../queue/index.js";
import { QueuedRunStatusSchema, type QueuedRun, type QueuedRunStatus, type ResumeAnswer } from "../queue/types.js";
import type { CliIO } from "./io.js";
import { policyFor } from "../api/policy-file.js";
import { CALLER_OPTIONS, callerFlags, cliCaller, DATABASE_NOTE, queueTarget, wholeNumber, type CallerFlags, type FlagValues, type QueueCommandSpec } from "./queue-flags.js";
import { safeLine } from "./escape.js";

/** `plangraph runs …`, parsed. */
export type RunsCommand =
  | { command: "runs"; action: "list"; json: boolean; status?: QueuedRunStatus; limit?: number }
  | { command: "runs"; action: "show" | "cancel"; id: string; json: boolean }
  | { command: "runs"; action: "resume"; id: string; json: boolean; answer: ResumeAnswer; caller: CallerFlags };

export const RUNS_COMMAND: QueueCommandSpec = {
  summary: "list queued runs, show one (its result once it ended), cancel one wherever it runs, or answer its approvals",
  positional: {
    name: "list | show <id> | cancel <id> | resume <id>",
    help: "list: the latest runs, newest first · show <id>: the run's result once it ended or paused, else its state · cancel <id>: stop the run on whichever worker holds it · resume <id>: decide a paused run's pending steps and queue it again for any worker",
  },
  options: {
    json: { type: "boolean", help: "print JSON on stdout: list → an array of runs; show → the run's result (run_id added), or the run's state while it is queued or running; cancel → the run's state" },
    status: { type: "string", value: "<status>", help: `list: only runs in this status (${QueuedRunStatusSchema.options.join(", ")})` },
    limit: { type: "string", value: "<n>", help: "list: at most n runs (1 to 1000; default 50)" },
    approve: { type: "string", multiple: true, value: "<step>", help: "resume: approve a pending step (repeatable); it runs exactly once, on whichever worker takes the run" },
    reject: { type: "string", multiple: true, value: "<step>", help: "resume: reject a pending step: it is reported in errors and its dependents are skipped (repeatable)" },
    params: { type: "string", multiple: true, value: "<step>=<json>", help: "resume: replace a pending step's input with a JSON object and approve it (repeatable)" },
    tenant: { type: "string", value: "<id>", help: "resume: the answering caller's tenant (default: the run's)" },
    user: { ...CALLER_OPTIONS.user!, help: "resume: who answers (default local); the policy (PLANGRAPH_POLICY) decides who may approve, and `approver_not_starter` refuses the run's submitter" },
    roles: { ...CALLER_OPTIONS.roles!, help: "resume: the answering caller's roles, comma-separated (default admin); approving or rejecting needs an approver role under the policy" },
  },
  notes: [
    DATABASE_NOTE,
    "Follow a resumed run with `plangraph runs show <id> --json` (or submit with --wait in the first place).",
    "exit codes: 0 done · 2 usage, no run with that id, or an answer the policy refuses (APPROVER_NOT_ALLOWED naming the approver, roles and step): nothing changed, nothing queued",
  ],
};

/** Builds the command from its parsed flags and words; every bad value is a usage error naming it. */
export function parseRunsCommand(values: FlagValues, positionals: string[]): RunsCommand {
  const [action, id, ...extra] = positionals;
  const json = values.json === true;
  if (action === "list") {
    if (id !== undefined) throw new PlangraphError("USAGE", `'runs list' takes no run id, got '${id}'`);
    const status = values.status as string | undefined;
    if (status !== undefined && !QueuedRunStatusSchema.safeParse(status).success) {
      throw new PlangraphError("USAGE", `--status '${status}' is not a run status; the statuses are ${QueuedRunStatusSchema.options.join(", ")}`);
    }
    const limit = wholeNumber(values, "limit", 1, 1000);
    for (const flag of ["tenant", "user", "roles"]) if (values[flag] !== undefined) throw new PlangraphError("USAGE", `--${flag} is an option of 'runs resume' only`);
    return { command: "runs", action, json, ...(status !== undefined ? { status: status as QueuedRunStatus } : {}), ...(limit !== undefined ? { limit } : {}) };
  }
  if (action === "show" || action === "cancel" || action === "resume") {
    if (id === undefined) throw new PlangraphError("USAGE", `'runs ${action}' needs a run id (plangraph runs list shows them)`);
    if (extra.length) throw new PlangraphError("USAGE", `'runs ${action}' takes one run id, got ${extra.length + 1}`);
    for (const flag of ["status", "limit"]) if (values[flag] !== undefined) throw new PlangraphError("USAGE", `--${flag} is an option of 'runs list' only`);
    if (action === "resume") return { command: "runs", action, id, json, answer: resumeAnswer(values), caller: callerFlags(values) };
    for (const flag of ["approve", "reject", "params", "tenant", "user", "roles"]) if (values[flag] !== undefined) throw new PlangraphError("USAGE", `--${flag} is an option of 'runs resume' only`);
    return { command: "runs", action, id, json };
  }
  throw new PlangraphError("USAGE", action === undefined ? `'runs' needs an action: ${ACTIONS}` : `'runs' has no action '${action}'; the actions are ${ACTIONS}`);
}

const ACTIONS = "list, show <id>, cancel <id>, resume <id>";

/** `--approve`, `--reject`, `--params step=json`: at least one, none contradicting another. */
function resumeAnswer(values: FlagValues): ResumeAnswer {
  const list = (flag: string) => (values[flag] as string[] | undefined) ?? [];
  const params: Record<string, Record<string, unknown>> = {};
  for (const item of list("params")) {
    const eq = item.indexOf("=");
    if (eq <= 0) throw new PlangraphError("USAGE", `--params takes <step>=<json>, got '${item}'`);
    const step = item.slice(0, eq);
    let value: unknown;
    try {
      value = JSON.parse(item.slice(eq + 1));
    } catch (error) {
      throw new PlangraphError("USAGE", `--params for step '${step}' is not valid JSON: ${(error as Error).message}`, { step });
    }
    if (value === null || typeof value !== "object" || Array.isArray(value)) throw new PlangraphError("USAGE", `--params for step '${step}' must be a JSON object`, { step });
    params[step] = value as Record<string, unknown>;
  }
  const approve = list("approve");
  const reject = list("reject");
  if (!approve.length && !reject.length && !Object.keys(params).length) throw new PlangraphError("USAGE", "'runs resume' needs at least one --approve <step>, --reject <step> or --params <step>=<json>");
  const clash = approve.find((step) => reject.includes(step)) ?? reject.find((step) => step in params);
  if (clash) throw new PlangraphError("USAGE", `step '${clash}' cannot be both approved and rejected`, { step: clash });
  return { approve, reject, params };
}

/** `runs list | show | cancel`. */
export async function runRunsCommand(command: RunsCommand, io: CliIO): Promise<number> {
  const queue = queueTarget("runs", io);
  if (command.action === "list") {
    const runs = await listRuns({ ...(command.status ? { status: command.status } : {}), limit: command.limit ?? 50 }, queue);
    io.out(command.json ? `${JSON.stringify(runs)}\n` : `${runs.length ? runs.map(queuedRunLine).join("\n") : "no runs"}\n`);
    return 0;
  }
  if (command.action === "show") {
    const run = await getRun(command.id, queue);
    const result = resultOf(run);
    if (command.json) io.out(`${JSON.stringify(result ?? stateOf(run))}\n`);
    else io.out(`${queuedRunLine(run)}${result ? `\n${JSON.stringify(result, null, 2)}` : ""}\n`);
    return 0;
  }
  if (command.action === "resume") {
    // Without caller flags the answer is the local caller's, in the run's tenant (resumeRun's default).
    const caller = Object.keys(command.caller).length ? { caller: cliCaller(command.caller) } : {};
    const run = await resumeRun(command.id, command.answer, { ...queue, ...caller, policy: policyFor(undefined, io.env) });
    io.out(command.json ? `${JSON.stringify(stateOf(run))}\n` : `${queuedRunLine(run)}\n`);
    return 0;
  }
  const run = await cancelRun(command.id, queue);
  io.out(command.json ? `${JSON.stringify(stateOf(run))}\n` : `${queuedRunLine(run)}\n`);
  // An ended run is left as it is: say so rather than let "cancel" look as if it had worked.
  if (!run.cancel_requested && run.status !== "cancelled") io.err(`run ${run.run_id} had already ended (${run.status}): nothing to cancel\n`);
  else if (run.status === "running") io.err(`run ${run.run_id}: cancellation sent to worker ${run.worker ?? "?"}; it stops shortly\n`);
  return 0;
}

/** The contract's result of a run that ended or paused (`run_id` added); undefined while it waits or runs. */
export function resultOf(run: QueuedRun): RunResult & { run_id: string } | undefined {
  if (run.result === null || typeof run.result !== "object") return undefined;
  return { ...(run.result as RunResult), run_id: run.run_id };
}

/** A run's state without its result (what `runs show --json` prints while it is queued or running). */
function stateOf<Run extends QueuedRun>(run: Run): Omit<Run, "result"> {
  const { result: _result, ...state } = run;
  return state;
}

/** One line per run: id, status, tenant, thread, worker, when. */
export function queuedRunLine(run: QueuedRun): string {
  const worker = run.worker ? ` on ${run.worker}` : "";
  const takeovers = run.takeovers ? ` (${run.takeovers} takeover${run.takeovers > 1 ? "s" : ""})` : "";
  return safeLine(`${run.run_id}  ${run.status}${worker}${takeovers}  tenant ${run.tenant}  thread ${run.thread_id}  submitted ${run.submitted_at}`);
}
