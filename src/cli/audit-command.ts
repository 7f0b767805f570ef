import type { AuditEntry } from "../model/audit.js";
import { AuditKindSchema } from "../model/audit.js";
import { PlangraphError } from "../model/errors.js";
import { defaultAuditDb, openAuditTrail } from "../durability/audit-open.js";
import type { AuditAnchor, AuditFilter, AuditVerification } from "../durability/audit-trail.js";
import { safeLine } from "./escape.js";
import type { CliIO } from "./io.js";

/**
 * `plangraph audit`: lists, filters and verifies the audit trail. The local user is trusted (an
 * admin), so without `--tenant` every tenant's entries are listed.
 */

/** The parsed command line of `plangraph audit`. */
export interface AuditCommand {
  command: "audit";
  db?: string;
  filter: Omit<AuditFilter, "allTenants">;
  verify: boolean;
  /** With --verify: a row's hash recorded earlier, which the row must still have. */
  anchor?: AuditAnchor;
  json: boolean;
}

const str = (value: string, help: string) => ({ type: "string" as const, value, help });

/** The command's entry in the CLI's table (src/cli/options.ts). */
export const AUDIT_COMMAND_SPEC = {
  summary: "list, filter and verify the audit trail: side-effecting calls, approvals, rejections and refused calls",
  options: {
    db: str("<file>", "the SQLite file whose trail to read (with DATABASE_URL set: the PostgreSQL schema name); default: the trail of runs without --db (PLANGRAPH_AUDIT_DB, else .data/audit.sqlite)"),
    tenant: str("<tenant>", "only this tenant's entries (default: every tenant's: the local user is an admin)"),
    user: str("<user>", "only entries of this user"),
    thread: str("<id>", "only entries of this thread"),
    run: str("<key>", "only entries of this run (its run key: the thread id of a durable run)"),
    step: str("<step>", "only entries of this step"),
    tool: str("<tool>", "only entries of this tool"),
    kind: str("<kind>", `only entries of this kind: ${AuditKindSchema.options.join(", ")}`),
    outcome: str("<outcome>", "only entries with this outcome, or with it before a colon (`failed` matches `failed:TOOL_FAILED`)"),
    since: str("<ISO>", "only entries at or after this instant (ISO-8601 with a zone, e.g. 2026-12-01T09:00:00Z)"),
    until: str("<ISO>", "only entries at or before this instant"),
    limit: str("<n>", "at most n entries (default 1000)"),
    oldest: { type: "boolean" as const, help: "oldest first (default: newest first)" },
    verify: { type: "boolean" as const, help: "check the trail's hash chain instead of listing: exit 0 if intact (printing the head <seq>:<hash> to record elsewhere), 1 naming the first row changed, deleted or inserted" },
    anchor: str("<seq>:<hash>", "with --verify: a head printed by an earlier --verify; the trail must still hold that row with that hash (finds a chain rewritten whole)"),
    json: { type: "boolean" as const, help: "print one JSON array of entries (with --verify: one JSON object { ok, rows, position?, problem? })" },
  },
  notes: ["Exit codes: 0 listed (or verified intact) · 1 --verify found tampering · 2 usage, or no trail where --db says."],
};

const FILTER_FLAGS = ["tenant", "user", "thread", "run", "step", "tool", "kind", "outcome", "since", "until", "limit", "oldest"] as const;

