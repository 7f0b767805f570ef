import { PlangraphError } from "../model/errors.js";
import type { PlanToolQueue } from "./plan-tool-queue.js";

/** The variable that hands the served agent's plans to the worker pool. */
export const AGENT_QUEUE_ENV = "PLANGRAPH_AGENT_QUEUE";

const ON = new Set(["1", "true", "on", "yes"]);
const OFF = new Set(["", "0", "false", "off", "no"]);

/**
 * Where a served agent hands its plans, from the server's environment: nowhere (the plans run in
 * the server process) unless PLANGRAPH_AGENT_QUEUE is on, then the pool at DATABASE_URL, in
 * PLANGRAPH_QUEUE_SCHEMA — the same variables `plangraph worker` and `submit` read, so the server
 * and its workers name one queue the same way. A value that is neither on nor off, or "on" with no
 * DATABASE_URL, is a USAGE error naming the variable: a server must not quietly run every plan
 * itself when it was meant to stay light.
 */
export function agentQueueFromEnv(env: NodeJS.ProcessEnv): PlanToolQueue | undefined {
  const raw = (env[AGENT_QUEUE_ENV] ?? "").trim().toLowerCase();
  if (OFF.has(raw)) return undefined;
  if (!ON.has(raw)) throw new PlangraphError("USAGE", `${AGENT_QUEUE_ENV} must be on (1, true, on, yes) or off (0, false, off, no), got '${raw.slice(0, 40)}'`);
  const databaseUrl = env.DATABASE_URL?.trim();
  if (!databaseUrl) throw new PlangraphError("USAGE", `${AGENT_QUEUE_ENV} is on but DATABASE_URL is not set: it names the PostgreSQL of the worker pool the agent hands its plans to`);
  const schema = env.PLANGRAPH_QUEUE_SCHEMA?.trim();
  return { databaseUrl, ...(schema ? { schema } : {}) };
}
