import { parseArgs } from "node:util";
import { PlangraphError } from "../model/errors.js";
import { didYouMean } from "../model/suggest.js";
import { TenantIdSchema } from "../model/caller.js";
import { COMMANDS, GLOBAL_OPTIONS, type OptionSpec } from "./options.js";
import { usageBlock } from "./help.js";
import { buildAuditCommand, type AuditCommand } from "./audit-command.js";

/** A parsed command line. Every command and flag of docs/PLAN-FORMAT.md's CLI, and nothing silently ignored. */
export type Command =
  | { command: "run"; plan: string; tools?: string; json: boolean; strict: boolean; sequential: boolean; thread?: string; db?: string; restart: boolean; report?: string; approveAll: boolean; failFast: boolean; concurrency?: number; identity: CliIdentity }
  | { command: "resume"; thread: string; db: string; tools?: string; json: boolean; approve: string[]; reject: string[]; params: Record<string, Record<string, unknown>>; report?: string; identity: CliIdentity }
  | { command: "validate"; plan: string; tools?: string; json: boolean; identity: CliIdentity }
  | { command: "draw"; plan: string; tools?: string }
  | { command: "tools"; tools?: string; json: boolean }
  | { command: "examples"; json: boolean; only?: string }
  | AuditCommand
  | { command: "help"; topic?: string }
  | { command: "version" };

type Values = Record<string, string | boolean | string[] | undefined>;

/** `--tenant`, `--user`, `--roles`, validated: who a run (or a resume's answers) is for. */
export interface CliIdentity {
  tenant?: string;
  user?: string;
  roles?: string[];
}

/**
 * Parses argv (without `node` and the script). Throws a USAGE PlangraphError naming the command,
 * the option and the nearest known spelling; `--help` and `--version` win over everything else
 * on the line, so `run --help` explains `run` even without a plan.
 */
export function parseCommandLine(argv: string[]): Command {
  const [first, ...tail] = argv;
  if (first === undefined || first === "--help" || first === "-h") return { command: "help" };
  if (first === "--version" || first === "-V") return { command: "version" };
  // `run --resume --thread ID --db FILE` is another spelling of `resume --thread ID --db FILE`.
  const resumeAlias = first === "run" && tail.includes("--resume");
  const command = resumeAlias ? "resume" : first;
  const rest = resumeAlias ? tail.filter((arg) => arg !== "--resume") : tail;
  if (!(command in COMMANDS)) {
    const hint = first.startsWith("-") ? didYouMean(first.replace(/^-+/, ""), Object.keys(GLOBAL_OPTIONS)).replace("'", "'--") : didYouMean(command, Object.keys(COMMANDS));
    throw usage(`unknown command '${first}'${hint}; the commands are ${Object.keys(COMMANDS).join(", ")}`);
  }
  if (rest.some((arg) => arg === "--help" || arg === "-h")) return { command: "help", topic: command };
  if (rest.includes("--version")) return { command: "version" };
  const { values: v, positionals } = parseFlags(command, rest);
  return build(command, v, positionals);
}

function build(command: string, v: Values, positional: string[]): Command {
  const str = (name: string) => v[name] as string | undefined;
  const bool = (name: string) => v[name] === true;
  const list = (name: string) => (v[name] as string[] | undefined) ?? [];
  const one = (what: string) => {
    if (positional.length !== 1) throw usage(`'${command}' needs exactly one ${what}${positional.length > 1 ? `, got ${positional.length}` : ""}\n${usageBlock(command)}`);
    return positional[0]!;
  };
  const none = () => {
    if (positional.length) throw usage(`'${command}' takes no arguments, got '${positional[0]}'\n${usageBlock(command)}`);
  };
  const tools = str("tools") === undefined ? {} : { tools: str("tools")! };
  const report = str("report") === undefined ? {} : { report: str("report")! };
  switch (command) {
    case "run": {
      if ((str("thread") === undefined) !== (str("db") === undefined)) throw usage("--thread and --db go together");
      if (bool("restart") && str("thread") === undefined) throw usage("--restart needs --thread <id> and --db <file>: it starts a durable thread over");
      const concurrency = str("concurrency") === undefined ? undefined : Number(str("concurrency"));
      if (concurrency !== undefined && (!Number.isInteger(concurrency) || concurrency < 1)) throw usage("--concurrency takes a whole number ≥ 1");
      return {
        command,
        plan: one("plan file (or - for stdin)"),
        ...tools,
        json: bool("json"),
        strict: bool("strict"),
        sequential: bool("sequential"),
        ...(str("thread") !== undefined ? { thread: str("thread")!, db: str("db")! } : {}),
        restart: bool("restart"),
        ...report,
        approveAll: bool("approve-all"),
        failFast: bool("fail-fast"),
        ...(concurrency !== undefined ? { concurrency } : {}),
        identity: parseIdentity(v),
      };
    }
    case "resume": {
      if (positional.length) throw usage("'resume' takes no plan file: the plan is stored with the thread");
      if (str("thread") === undefined || str("db") === undefined) throw usage(`'resume' needs --thread <id> and --db <file>\n${usageBlock("resume")}`);
      const params = parseParams(list("params"));
      const approve = list("approve");
      const reject = list("reject");
      const clash = approve.find((s) => reject.includes(s)) ?? reject.find((s) => s in params);
      if (clash) throw usage(`step '${clash}' cannot be both approved and rejected`);
      return { command, thread: str("thread")!, db: str("db")!, ...tools, json: bool("json"), approve, reject, params, ...report, identity: parseIdentity(v) };
    }
    case "validate":
      return { command, plan: one("plan file (or - for stdin)"), ...tools, json: bool("json"), identity: parseIdentity(v) };
    case "draw":
      return { command, plan: one("plan file (or - for stdin)"), ...tools };
    case "tools":
      none();
      return { command, ...tools, json: bool("json") };
    case "examples":
      none();
      return { command, json: bool("json"), ...(str("only") !== undefined ? { only: str("only")! } : {}) };
    case "audit":
      return buildAuditCommand(v, positional);
    default: {
      if (positional.length > 1) throw usage("'help' takes at most one command name");
      const topic = positional[0];
      if (topic !== undefined && !(topic in COMMANDS)) throw usage(`unknown command '${topic}'${didYouMean(topic, Object.keys(COMMANDS))}`);
      return { command: "help", ...(topic !== undefined ? { topic } : {}) };
    }
  }
}

