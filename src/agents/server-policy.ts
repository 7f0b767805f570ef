import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { z } from "zod";
import { PlangraphError, PlanValidationError } from "../model/errors.js";
import { PlanLimitsSchema, type PlanLimits } from "../plan/limits.js";

/** Env var naming the server's policy file (JSON, {@link ServerPolicySchema}). */
export const SERVER_POLICY_ENV = "PLANGRAPH_SERVER_POLICY";
/** Env var with the server's tool allowlist, comma-separated (narrows the policy file's list). */
export const ALLOWED_TOOLS_ENV = "PLANGRAPH_ALLOWED_TOOLS";

/**
 * What a graph served by the LangGraph server may do, whoever sends the plan: the plan limits
 * (src/plan/limits.ts) with server defaults that are safe for shared worker slots — a run-time
 * budget, approval before any side-effecting tool — plus a cap on each step's timeout.
 * A run's `configurable.limits` may tighten any of it, never loosen it ({@link tightenPolicy}).
 */
export const ServerPolicySchema = PlanLimitsSchema.extend({
  /** Whole-run wall-clock budget (ms); a run still going then is cut off (RUN_BUDGET_EXCEEDED). */
  maxRunMs: z.number().int().nonnegative().default(120_000),
  /** Every step whose tool declares side effects pauses for human approval. */
  approveSideEffects: z.boolean().default(true),
  /** Cap on every step's `timeout_ms`, and the timeout of steps that set none (ms). */
  maxStepMs: z.number().int().positive().max(3_600_000).default(30_000),
}).strict();

export type ServerPolicy = z.output<typeof ServerPolicySchema>;

/** The policy a server uses when no file and no env var says otherwise. */
export const DEFAULT_SERVER_POLICY: ServerPolicy = ServerPolicySchema.parse({});

/** A run's `configurable.limits`: any policy field, none defaulted (only what the caller sets). */
export const PolicyOverrideSchema = z
  .object(Object.fromEntries(Object.entries(ServerPolicySchema.shape).map(([key, field]) => [key, withoutDefault(field).optional()])))
  .strict() as unknown as z.ZodType<Partial<ServerPolicy>>;

function withoutDefault(field: z.ZodType): z.ZodType {
  return field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field;
}

/**
 * The server's policy from its environment: the file named by `PLANGRAPH_SERVER_POLICY` (relative
 * paths from `cwd`), then `PLANGRAPH_ALLOWED_TOOLS`, which narrows the file's allowlist (a tool must
 * be in both). A missing or invalid file is a USAGE error naming the file and the field.
 */
export function loadServerPolicy(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): ServerPolicy {
  const file = env[SERVER_POLICY_ENV]?.trim();
  const policy = file ? readPolicyFile(resolve(cwd, file)) : DEFAULT_SERVER_POLICY;
  const fromEnv = env[ALLOWED_TOOLS_ENV]?.trim();
  if (!fromEnv) return policy;
  const listed = fromEnv.split(",").map((name) => name.trim()).filter(Boolean);
  const allowedTools = policy.allowedTools ? listed.filter((name) => policy.allowedTools!.includes(name)) : listed;
  return { ...policy, allowedTools };
}

function readPolicyFile(path: string): ServerPolicy {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new PlangraphError("USAGE", `${SERVER_POLICY_ENV}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new PlangraphError("USAGE", `${SERVER_POLICY_ENV}: ${path} is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = ServerPolicySchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((issue) => {
    const field = issue.path.map(String).join(".") || "(top level)";
    return new PlangraphError("USAGE", `${SERVER_POLICY_ENV}: ${path}: ${field}: ${issue.message}`, { path: `$.${issue.path.map(String).join(".")}` });
  });
  throw issues.length === 1 ? issues[0]! : new PlanValidationError(issues);
}

/** The limits a run gets: the policy tightened by the caller, and the step timeout cap apart. */
export interface RunPolicy {
  limits: PlanLimits;
  maxStepMs: number;
}

/**
 * The server's policy, tightened by a run's (or assistant's) `configurable.limits`. Every field
 * may only be made stricter: a smaller number, a narrower allowlist, approval turned on. A value
 * that would loosen the policy is refused (LIMIT_EXCEEDED naming `configurable.limits.<field>`,
 * every such field at once) rather than ignored, so a caller never believes a limit it did not get.
 *
 * `catalogue` is every tool the server has: the allowlist when the policy names none.
 */
export function tightenPolicy(policy: ServerPolicy, override: unknown, catalogue: readonly string[]): RunPolicy {
  const { maxStepMs, ...limits } = policy;
  if (override === undefined || override === null) return { limits, maxStepMs };
  const parsed = PolicyOverrideSchema.safeParse(override);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = `configurable.limits${issue.path.length ? `.${issue.path.map(String).join(".")}` : ""}`;
    throw new PlangraphError("USAGE", `${field}: ${issue.message}`, { path: field });
  }
  const asked = parsed.data;
  const problems: PlangraphError[] = [];
  const refuse = (field: string, message: string) =>
    problems.push(new PlangraphError("LIMIT_EXCEEDED", `configurable.limits.${field}: ${message}; a run may tighten the server's policy, never loosen it`, { path: `configurable.limits.${field}` }));
  const tightened: ServerPolicy = { ...policy };
  for (const [key, value] of Object.entries(asked) as Array<[keyof ServerPolicy, unknown]>) {
    if (value === undefined) continue;
    if (key === "allowedTools") {
      const allowed = policy.allowedTools ?? catalogue;
      const outside = (value as string[]).filter((name) => !allowed.includes(name));
      if (outside.length) refuse(key, `${outside.map((n) => `'${n}'`).join(", ")} ${outside.length === 1 ? "is" : "are"} not in the server's allowlist`);
      else tightened.allowedTools = value as string[];
    } else if (key === "approveSideEffects") {
      if (policy.approveSideEffects && value === false) refuse(key, "false would let side-effecting tools run without approval");
      else tightened.approveSideEffects = value as boolean;
    } else {
      const own = policy[key] as number;
      const wanted = value as number;
      // For the run budget 0 means "none": the loosest value there is.
      const looser = key === "maxRunMs" ? own > 0 && (wanted === 0 || wanted > own) : wanted > own;
      if (looser) refuse(key, `${wanted === 0 && key === "maxRunMs" ? "0 (no budget)" : wanted} is above the server's ${own}`);
      else (tightened as Record<string, unknown>)[key] = wanted;
    }
  }
  if (problems.length) throw problems.length === 1 ? problems[0]! : new PlanValidationError(problems);
  const { maxStepMs: stepCap, ...runLimits } = tightened;
  return { limits: runLimits, maxStepMs: stepCap };
}