/** Builds the command from parsed flags: every value checked here, with a USAGE error naming the flag. */
export function buildAuditCommand(values: Record<string, string | boolean | string[] | undefined>, positionals: string[]): AuditCommand {
  if (positionals.length) throw usage(`'audit' takes no arguments, got '${positionals[0]}'`);
  const get = (name: string) => values[name] as string | undefined;
  const verify = values.verify === true;
  const filterGiven = FILTER_FLAGS.filter((flag) => values[flag] !== undefined && values[flag] !== false);
  if (verify && filterGiven.length) throw usage(`--verify checks the whole trail: it takes no filter (got --${filterGiven[0]})`);
  const anchor = get("anchor") === undefined ? undefined : parseAnchor(get("anchor")!);
  if (anchor && !verify) throw usage("--anchor goes with --verify");
  const kind = get("kind");
  if (kind !== undefined && !AuditKindSchema.safeParse(kind).success) throw usage(`--kind must be one of ${AuditKindSchema.options.join(", ")}, got '${kind}'`);
  const limit = get("limit") === undefined ? undefined : Number(get("limit"));
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) throw usage("--limit takes a whole number ≥ 1");
  for (const flag of ["since", "until"]) {
    const at = get(flag);
    if (at !== undefined && (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(at) || Number.isNaN(Date.parse(at)))) {
      throw usage(`--${flag} takes an ISO-8601 instant with a zone (e.g. 2026-12-01T09:00:00Z), got '${at}'`);
    }
  }
  const filter: AuditCommand["filter"] = {};
  const set = <K extends keyof AuditCommand["filter"]>(key: K, value: AuditCommand["filter"][K] | undefined) => {
    if (value !== undefined) filter[key] = value;
  };
  set("tenant", get("tenant"));
  set("user", get("user"));
  set("thread", get("thread"));
  set("run_key", get("run"));
  set("step", get("step"));
  set("tool", get("tool"));
  set("kind", kind as AuditEntry["kind"] | undefined);
  set("outcome", get("outcome"));
  set("since", get("since"));
  set("until", get("until"));
  set("limit", limit);
  if (values.oldest === true) filter.order = "oldest";
  return { command: "audit", ...(get("db") !== undefined ? { db: get("db")! } : {}), filter, verify, ...(anchor ? { anchor } : {}), json: values.json === true };
}

function parseAnchor(text: string): AuditAnchor {
  const match = /^([1-9][0-9]{0,14}):([0-9a-f]{64})$/.exec(text.trim());
  if (!match) throw usage(`--anchor takes <seq>:<hash> as --verify prints it (a position and 64 hex digits), got '${text.slice(0, 80)}'`);
  return { seq: Number(match[1]), hash: match[2]! };
}

/** Runs `plangraph audit`; returns the exit code. A missing trail is DATABASE_NOT_FOUND (exit 2 by the caller). */
export async function runAuditCommand(command: AuditCommand, io: CliIO): Promise<number> {
  const trail = await openAuditTrail(command.db ?? defaultAuditDb(io.env), io.env, { mustExist: true });
  try {
    if (command.verify) return printVerification(await trail.verify(command.anchor), trail.where, command.json, io);
    const entries = await trail.list({ ...command.filter, ...(command.filter.tenant === undefined ? { allTenants: true } : {}) });
    io.out(command.json ? `${JSON.stringify(entries)}\n` : `${formatAuditTable(entries)}\n`);
    return 0;
  } finally {
    await trail.close();
  }
}

function printVerification(result: AuditVerification, where: string, json: boolean, io: CliIO): number {
  if (json) io.out(`${JSON.stringify(result)}\n`);
  if (result.ok) {
    const head = result.head ? `, head ${result.head.seq}:${result.head.hash}` : "";
    if (!json) io.out(`audit trail in ${where}: ${result.rows} row${result.rows === 1 ? "" : "s"}, hash chain intact${head}\n`);
    return 0;
  }
  io.err(`${safeLine(`audit trail in ${where} was tampered with at row ${result.position}: ${result.problem}`)}\n`);
  return 1;
}

const COLUMNS: ReadonlyArray<[string, (e: AuditEntry) => string]> = [
  ["AT", (e) => e.at],
  ["KIND", (e) => e.kind],
  ["TENANT", (e) => e.tenant],
  ["USER", (e) => e.user],
  ["THREAD", (e) => e.thread_id ?? "-"],
  ["STEP", (e) => (e.step === null ? "-" : e.item_index === null ? e.step : `${e.step}[${e.item_index}]`)],
  ["TOOL", (e) => e.tool ?? "-"],
  ["OUTCOME", (e) => e.outcome],
  ["DETAIL", (e) => e.detail ?? ""],
];

/** The entries as an aligned table, one line each; every cell escaped and bounded. */
export function formatAuditTable(entries: readonly AuditEntry[]): string {
  if (!entries.length) return "no audit entries match";
  const cells = entries.map((e) => COLUMNS.map(([, cell]) => safeLine(cell(e).replace(/\s+/g, " "), 200)));
  const widths = COLUMNS.map(([title], i) => Math.max(title.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: readonly string[]) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd();
  return [line(COLUMNS.map(([title]) => title)), ...cells.map(line), `${entries.length} entr${entries.length === 1 ? "y" : "ies"}`].join("\n");
}

function usage(message: string): PlangraphError {
  return new PlangraphError("USAGE", message);
}