const ROLE = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** The identity flags, each checked: a bad value is a usage error naming the flag. */
function parseIdentity(v: Values): CliIdentity {
  const identity: CliIdentity = {};
  const tenant = v.tenant as string | undefined;
  if (tenant !== undefined) {
    const parsed = TenantIdSchema.safeParse(tenant);
    if (!parsed.success) throw usage(`--tenant '${tenant}' is not a tenant id: ${parsed.error.issues[0]!.message}`);
    identity.tenant = tenant;
  }
  const user = v.user as string | undefined;
  if (user !== undefined) {
    if (!user.trim() || user.length > 200 || /[\u0000-\u001f\u007f]/.test(user)) throw usage(`--user takes a user name of 1 to 200 printable characters, got '${user}'`);
    identity.user = user;
  }
  const roles = v.roles as string | undefined;
  if (roles !== undefined) {
    const list = roles.split(",").map((r) => r.trim());
    const bad = list.find((r) => !ROLE.test(r));
    if (bad !== undefined) throw usage(`--roles takes role names separated by commas (letters, digits, '_', '.', '-'), got ${bad ? `'${bad}'` : "an empty role"} in '${roles}'`);
    if (list.length > 32) throw usage(`--roles takes at most 32 roles, got ${list.length}`);
    identity.roles = [...new Set(list)];
  }
  return identity;
}

function parseParams(items: string[]): Record<string, Record<string, unknown>> {
  const params: Record<string, Record<string, unknown>> = {};
  for (const item of items) {
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
  return params;
}

/** parseArgs over the command's own options, after checking every `--flag` is one of them. */
function parseFlags(command: string, args: string[]): { values: Values; positionals: string[] } {
  const own: Record<string, OptionSpec> = { ...COMMANDS[command]!.options };
  // `--resume` was consumed above (resume alias); anywhere else it is a plain unknown flag.
  if (command === "run") delete own.resume;
  for (const arg of args) {
    if (arg === "--") break;
    const name = arg.startsWith("--") ? arg.slice(2).split("=")[0]! : arg.length > 1 && arg.startsWith("-") ? arg.slice(1) : undefined;
    if (name === undefined || name in own) continue;
    const elsewhere = Object.keys(COMMANDS).filter((c) => name in COMMANDS[c]!.options);
    const known = Object.keys(own);
    const hint = didYouMean(name, known).replace("'", "'--");
    const where = elsewhere.length && !hint ? ` (it is an option of ${elsewhere.map((c) => `'${c}'`).join(", ")})` : "";
    throw usage(`'${command}' has no option '${arg}'${hint}${where}\n${usageBlock(command)}`);
  }
  const options = Object.fromEntries(Object.entries(own).map(([name, spec]) => [name, { type: spec.type, ...(spec.multiple ? { multiple: true } : {}) }]));
  try {
    return parseArgs({ args, options, allowPositionals: true, strict: true }) as { values: Values; positionals: string[] };
  } catch (error) {
    const flag = /'(--[a-z-]+)/.exec((error as Error).message)?.[1];
    const spec = flag ? own[flag.slice(2)] : undefined;
    if (spec?.type === "string") throw usage(`${flag} needs a value: ${flag} ${spec.value ?? "<value>"}`);
    if (spec?.type === "boolean") throw usage(`${flag} takes no value`);
    throw usage(`${(error as Error).message.split("\n")[0]}\n${usageBlock(command)}`);
  }
}

function usage(message: string): PlangraphError {
  return new PlangraphError("USAGE", message);
}
