/**
 * A queue of its own with one real `plangraph worker` process that loads the chaos trials'
 * side-effect-logging `effect` tool: what the agent-on-the-pool tests run their plans on.
 */
import { resolve } from "node:path";
import { childEnv, spawnWorker, type WorkerProcess } from "../../../bench/queue-workers.js";
import { queueTestDatabase, type QueueTestDatabase } from "../../../bench/queue-database.js";
import { createEffectTable } from "../chaos-tools.js";

export interface EffectPool {
  db: QueueTestDatabase;
  worker: WorkerProcess;
  /** The side-effect log the worker's `effect` calls write to. */
  table: string;
  close(): Promise<void>;
}

/** A fresh queue schema, its effect table, and a ready worker (`--concurrency 2`). */
export async function openEffectPool(url: string, purpose: string): Promise<EffectPool> {
  const db = await queueTestDatabase(url, purpose);
  const table = `${purpose}_effects_${process.pid}`;
  await createEffectTable(db.pool, table);
  const worker = spawnWorker("pool", ["--concurrency", "2", "--tools", resolve(import.meta.dirname, "../chaos-tools.ts")], childEnv(db.env, { PLANGRAPH_CHAOS_TABLE: table }));
  await worker.ready;
  return {
    db,
    worker,
    table,
    close: async () => {
      worker.child.kill("SIGKILL");
      await db.pool.query(`DROP TABLE IF EXISTS ${table}`);
      await db.drop();
    },
  };
}
