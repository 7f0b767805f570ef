/**
 * Idempotency keys across a crash (issue 15, "Side effects that happen once"): a durable run is
 * SIGKILLed while its side-effecting calls are in flight, then resumed by another process. The
 * calls made again carry the keys of their first attempt, so a database that enforces the key
 * (the ops write tools) changes nothing the second time. Real processes, real SQLite.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cli, jsonLines, until } from "./support/cli-process.js";
import { afterAll, describe, expect, it } from "vitest";

const TOOLS = "test/identity/support/identity-tools.ts";
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

interface Line {
  proc: string;
  step: string;
  item_index: number | null;
  key: string;
  run_key: string;
  tenant: string;
  user: string;
}


const lines = (log: string): Line[] => jsonLines<Line>(log);


describe("idempotency keys survive kill and resume", () => {
  it("gives a call repeated after SIGKILL the key of its first attempt, for a plain step and for each element", async () => {
    const dir = mkdtempSync(join(tmpdir(), "plangraph-identity-"));
    dirs.push(dir);
    const plan = join(dir, "plan.json");
    writeFileSync(
      plan,
      JSON.stringify({
        steps: [
          { id: "note", tool: "write_note", params: { text: "maintenance" } },
          { id: "hosts", tool: "echo", params: { list: ["a", "b"] } },
          { id: "per_host", tool: "write_note", for_each: "{hosts.data.list}", params: { text: "{item}" } },
        ],
      }),
    );
    const db = join(dir, "runs.sqlite");
    const log = join(dir, "calls.jsonl");
    const caller = ["--tenant", "globex", "--user", "ann", "--roles", "admin"];
    const first = cli(["run", plan, "--thread", "t1", "--db", db, "--tools", TOOLS, "--json", ...caller], { IDENTITY_LOG: log, IDENTITY_PROC: "run", IDENTITY_HANG: "1" });
    await until(() => lines(log).filter((l) => l.proc === "run").length === 3, "the three calls of the first process");
    first.child.kill("SIGKILL");
    await first.exit;

    const second = await cli(["resume", "--thread", "t1", "--db", db, "--tools", TOOLS, "--json", ...caller], { IDENTITY_LOG: log, IDENTITY_PROC: "resume" }).exit;
    expect(second.code, second.stderr).toBe(0);
    const calls = lines(log);
    const before = calls.filter((l) => l.proc === "run");
    const after = calls.filter((l) => l.proc === "resume");
    const byCall = (ls: Line[]) => Object.fromEntries(ls.map((l) => [`${l.step}#${l.item_index ?? "-"}`, l.key]));
    expect(Object.keys(byCall(after)).sort()).toEqual(["note#-", "per_host#0", "per_host#1"]);
    expect(byCall(after)).toEqual(byCall(before));
    expect(new Set(before.map((l) => l.key)).size).toBe(3);
    // Keyed by the thread and the run recorded before its first tool call, not by the process.
    expect(new Set(calls.map((l) => l.run_key)).size).toBe(1);
    expect(calls[0]!.run_key).toMatch(/^t1\//);
    expect(calls.every((l) => l.tenant === "globex" && l.user === "ann")).toBe(true);
    expect(JSON.parse(second.stdout).context).toMatchObject({ tenant: "globex", user: "ann", roles: ["admin"], source: "cli" });
  }, 120_000);
});
