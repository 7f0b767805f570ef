/**
 * Issue 12 finding 9: `resume` never loads code named by stored data. The thread's row keeps the
 * tools module's absolute path and sha-256; the caller names the module (`--tools`) and it must be
 * that one. Real processes; a planted module writes a marker file the moment it is imported.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLI, ROOT, parseJsonOutput, readSideEffectLog, type Exit } from "./support/crash.js";
import { errorCode, sqliteDb } from "./support/thread-db.js";

const dir = mkdtempSync(join(tmpdir(), "plangraph-tools-"));
const marker = join(dir, "evil-ran");
const evil = join(dir, "evil.mjs");
const tools = join(dir, "tools.mjs");
const log = join(dir, "log.jsonl");
const backend = sqliteDb(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The CLI run from `cwd` (relative --tools paths resolve there). */
function cli(args: string[], cwd = dir): Promise<Exit> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { ...process.env, PLANGRAPH_RELIABILITY_LOG: log, PLANGRAPH_RELIABILITY_PROC: "cli", OPENAI_API_KEY: "", LANGSMITH_TRACING: "false" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((done) => child.on("close", (code, signal) => done({ code, signal, stdout, stderr })));
}

const plan = join(dir, "plan.json");
let thread = 0;
/** A fresh thread paused at `ship`, started with `--tools ./tools.mjs` from `dir`. */
async function paused(): Promise<string> {
  const id = `t${++thread}`;
  const exit = await cli(["run", plan, "--thread", id, "--db", backend.db, "--tools", "./tools.mjs", "--json"]);
  expect(exit.code, exit.stderr).toBe(3);
  return id;
}
const resume = (id: string, more: string[], cwd = dir) => cli(["resume", "--thread", id, "--db", backend.db, "--approve", "ship", "--json", ...more], cwd);
const refusedWith = (exit: Exit) => ({ code: exit.code, error: errorCode(parseJsonOutput(exit)) });
const ships = () => readSideEffectLog(log).filter((l) => l.step === "ship" && l.phase === "start").length;

beforeAll(() => {
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"), "dir");
  writeFileSync(tools, `export { default } from ${JSON.stringify(join(ROOT, "scripts/reliability/logging-tools.ts"))};\n`);
  writeFileSync(evil, `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(marker)}, "ran");\nexport default [];\n`);
  writeFileSync(
    plan,
    JSON.stringify({
      steps: [
        { id: "a", tool: "work", params: { step: "a", ms: 0, n: 1 } },
        { id: "ship", tool: "work", params: { step: "ship", ms: 0, n: 2 }, depends_on: ["a"], requires_approval: true },
      ],
    }),
  );
});

describe("resume and the tools module", () => {
  it("a row changed to name another module: resume loads nothing from it, with or without --tools", async () => {
    const id = await paused();
    const digest = createHash("sha256").update(readFileSync(evil)).digest("hex");
    // The attacker's row: the path, and the digest too where the table keeps one.
    await backend.exec("UPDATE T.plangraph_threads SET tools = $1 WHERE thread_id = $2", [evil, id]);
    const columns = await backend.exec("PRAGMA table_info(plangraph_threads)");
    if (columns.some((c) => c.name === "tools_sha256")) await backend.exec("UPDATE T.plangraph_threads SET tools_sha256 = $1 WHERE thread_id = $2", [digest, id]);

    const bare = await resume(id, []);
    expect(existsSync(marker), "the planted module was imported").toBe(false);
    expect(refusedWith(bare), bare.stderr).toEqual({ code: 2, error: "TOOLS_MODULE_MISMATCH" });
    expect(bare.stderr).toContain(`pass --tools '${evil}'`);
    const named = await resume(id, ["--tools", "./tools.mjs"]);
    expect(refusedWith(named), named.stderr).toEqual({ code: 2, error: "TOOLS_MODULE_MISMATCH" });
    expect(existsSync(marker), "the planted module was imported").toBe(false);
    expect(ships()).toBe(0);
  }, 90_000);

  it("resume without --tools, when the run had one, is refused saying what to pass", async () => {
    const id = await paused();
    const exit = await resume(id, []);
    expect(refusedWith(exit), exit.stderr).toEqual({ code: 2, error: "TOOLS_MODULE_MISMATCH" });
    expect(exit.stderr).toContain(`pass --tools '${tools}'`);
  }, 90_000);

  it("a module whose bytes changed since the run is refused; the same module from another directory resumes", async () => {
    const id = await paused();
    const original = join(dir, "tools.orig");
    copyFileSync(tools, original);
    writeFileSync(tools, "// edited\n", { flag: "a" });
    const changed = await resume(id, ["--tools", "./tools.mjs"]);
    expect(refusedWith(changed), changed.stderr).toEqual({ code: 2, error: "TOOLS_MODULE_MISMATCH" });
    expect(changed.stderr).toMatch(/has changed since the run started/);
    copyFileSync(original, tools);

    // A relative path is the caller's, resolved where the caller is: from elsewhere it names
    // another file, which is refused; the absolute path resumes.
    const elsewhere = join(dir, "elsewhere");
    mkdirSync(elsewhere);
    copyFileSync(tools, join(elsewhere, "tools.mjs"));
    const other = await resume(id, ["--tools", "./tools.mjs"], elsewhere);
    expect(refusedWith(other), other.stderr).toEqual({ code: 2, error: "TOOLS_MODULE_MISMATCH" });
    const before = ships();
    const done = await resume(id, ["--tools", tools], elsewhere);
    expect(done.code, done.stderr).toBe(0);
    expect(parseJsonOutput(done).status).toBe("completed");
    expect(ships()).toBe(before + 1);
  }, 120_000);
});
