/**
 * A side-effect-logging tool module for the queue's chaos trials (`plangraph worker --tools
 * test/queue/chaos-tools.ts`).
 *
 * `effect` stands in for a side-effecting tool: every call inserts one row into the PostgreSQL
 * table named by PLANGRAPH_CHAOS_TABLE (in DATABASE_URL) when it starts, and one when it returns,
 * each committed before the tool goes on, so the log survives a SIGKILL of the worker at any point
 * after the row was written. A row: run tag and step (from the plan's params), phase, the worker's
 * process tag (PLANGRAPH_CHAOS_PROC) and pid, and the time.
 *
 * The output is a pure function of the input (`value = n + sum(inputs)`), so a run taken over by
 * another worker must produce exactly the results of an uninterrupted one.
 */
import pg from "pg";
import { z } from "zod";
import { defineTool } from "../../src/tools/define.js";
import { abortableDelay } from "../../src/tools/builtin.js";

/** One row of the side-effect log, as the trial reads it back. */
export interface EffectRow {
  run: string;
  step: string;
  phase: "start" | "end";
  proc: string;
  pid: number;
  at: Date;
}

let pool: pg.Pool | undefined;

function table(): string | undefined {
  const name = process.env.PLANGRAPH_CHAOS_TABLE;
  if (!name) return undefined;
  // The name is interpolated into SQL: accept only a plain identifier.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(name)) throw new Error(`PLANGRAPH_CHAOS_TABLE '${name}' is not a plain lower-case identifier`);
  return name;
}

/** Creates the side-effect log table (idempotent). */
export async function createEffectTable(client: pg.Pool, name: string): Promise<void> {
  await client.query(`CREATE TABLE IF NOT EXISTS ${name} (id bigserial PRIMARY KEY, run text NOT NULL, step text NOT NULL, phase text NOT NULL, proc text NOT NULL, pid int NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
}

/** Every row of the side-effect log, in commit order. */
export async function readEffects(client: pg.Pool, name: string): Promise<EffectRow[]> {
  const { rows } = await client.query<EffectRow>(`SELECT run, step, phase, proc, pid, at FROM ${name} ORDER BY id`);
  return rows;
}

async function record(run: string, step: string, phase: "start" | "end"): Promise<void> {
  const name = table();
  if (!name) return;
  pool ??= new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 });
  await pool.query(`INSERT INTO ${name} (run, step, phase, proc, pid) VALUES ($1, $2, $3, $4, $5)`, [run, step, phase, process.env.PLANGRAPH_CHAOS_PROC ?? "", process.pid]);
}

export const effectTool = defineTool({
  name: "effect",
  description: "A side-effecting unit of work for chaos trials: logs its call to PostgreSQL, waits `ms`, returns n + sum(inputs).",
  input: z.object({
    run: z.string(),
    step: z.string(),
    ms: z.number().int().min(0).max(60_000),
    n: z.number(),
    inputs: z.array(z.number().nullable()).default([]),
  }),
  output: z.object({ data: z.object({ step: z.string(), value: z.number() }) }),
  sideEffects: true,
  run: async ({ run, step, ms, n, inputs }, config) => {
    await record(run, step, "start");
    await abortableDelay(ms, config.signal);
    const value = n + inputs.reduce<number>((sum, x) => sum + (x ?? 0), 0);
    await record(run, step, "end");
    return { data: { step, value } };
  },
});

export default [effectTool];
