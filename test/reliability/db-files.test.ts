/**
 * Issue 12 finding 6: a `--db` file that is damaged, not SQLite, or in a missing directory is a
 * typed error naming the file (exit 2, JSON on stdout with --json), never "internal error" with a
 * stack; `resume` on a file that does not exist says so and does not create it. Real processes.
 */
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOGGING_TOOLS, parseJsonOutput, spawnCli, type Exit } from "./support/crash.js";
import { errorCode } from "./support/thread-db.js";

const dir = mkdtempSync(join(tmpdir(), "plangraph-dbfile-"));
const planFile = join(dir, "plan.json");
const log = join(dir, "log.jsonl");
const good = join(dir, "good.sqlite");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const cli = (args: string[]) => spawnCli(args, { log, proc: "cli" }).exit;
const run = (db: string) => cli(["run", planFile, "--thread", "t", "--db", db, "--tools", LOGGING_TOOLS, "--json"]);
const resume = (db: string) => cli(["resume", "--thread", "t", "--db", db, "--tools", LOGGING_TOOLS, "--json"]);

/** Exit 2, a JSON error on stdout naming the code and the file, no stack trace. */
function expectTypedRefusal(exit: Exit, code: string, file: string, what: RegExp) {
  expect(exit.code, exit.stderr).toBe(2);
  const json = parseJsonOutput(exit);
  expect(errorCode(json)).toBe(code);
  expect(JSON.stringify(json)).toContain(file);
  expect(exit.stderr).toMatch(what);
  expect(exit.stderr).not.toMatch(/internal error|\n\s+at /);
}

beforeAll(async () => {
  // Enough rows that the file has many pages: a checkpointed run with 40 steps.
  const steps = Array.from({ length: 40 }, (_, i) => ({ id: `s${i}`, tool: "work", params: { step: `s${i}`, ms: 0, n: i } }));
  writeFileSync(planFile, JSON.stringify({ steps }));
  const first = await run(good);
  expect(first.code, first.stderr).toBe(0);
}, 60_000);

describe("--db files that cannot be used", () => {
  it("a truncated file: DATABASE_UNUSABLE naming the file, for run and for resume", async () => {
    const file = join(dir, "truncated.sqlite");
    copyFileSync(good, file);
    truncateSync(file, Math.floor(readFileSync(file).length / 2));
    expectTypedRefusal(await run(file), "DATABASE_UNUSABLE", file, /truncated|damaged|malformed/);
    expectTypedRefusal(await resume(file), "DATABASE_UNUSABLE", file, /truncated|damaged|malformed/);
  }, 60_000);

  it("a garbled file: DATABASE_UNUSABLE saying it is not a SQLite database", async () => {
    const file = join(dir, "garbled.sqlite");
    const bytes = readFileSync(good);
    bytes.fill(0x5a, 0, 100); // the header
    writeFileSync(file, bytes);
    expectTypedRefusal(await run(file), "DATABASE_UNUSABLE", file, /not a SQLite database/);
    const text = join(dir, "notes.txt");
    writeFileSync(text, "these are my notes, not a database\n".repeat(200));
    expectTypedRefusal(await resume(text), "DATABASE_UNUSABLE", text, /not a SQLite database/);
  }, 60_000);

  it("a file in a missing directory: DATABASE_UNUSABLE naming the directory; nothing is created", async () => {
    const file = join(dir, "no", "such", "dir", "runs.sqlite");
    expectTypedRefusal(await run(file), "DATABASE_UNUSABLE", file, /directory '.*no\/such\/dir' does not exist/);
    expect(existsSync(join(dir, "no"))).toBe(false);
  }, 60_000);

  it("resume --db on a file that does not exist: DATABASE_NOT_FOUND, and the file is not created", async () => {
    const file = join(dir, "missing.sqlite");
    expectTypedRefusal(await resume(file), "DATABASE_NOT_FOUND", file, /no such database/);
    expect(existsSync(file)).toBe(false);
  }, 60_000);

  it("without --json the refusal is one line on stderr and nothing on stdout", async () => {
    const file = join(dir, "garbled.sqlite");
    const exit = await cli(["run", planFile, "--thread", "t", "--db", file, "--tools", LOGGING_TOOLS]);
    expect(exit.code).toBe(2);
    expect(exit.stdout).toBe("");
    expect(exit.stderr).toMatch(/DATABASE_UNUSABLE.*garbled\.sqlite.*not a SQLite database/);
    expect(exit.stderr).not.toMatch(/\n\s+at /);
  }, 60_000);
});
