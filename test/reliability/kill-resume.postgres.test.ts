/**
 * Durability under SIGKILL, with real processes, in PostgreSQL: the children run with
 * DATABASE_URL set, so `--db NAME` names a schema (PostgresSaver + PgCompletionStore there).
 * Same trials and rule as kill-resume.test.ts (SQLite); 10 kill points by default
 * (PLANGRAPH_PG_KILL_POINTS=20 for 20). PgCompletionStore writes asynchronously:
 * a completion is durable once its INSERT commits, a few ms after the tool returned; a kill inside
 * that window re-runs the call (at least once, as for any call not yet recorded).
 *
 * Needs PLANGRAPH_TEST_DATABASE_URL (see .ci/postgres.sh); skipped with a message otherwise.
 *
 * Reproduce: PLANGRAPH_TEST_DATABASE_URL=postgres://plangraph:plangraph@127.0.0.1:5432/plangraph npx vitest run test/reliability/kill-resume.postgres.test.ts
 */
import pg from "pg";
import { afterAll, describe, it } from "vitest";
import { schemaForDb } from "../../src/durability/postgres.js";
import { pgPersistedReader } from "./support/pg-persisted.js";
import { defineKillSuite } from "./support/kill-suite.js";

const url = process.env.PLANGRAPH_TEST_DATABASE_URL;

if (!url) {
  describe("SIGKILL at random points, then run --resume (PostgreSQL)", () => {
    it.skip("skipped: set PLANGRAPH_TEST_DATABASE_URL (e.g. postgres://plangraph:plangraph@127.0.0.1:5432/plangraph, see .ci/postgres.sh)", () => {});
  });
} else {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  afterAll(async () => {
    await pool.end();
  });
  const tag = `${process.pid}_${Date.now().toString(36)}`;

  const readPersisted = pgPersistedReader(pool);

  defineKillSuite(
    {
      name: "PostgreSQL: DATABASE_URL, --db names a schema",
      env: { DATABASE_URL: url },
      db: (_dir, trial) => `plangraph_kill_${tag}_${trial}`,
      readPersisted,
      cleanup: async (db) => {
        await pool.query(`DROP SCHEMA IF EXISTS "${schemaForDb(db)}" CASCADE`);
      },
      asyncStore: true,
    },
    // 10 kill points by default to keep npm test within its budget (each PostgreSQL process costs
    // more than a SQLite one); PLANGRAPH_PG_KILL_POINTS=20 runs the full 20.
    { firstSeed: 101, killPoints: Number(process.env.PLANGRAPH_PG_KILL_POINTS ?? 10) },
  );
}
