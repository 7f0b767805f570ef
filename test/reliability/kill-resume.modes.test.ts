/**
 * Which of LangGraph's `durability` modes keep exactly-once (issue 11): the seeded SIGKILL trials
 * of kill-resume.test.ts (SQLite) with `PLANGRAPH_DURABILITY=sync` and `=exit` for every process
 * (the default, "async", is what kill-resume.test.ts runs). "exit" writes no checkpoint until the
 * graph stops, so every resume after a kill starts from the completion store alone.
 *
 * Reproduce: npx vitest run test/reliability/kill-resume.modes.test.ts
 * (PLANGRAPH_MODE_KILL_POINTS=<n> for more kill points per mode, default 8).
 */
import { join } from "node:path";
import { readPersisted } from "./support/crash.js";
import { defineKillSuite } from "./support/kill-suite.js";

const killPoints = Number(process.env.PLANGRAPH_MODE_KILL_POINTS ?? 8);

for (const [mode, firstSeed] of [["sync", 200], ["exit", 300]] as const) {
  defineKillSuite(
    {
      name: `SQLite, durability "${mode}"`,
      env: { PLANGRAPH_DURABILITY: mode },
      db: (dir) => join(dir, "runs.sqlite"),
      readPersisted,
      cleanup: async () => undefined,
    },
    { killPoints, firstSeed, randomOnly: true, maxTrials: 8 },
  );
}
