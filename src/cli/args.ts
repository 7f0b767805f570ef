import { parseArgs } from "node:util";
import { PlangraphError } from "../model/errors.js";

/** A parsed command line. Every command and flag the contract names, and nothing silently ignored. */
export type Command =
  | { command: "run"; plan: string; tools?: string; json: boolean; strict: boolean; sequential: boolean; thread?: string; db?: string; report?: string; approveAll: boolean; failFast: boolean; concurrency?: number; restart: boolean }
  | { command: "resume"; thread: string; db: string; tools?: string; json: boolean; approve: string[]; reject: string[]; params: Record<string, Record<string, unknown>>; report?: string }
  | { command: "validate"; plan: string; tools?: string; json: boolean }
  | { command: "draw"; plan: string; tools?: string }
  | { command: "examples"; json: boolean; only?: string }
  | { command: "help" };

export const USAGE = `plangraph — compile tool plans into LangGraph graphs and run them at their critical path

usage:
  plangraph run <plan.json> [--tools <module>] [--json] [--strict] [--sequential]
                            [--thread <id> --db <file> [--restart]] [--report <file.html>] [--approve-all] [--fail-fast] [--concurrency <n>]
  plangraph resume --thread <id> --db <file> [--approve <step>]… [--reject <step>]… [--params <step>=<json>]…   (also: run --resume …)
                            [--tools <module>] [--json] [--report <file.html>]
  plangraph validate <plan.json> [--tools <module>] [--json]
  plangraph draw <plan.json> [--tools <module>]
  plangraph examples [--only <name>] [--json]

exit codes: 0 completed · 1 some step failed · 2 invalid plan or usage · 3 waiting for approval`;

export function parseCommandLine(argv: string[]): Command {
  const [first, ...tail] = argv;
  // `run --resume --thread ID --db FILE` is another spelling of `resume --thread ID --db FILE`.
  const resumeAlias = first === "run" && tail.includes("--resume");
  const command = resumeAlias ? "resume" : first;
  const rest = resumeAlias ? tail.filter((arg) => arg !== "--resume") : tail;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") return { command: "help" };
  const parsed = parseFlags(rest);
  const v = parsed.values;
  const positional = parsed.positionals;
  const allow = (names: string[]) => {
    for (const key of Object.keys(v)) {
      const value = v[key as keyof typeof v];
      const set = Array.isArray(value) ? value.length > 0 : value !== undefined && value !== false;
      if (set && !names.includes(key)) throw usage(`'${command}' does not take --${key}`);
    }
  };
  const one = (what: string) => {
    if (positional.length !== 1) throw usage(`'${command}' needs exactly one ${what}`);
    return positional[0]!;
  };
  const tools = v.tools === undefined ? {} : { tools: v.tools };
  switch (command) {
    case "run": {
      allow(["tools", "json", "strict", "sequential", "thread", "db", "report", "approve-all", "fail-fast", "concurrency", "restart"]);
      if (v.restart && v.thread === undefined) throw usage("--restart goes with --thread <id> --db <file>");
      if ((v.thread === undefined) !== (v.db === undefined)) throw usage("--thread and --db go together");
      let concurrency: number | undefined;
      if (v.concurrency !== undefined) {
        concurrency = Number(v.concurrency);
        if (!Number.isInteger(concurrency) || concurrency < 1) throw usage("--concurrency takes a whole number ≥ 1");
      }
      return {
        command,
        plan: one("plan file"),
        ...tools,
        json: v.json!,
        strict: v.strict!,
        sequential: v.sequential!,
        ...(v.thread !== undefined ? { thread: v.thread, db: v.db! } : {}),
        ...(v.report !== undefined ? { report: v.report } : {}),
        approveAll: v["approve-all"]!,
        failFast: v["fail-fast"]!,
        ...(concurrency !== undefined ? { concurrency } : {}),
        restart: v.restart!,
      };
    }
    case "resume": {
      allow(["tools", "json", "thread", "db", "approve", "reject", "params", "report"]);
      if (positional.length) throw usage("'resume' takes no plan file: the plan is stored with the thread");
      if (v.thread === undefined || v.db === undefined) throw usage("'resume' needs --thread <id> and --db <file>");
      const params: Record<string, Record<string, unknown>> = {};
      for (const item of v.params ?? []) {
        const eq = item.indexOf("=");
        if (eq <= 0) throw usage(`--params takes <step>=<json>, got '${item}'`);
        const step = item.slice(0, eq);
        let value: unknown;
        try {
          value = JSON.parse(item.slice(eq + 1));
        } catch (error) {
          throw usage(`--params for step '${step}' is not valid JSON: ${(error as Error).message}`);
        }
        if (value === null || typeof value !== "object" || Array.isArray(value)) throw usage(`--params for step '${step}' must be a JSON object`);
        params[step] = value as Record<string, unknown>;
      }
      const approve = v.approve ?? [];
      const reject = v.reject ?? [];
      const clash = approve.find((s: string) => reject.includes(s)) ?? reject.find((s: string) => s in params);
      if (clash) throw usage(`step '${clash}' cannot be both approved and rejected`);
      return { command, thread: v.thread, db: v.db, ...tools, json: v.json!, approve, reject, params, ...(v.report !== undefined ? { report: v.report } : {}) };
    }
    case "validate":
      allow(["tools", "json"]);
      return { command, plan: one("plan file"), ...tools, json: v.json! };
    case "draw":
      allow(["tools"]);
      return { command, plan: one("plan file"), ...tools };
    case "examples":
      allow(["json", "only"]);
      if (positional.length) throw usage("'examples' takes no arguments");
      return { command, json: v.json!, ...(v.only !== undefined ? { only: v.only } : {}) };
    default:
      throw usage(`unknown command '${command}'`);
  }
}

const FLAGS = {
  tools: { type: "string" },
  json: { type: "boolean", default: false },
  strict: { type: "boolean", default: false },
  sequential: { type: "boolean", default: false },
  thread: { type: "string" },
  db: { type: "string" },
  report: { type: "string" },
  "approve-all": { type: "boolean", default: false },
  resume: { type: "boolean", default: false },
  restart: { type: "boolean", default: false },
  "fail-fast": { type: "boolean", default: false },
  concurrency: { type: "string" },
  approve: { type: "string", multiple: true },
  reject: { type: "string", multiple: true },
  params: { type: "string", multiple: true },
  only: { type: "string" },
} as const;

function parseFlags(args: string[]) {
  try {
    return parseArgs({ args, options: FLAGS, allowPositionals: true, strict: true });
  } catch (error) {
    throw usage((error as Error).message);
  }
}

function usage(message: string): PlangraphError {
  return new PlangraphError("USAGE", message);
}
