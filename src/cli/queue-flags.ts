import { randomBytes } from "node:crypto";
import { PlangraphError } from "../model/errors.js";
import { CallerContextSchema, localCaller, TenantIdSchema, type CallerContext } from "../model/caller.js";
import type { CliIO } from "./io.js";

/**
 * What the queue's commands (`worker`, `submit`, `runs`) share: their common options, the
 * PostgreSQL they need, and whole-number flags. Kept apart from args.ts so the queue commands can
 * be parsed without the rest of the CLI's table.
 */

/**
 * A command's entry in the CLI's table (options.ts reads these): the same shape as its
 * CommandSpec / OptionSpec, declared here so the queue commands do not import the table that
 * imports them.
 */
export interface QueueOptionSpec {
  type: "string" | "boolean";
  multiple?: boolean;
  value?: string;
  help: string;
}

export interface QueueCommandSpec {
  summary: string;
  positional?: { name: string; help: string };
  options: Record<string, QueueOptionSpec>;
  notes?: string[];
}

/** Parsed flag values, as node:util's parseArgs gives them. */
export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export const TOOLS_OPTION: QueueOptionSpec = {
  type: "string",
  value: "<module>",
  help: "load a JS/TS module whose default export (or `tools`) is an array of LangChain tools; every worker of the pool must load the same module",
};

export const DATABASE_NOTE =
  "PostgreSQL comes from DATABASE_URL (postgres://user:password@host:port/database); the runs, their checkpoints and the queue live there, in schema `plangraph` unless PLANGRAPH_QUEUE_SCHEMA names another (separate schemas are separate queues).";

/** The caller flags, spelled as `run`'s. */
export const CALLER_OPTIONS: Record<string, QueueOptionSpec> = {
  tenant: { type: "string", value: "<id>", help: "the tenant the run runs for (default acme); its concurrency limit holds across all workers" },
  user: { type: "string", value: "<id>", help: "the user the run runs for (default local)" },
  roles: { type: "string", value: "<a,b>", help: "the caller's roles, comma-separated (default: every role, as a trusted local user)" },
};

/** Where the queue's commands find the queue: DATABASE_URL and, optionally, PLANGRAPH_QUEUE_SCHEMA. */
export interface QueueTarget {
  databaseUrl: string;
  schema?: string;
}

/** The queue named by the environment; without DATABASE_URL a usage error (exit 2) naming the command. */
export function queueTarget(command: string, io: Pick<CliIO, "env">): QueueTarget {
  const url = io.env.DATABASE_URL?.trim();
  if (!url) throw new PlangraphError("USAGE", `'${command}' needs DATABASE_URL: the PostgreSQL the workers take runs from (e.g. DATABASE_URL=postgres://user:password@127.0.0.1:5432/plangraph)`);
  const schema = io.env.PLANGRAPH_QUEUE_SCHEMA?.trim();
  return { databaseUrl: url, ...(schema ? { schema } : {}) };
}

/** A flag that takes a whole number in [min, max], or a usage error naming the flag. */
export function wholeNumber(values: FlagValues, flag: string, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined {
  const text = values[flag];
  if (text === undefined) return undefined;
  const value = Number(text);
  if (typeof text !== "string" || !/^\d+$/.test(text.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new PlangraphError("USAGE", `--${flag} takes a whole number from ${min}${max === Number.MAX_SAFE_INTEGER ? " up" : ` to ${max}`}, got '${String(text)}'`);
  }
  return value;
}

/** The caller flags as given (not yet a context: the trace id is made per run). */
export interface CallerFlags {
  tenant?: string;
  user?: string;
  roles?: string[];
}

/** Reads and checks `--tenant`, `--user`, `--roles`; a bad value is a usage error naming the flag. */
export function callerFlags(values: FlagValues): CallerFlags {
  const flags: CallerFlags = {};
  const tenant = values.tenant as string | undefined;
  if (tenant !== undefined) {
    const parsed = TenantIdSchema.safeParse(tenant);
    if (!parsed.success) throw new PlangraphError("USAGE", `--tenant '${tenant}': ${parsed.error.issues[0]?.message ?? "not a tenant id"}`);
    flags.tenant = tenant;
  }
  const user = values.user as string | undefined;
  if (user !== undefined) {
    if (!CallerContextSchema.shape.user.safeParse(user).success) throw new PlangraphError("USAGE", `--user takes 1 to 200 characters, got ${user.length}`);
    flags.user = user;
  }
  const roles = values.roles as string | undefined;
  if (roles !== undefined) {
    const list = roles.split(",").map((r) => r.trim()).filter(Boolean);
    if (!CallerContextSchema.shape.roles.safeParse(list).success) throw new PlangraphError("USAGE", `--roles takes up to 32 comma-separated roles of 1 to 64 characters, got '${roles}'`);
    flags.roles = list;
  }
  return flags;
}

/** The caller context of a CLI submission: the flags over the local defaults, a fresh trace id. */
export function cliCaller(flags: CallerFlags): CallerContext {
  return localCaller(randomBytes(16).toString("hex"), { ...flags, source: "cli" });
}
