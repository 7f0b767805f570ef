/**
 * What a killed PostgreSQL run left behind (completion store and PostgresSaver checkpoint in the
 * schema `--db` names), for the kill trials on PostgreSQL (kill-resume.postgres and .modes).
 */
import pg from "pg";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { schemaForDb } from "../../../src/durability/postgres.js";
import { readCheckpoint, summarise, type Persisted } from "./crash.js";

const missing = (error: unknown) => ["42P01", "3F000"].includes((error as { code?: string }).code ?? "");

export function pgPersistedReader(pool: pg.Pool) {
  return async (db: string, thread: string, stepIds: readonly string[]): Promise<Persisted> => {
    const schema = schemaForDb(db);
    const inStore = new Set<string>();
    try {
      const { rows } = await pool.query<{ id: string; body: { status?: string } }>(`SELECT id, body FROM "${schema}".plangraph_completions WHERE kind = 'step'`);
      for (const row of rows) if (row.body?.status === "done") inStore.add(row.id);
    } catch (error) {
      if (!missing(error)) throw error; // killed before the tables existed: nothing stored
    }
    try {
      return summarise(inStore, await readCheckpoint(new PostgresSaver(pool, undefined, { schema }), thread, stepIds));
    } catch (error) {
      if (!missing(error)) throw error;
      return summarise(inStore, { values: new Set(), pending: new Set(), checkpointed: false });
    }
  };
}
