/**
 * Idempotency keys across a crash (issue 15, "Side effects that happen once"): a durable run is
 * SIGKILLed while its side-effecting calls are in flight, then resumed by another process. The
 * calls made again carry the keys of their first attempt, so a database that enforces the key
 * (the ops write tools) changes nothing the second time. Real processes, real SQLite.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = resolve(import.meta.dirname, "../..");
const CLI = join(ROOT, "bin/plangraph.mjs");
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

function cli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env: { ...process.env, LANGSMITH_TRACING: "false", OPENAI_API_KEY: "", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => child.on("close", (code) => done({ code, stdout, stderr })));
  return { child, exit };
}

const lines = (log: string): Line[] => (existsSync(log) ? readFileSync(log, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as Line) : []);

async function until(check: () => boolean, what: string, ms = 60_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

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
