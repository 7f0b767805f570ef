/**
 * Which of LangGraph's `durability` modes keep exactly-once (issue 11): the seeded SIGKILL trials
 * of kill-resume.test.ts (SQLite; PostgreSQL too with PLANGRAPH_TEST_DATABASE_URL) with
 * `PLANGRAPH_DURABILITY=sync` and `=exit` for every process (the default, "async", is what
 * kill-resume{,.postgres}.test.ts run). "exit" writes no checkpoint until the
 * graph stops, so every resume after a kill starts from the completion store alone.
 *
 * Reproduce: npx vitest run test/reliability/kill-resume.modes.test.ts
 * (PLANGRAPH_MODE_KILL_POINTS=<n> for more kill points per mode, default 4; 8 each passed when the modes were chosen).
 */
import { join } from "node:path";
import pg from "pg";
import { afterAll } from "vitest";
import { schemaForDb } from "../../src/durability/postgres.js";
import { readPersisted } from "./support/crash.js";
import { defineKillSuite } from "./support/kill-suite.js";
import { pgPersistedReader } from "./support/pg-persisted.js";

const killPoints = Number(process.env.PLANGRAPH_MODE_KILL_POINTS ?? 4);

for (const [mode, firstSeed] of [["sync", 200], ["exit", 300]] as const) {
  defineKillSuite(
    {
      name: `SQLite, durability "${mode}"`,
      env: { PLANGRAPH_DURABILITY: mode },
      db: (dir) => join(dir, "runs.sqlite"),
      readPersisted,
      cleanup: async () => undefined,
    },
    { killPoints, firstSeed, randomOnly: true, maxTrials: 4 },
  );
}

const url = process.env.PLANGRAPH_TEST_DATABASE_URL;
if (url) {
  const pool = new pg.Pool({ connectionString: url, max: 2 });
  afterAll(() => pool.end());
  const tag = `${process.pid}_${Date.now().toString(36)}`;
  for (const [mode, firstSeed] of [["sync", 400], ["exit", 500]] as const) {
    defineKillSuite(
      {
        name: `PostgreSQL, durability "${mode}"`,
        env: { DATABASE_URL: url, PLANGRAPH_DURABILITY: mode },
        db: (_dir, trial) => `plangraph_mode_${mode}_${tag}_${trial}`,
        readPersisted: pgPersistedReader(pool),
        cleanup: async (db) => void (await pool.query(`DROP SCHEMA IF EXISTS "${schemaForDb(db)}" CASCADE`)),
        asyncStore: true,
      },
      { killPoints, firstSeed, randomOnly: true, maxTrials: 4 },
    );
  }
}
