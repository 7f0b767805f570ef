import { AUDIT_COMMAND_SPEC } from "./audit-command.js";

/**
 * Every command and option of the CLI, with the sentence `--help` prints for it. The parser, the
 * help text and the "did you mean" hints all read this one table, so an option cannot exist
 * without being explained.
 */

export interface OptionSpec {
  type: "string" | "boolean";
  /** May be given more than once (collected in order). */
  multiple?: boolean;
  /** The value's placeholder in help, e.g. `<file>`. */
  value?: string;
  help: string;
}

export interface CommandSpec {
  /** One line: what the command does. */
  summary: string;
  /** The positional argument, if the command takes one. */
  positional?: { name: string; help: string };
  options: Record<string, OptionSpec>;
  /** Further paragraphs for `<command> --help`. */
  notes?: string[];
}

const tools: OptionSpec = { type: "string", value: "<module>", help: "load a JS/TS module whose default export (or `tools`) is an array of LangChain tools; they join the built-ins and replace same-named ones" };
const json: OptionSpec = { type: "boolean", help: "print one JSON object on stdout instead of the human summary (errors as { \"error\": { code, message, … } })" };
const report: OptionSpec = { type: "string", value: "<file.html>", help: "also write a self-contained HTML report of the run (graph, timeline, results)" };
const thread: OptionSpec = { type: "string", value: "<id>", help: "the durable thread the run is checkpointed under (with --db)" };
const db: OptionSpec = { type: "string", value: "<file>", help: "SQLite file holding the checkpoints (with DATABASE_URL set: the PostgreSQL schema name)" };
const tenant: OptionSpec = { type: "string", value: "<id>", help: "the tenant the run is for (lower-case letters, digits and '-'; default: acme); the ops tools see only its data" };
const user: OptionSpec = { type: "string", value: "<name>", help: "the user the run is for (default: local); a local user is trusted" };
const roles: OptionSpec = { type: "string", value: "<a,b>", help: "the user's roles, comma-separated (default: admin); the policy (PLANGRAPH_POLICY, docs/POLICY.md) decides what they may call and approve" };
/** Who a run is for: the result's `context` says which tenant, user and roles it ran under. */
const identity = { tenant, user, roles };
const planArg = { name: "<plan.json>", help: "the plan file; `-` reads the plan from stdin" };

export const EXIT_CODES_HELP =
  "exit codes: 0 completed with no entry in errors · 1 some step failed or was rejected (partial results printed) · 2 invalid plan or usage (nothing ran) · 3 waiting for approval";

export const COMMANDS: Record<string, CommandSpec> = {
  run: {
    summary: "run a plan at its critical path and print the result",
    positional: planArg,
    options: {
      tools,
      json,
      strict: { type: "boolean", help: "a reference whose path is missing at run time fails the step (default: null and a warning); so does a missing value in the answer template" },
      sequential: { type: "boolean", help: "legacy mode: one step at a time, in dependency order (plan order among ready steps)" },
      thread,
      db,
      restart: { type: "boolean", help: "with --thread/--db: start the plan over on a thread that has unfinished work (pending approvals or an interrupted run) instead of refusing" },
      report,
      "approve-all": { type: "boolean", help: "run steps marked requires_approval without asking" },
      "fail-fast": { type: "boolean", help: "stop the whole run at the first failed step and abort the tools in flight" },
      concurrency: { type: "string", value: "<n>", help: "run at most n tools at once (a whole number ≥ 1; default: no bound)" },
      resume: { type: "boolean", help: "another spelling of `plangraph resume`: takes resume's options instead of a plan file" },
      ...identity,
    },
    notes: [
      "Steps that need approval pause the run when --thread and --db are given (exit 3; finish it with `plangraph resume`); without them such a plan needs --approve-all.",
      "The process exits as soon as the result is printed: tools that ignored the run's abort signal and are still running are named on stderr as abandoned.",
    ],
  },
  resume: {
    summary: "finish an interrupted or paused durable run; steps that completed are not run again",
    options: {
      thread: { ...thread, help: "the thread to resume (required)" },
      db: { ...db, help: "the SQLite file (or PostgreSQL schema) the thread is in (required; never created)" },
      approve: { type: "string", multiple: true, value: "<step>", help: "approve a pending step (repeatable)" },
      reject: { type: "string", multiple: true, value: "<step>", help: "reject a pending step: it is reported in errors and its dependents are skipped (repeatable)" },
      params: { type: "string", multiple: true, value: "<step>=<json>", help: "replace a pending step's input with a JSON object (validated against the tool's schema) and approve it (repeatable)" },
      tools,
      json,
      report,
      ...identity,
    },
    notes: [
      "Pending steps not decided stay pending (exit 3 again).",
      "--user and --roles say who answers: approving or rejecting needs an approver role under the policy (APPROVER_NOT_ALLOWED, exit 2, otherwise).",
    ],
  },
  validate: {
    summary: "check a plan against the tools without running it (every problem, with its JSON path)",
    positional: planArg,
    options: { tools, json, ...identity },
    notes: ["With --roles, a step whose tool those roles may not call is reported (TOOL_NOT_ALLOWED, exit 2)."],
  },
  draw: {
    summary: "print the plan's graph as Mermaid text",
    positional: planArg,
    options: { tools },
  },
  tools: {
    summary: "list every tool a plan may call, with its input and output JSON Schema and whether it has side effects",
    options: { tools, json: { type: "boolean", help: "print the catalogue as a JSON array: { name, description, input, output?, side_effects, idempotent }" } },
  },
  examples: {
    summary: "run every example plan in examples/ on the embedded estate and print each answer (what `npm start` runs)",
    options: {
      only: { type: "string", value: "<name>", help: "run only the examples whose file name contains <name>" },
      json: { type: "boolean", help: "print one JSON array of { file, result }" },
    },
  },
  audit: AUDIT_COMMAND_SPEC,
  help: {
    summary: "explain a command: `plangraph help <command>` (same as `plangraph <command> --help`)",
    positional: { name: "[command]", help: "the command to explain" },
    options: {},
  },
};

/** Options every command accepts. */
export const GLOBAL_OPTIONS: Record<string, OptionSpec> = {
  help: { type: "boolean", help: "explain the command and its options, then exit 0" },
  version: { type: "boolean", help: "print plangraph's version, then exit 0" },
};
