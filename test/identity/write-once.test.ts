/**
 * Side effects exactly once across kill and resume (issue 15, "Side effects that happen once"): a
 * durable run of the real ops write tool is SIGKILLed after an element's write committed and before
 * the run recorded the element as done; `resume` makes that call again, and the database — keyed by
 * the call's idempotency key — keeps one window per CI. Real CLI processes, real SQLite checkpoints,
 * the real embedded estate, counted afterwards with SQL of its own.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, jsonLines, until } from "./support/cli-process.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeOpsDatabase, defaultDataDir, openOpsDatabase, openPglite } from "../../tools/index.js";

const TOOLS = "test/identity/support/write-then-hang.ts";
const dirs: string[] = [];
let estate = "";

beforeAll(async () => {
  // The default estate, built once; each trial writes into a private copy of it.
  await openOpsDatabase();
  await closeOpsDatabase();
  estate = defaultDataDir();
}, 180_000);
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Call {
  proc: string;
  item_index: number;
  key: string;
  replayed: boolean;
}


const calls = (log: string): Call[] => jsonLines<Call>(log);


describe("an ops write repeated after a crash changes nothing", () => {
  it("keeps one maintenance window per CI when the run is killed between a write and its record, then resumed", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plangraph-write-once-"));
    dirs.push(dir);
    const dataDir = join(dir, "estate");
    cpSync(estate, dataDir, { recursive: true });
    const reason = `write-once trial ${dir}`;
    const plan = join(dir, "plan.json");
    writeFileSync(
      plan,
      JSON.stringify({
        steps: [
          { id: "dbs", tool: "ci_search", params: { type: "database", environment: "prod", limit: 4 } },
          {
            id: "maint",
            tool: "maintenance_then_hang",
            for_each: "{dbs.data.rows}",
            max_concurrency: 1,
            params: { ci_id: "{item.ci_id}", from: "2026-12-24T20:00:00Z", to: "2026-12-24T23:00:00Z", reason },
          },
        ],
      }),
    );
    const db = join(dir, "runs.sqlite");
    const log = join(dir, "writes.jsonl");
    const env = { PLANGRAPH_DATA_DIR: dataDir, WRITE_LOG: log, PLANGRAPH_AUDIT_DB: join(dir, "audit.sqlite") };

    const first = cli(["run", plan, "--thread", "t1", "--db", db, "--tools", TOOLS, "--json"], { ...env, WRITE_PROC: "run", WRITE_HANG_AT: "2" });
    await until(() => calls(log).some((c) => c.proc === "run" && c.item_index === 2), "the write of element 2");
    first.child.kill("SIGKILL");
    await first.exit;

    const second = await cli(["resume", "--thread", "t1", "--db", db, "--tools", TOOLS, "--json"], { ...env, WRITE_PROC: "resume" }).exit;
    expect(second.code, second.stderr).toBe(0);
    const result = JSON.parse(second.stdout);
    expect(result.status).toBe("completed");
    const ids: string[] = result.results.dbs.data.rows.map((r: { ci_id: string }) => r.ci_id);
    expect(ids).toHaveLength(4);

    // The calls: elements 0 and 1 ran once (recorded before the kill); element 2 twice, the second
    // time with the same key and replayed by the database; element 3 once, after the resume.
    const log2 = calls(log);
    const byIndex = (i: number) => log2.filter((c) => c.item_index === i);
    expect(byIndex(0).map((c) => c.proc)).toEqual(["run"]);
    expect(byIndex(1).map((c) => c.proc)).toEqual(["run"]);
    expect(byIndex(2).map((c) => [c.proc, c.replayed])).toEqual([["run", false], ["resume", true]]);
    expect(byIndex(2)[0]!.key).toBe(byIndex(2)[1]!.key);
    expect(byIndex(3).map((c) => [c.proc, c.replayed])).toEqual([["resume", false]]);

    // The database, read with SQL of its own: one window per CI, all four, nothing else.
    const client = await openPglite(dataDir);
    try {
      const rows = await client.query<{ ci_id: string; n: number }>(
        "SELECT ci_id, count(*)::int AS n FROM ops.ci_maintenance WHERE tenant = 'acme' AND reason = $1 GROUP BY ci_id ORDER BY ci_id",
        [reason],
      );
      expect(rows).toEqual([...ids].sort().map((ci_id) => ({ ci_id, n: 1 })));
    } finally {
      await client.close();
    }

    // And the audit trail holds each side-effecting call the resumed run made.
    const audit = await cli(["audit", "--db", db, "--json", "--tenant", "acme"], {}).exit;
    expect(audit.code, audit.stderr).toBe(0);
    const entries = JSON.parse(audit.stdout) as Array<{ kind: string; step: string; item_index: number | null; outcome: string }>;
    const resumedCalls = entries.filter((e) => e.kind === "tool_call" && e.step === "maint").map((e) => e.item_index).sort();
    expect(resumedCalls).toEqual(expect.arrayContaining([2, 3]));
  }, 240_000);
});
