/**
 * The official checkpointer conformance suite against SqliteSaver 1.0.4, configured the way the
 * CLI configures it (`SqliteSaver.fromConnString(file)` on a file, not `:memory:`).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { defineValidationSuite } from "./support/validation.js";

let dir = "";
let n = 0;
await defineValidationSuite<SqliteSaver>({
  checkpointerName: "SqliteSaver",
  beforeAll: () => {
    dir = mkdtempSync(join(tmpdir(), "plangraph-validate-sqlite-"));
  },
  afterAll: () => rmSync(dir, { recursive: true, force: true }),
  createCheckpointer: () => SqliteSaver.fromConnString(join(dir, `saver-${++n}.sqlite`)),
  destroyCheckpointer: (saver) => {
    saver.db.close();
  },
}, {
  // SqliteSaver 1.0.4 writes every channel value into every checkpoint instead of only the
  // channels in `newVersions` (upstream skips this case for the package name
  // "@langchain/langgraph-checkpoint-sqlite": "TODO: SQLiteSaver doesn't store channel deltas").
  // A cost in space, not in correctness: getTuple still returns the complete state, which is all a
  // plangraph resume reads (see durability.test.ts / kill-resume.test.ts). Run as it.fails so the
  // case still executes and turns red the day SqliteSaver stores deltas.
  knownFailures: ["SqliteSaver#put > should only store channel_values that have changed (based on newVersions)"],
});
