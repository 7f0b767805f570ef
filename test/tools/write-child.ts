/**
 * One process making one ops write for the crash tests: `write-child.ts <pglite|postgres> <data dir
 * or URL> <run key> <step>`. It prints the tool's result as one JSON line; with
 * PLANGRAPH_TEST_HANG_AFTER_WRITE set it then hangs, holding the database, until it is killed —
 * a process that died after its write committed and before it could record that it had.
 */
import { CALLER_CONFIG_KEY, CALL_CONFIG_KEY, localCaller, toolCallIdentity } from "../../src/model/caller.js";
import { closeOpsDatabase, opsTools } from "../../tools/index.js";

const [mode, target, runKey, step] = process.argv.slice(2) as [string, string, string, string];
const tools = opsTools(mode === "postgres" ? { databaseUrl: target } : { databaseUrl: null, dataDir: target, seed: 1, scale: 0.1 });
const tool = tools.find((t) => t.name === "ci_set_maintenance")!;
const config = {
  configurable: {
    [CALLER_CONFIG_KEY]: localCaller("trace-crash", { tenant: "globex", user: "crash-test", source: "library" }),
    [CALL_CONFIG_KEY]: toolCallIdentity(runKey, step),
  },
};
const out = await tool.invoke({ ci_id: "db-prod-01", from: "2026-12-24T20:00:00Z", to: "2026-12-24T23:00:00Z", reason: "failover drill" }, config);
process.stdout.write(`${JSON.stringify(out)}\n`);
if (process.env.PLANGRAPH_TEST_HANG_AFTER_WRITE) await new Promise(() => undefined);
await closeOpsDatabase();
