import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { closeOpsDatabase, ensureServerEstate, openOpsDatabase, opsTools } from "../../tools/index.js";
import { assertEstateVersion } from "../../tools/ops/db/open.js";
import { inspectOpsSchema, readEstateMeta } from "../../tools/ops/estate/load.js";
import { POSTGRES_URL, openTestPglite, run } from "./harness.js";
import { processStartTime } from "../../tools/ops/db/process-identity.js";
import { ESTATE_VERSION } from "../../tools/ops/estate/model.js";

const exec = promisify(execFile);
// Private copies of an open estate go to the OS temp directory: this file gets its own, so the
// copies of test files running beside it are not taken for copies this file left behind.
process.env.TMPDIR = mkdtempSync(join(tmpdir(), "plangraph-db-tmp-"));
const scratch = mkdtempSync(join(tmpdir(), "plangraph-db-test-"));
afterAll(async () => {
  await closeOpsDatabase();
  rmSync(scratch, { recursive: true, force: true });
});

describe("the embedded estate database", () => {
  it("is built on first use with progress, atomically, then reused without a rebuild", async () => {
    const dataDir = join(scratch, "estate");
    mkdirSync(dataDir); // an empty directory: no estate in it
    const stale = join(scratch, "estate.building-999999999-dead00");
    mkdirSync(stale);
    writeFileSync(join(stale, "PG_VERSION"), "18"); // what a killed build leaves behind
    // …and a build of a process whose PID is alive again (PID 1 after a restart), another process now.
    const reused = join(scratch, `estate.building-1-${Number(processStartTime(1)) + 777}-dead01`);
    mkdirSync(reused);
    writeFileSync(join(reused, "PG_VERSION"), "18");

    const messages: string[] = [];
    const tools = Object.fromEntries(opsTools({ dataDir, databaseUrl: null, scale: 0.05, seed: 3, onProgress: (m) => messages.push(m) }).map((t) => [t.name, t]));
    expect(messages).toEqual([]); // defining the tools opens nothing
    const out = await run(tools.ci_search!, { query: "db-prod-01" });
    expect(out.data.rows[0].ci_id).toBe("db-prod-01");
    expect(messages.join("\n")).toMatch(/building the sample ops estate/);
    expect(messages.at(-1)).toMatch(/estate ready in [\d.]+ s \(\d+ MB on disk\)/);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(reused)).toBe(false);
    expect(readdirSync(scratch).filter((name) => name.includes(".building-"))).toEqual([]);

    await closeOpsDatabase();
    messages.length = 0;
    const again = await openOpsDatabase({ dataDir, databaseUrl: null, scale: 0.05, seed: 3, onProgress: (m) => messages.push(m) });
    expect(messages).toEqual([]);
    expect(again.meta).toMatchObject({ seed: 3, scale: 0.05, version: ESTATE_VERSION });
    expect(await openOpsDatabase({ dataDir, databaseUrl: null, scale: 0.05, seed: 3 })).toBe(again); // one per process
    await closeOpsDatabase();
  });

  it("never shares a data directory with another process: it waits for a build, and reads a private copy of an open estate", async () => {
    const dataDir = join(scratch, "estate"); // built by the test above
    const lock = `${dataDir}.lock`;
    const messages: string[] = [];
    // pid 1 is alive and is not us: another process building the estate right now…
    writeFileSync(lock, JSON.stringify({ pid: 1, state: "building" }));
    setTimeout(() => writeFileSync(lock, JSON.stringify({ pid: 1, state: "open" })), 600); // …that finishes and keeps it open
    const db = await openOpsDatabase({ dataDir, databaseUrl: null, scale: 0.05, seed: 3, onProgress: (m) => messages.push(m) });
    expect(messages[0]).toMatch(/waiting for process 1, which is building/);
    expect(messages.at(-1)).toMatch(/in use by process 1; reading a private copy/);
    expect(db.location).toBe(dataDir);
    const [row] = await db.client.query<{ n: number }>("SELECT count(*)::int AS n FROM ops.cis");
    expect(row!.n).toBe(db.meta.counts.cis);
    await closeOpsDatabase();
    expect(readdirSync(tmpdir()).filter((name) => name.startsWith("plangraph-estate-"))).toEqual([]);
    rmSync(lock);
    // A lock left by a process that is gone is taken over, and released on close.
    writeFileSync(lock, JSON.stringify({ pid: 999_999_999, state: "open" }));
    await openOpsDatabase({ dataDir, databaseUrl: null, scale: 0.05, seed: 3 });
    expect(JSON.parse(readFileSync(lock, "utf8"))).toMatchObject({ pid: process.pid, state: "open", start_time: expect.stringMatching(/^\d+$/) });
    await closeOpsDatabase();
    expect(existsSync(lock)).toBe(false);
  });

  it("refuses to replace a directory that is not an estate", async () => {
    const dataDir = join(scratch, "not-an-estate");
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, "notes.txt"), "mine");
    await expect(openOpsDatabase({ dataDir, databaseUrl: null, scale: 0.05 })).rejects.toThrow(/not an estate data directory/);
    expect(readdirSync(dataDir)).toEqual(["notes.txt"]);
  });

  it("says how to load an estate when the database has none, and will not replace a foreign ops schema", async () => {
    const { db, close } = await openTestPglite();
    try {
      await db.client.exec("DROP SCHEMA ops CASCADE");
      expect(await inspectOpsSchema(db.client)).toBe("absent");
      await expect(readEstateMeta(db.client, "here")).rejects.toThrow(/scripts\/load-estate\.ts/);
      await db.client.exec("CREATE SCHEMA ops; CREATE TABLE ops.someone_elses (x int)");
      expect(await inspectOpsSchema(db.client)).toBe("foreign");
      await expect(ensureServerEstate(db.client, { scale: 0.05 })).rejects.toThrow(/not a plangraph estate/);
      const meta = await ensureServerEstate(db.client, { scale: 0.05, force: true });
      expect(meta.scale).toBe(0.05);
    } finally {
      await close();
    }
  });
});

describe("server mode", () => {
  it("refuses an estate of another version (version 1 has no tenants) and says how to reload it", async () => {
    const { db, close } = await openTestPglite();
    await close();
    expect(assertEstateVersion(db.meta, "here")).toBe(db.meta);
    expect(() => assertEstateVersion({ ...db.meta, version: 1 }, "PostgreSQL at x")).toThrow(
      /PostgreSQL at x holds an ops estate of version 1, these tools need version 2; reload it with `npx tsx scripts\/load-estate\.ts/,
    );
  });

  it("fails with a clear message when the server cannot be reached", async () => {
    const tools = opsTools({ databaseUrl: "postgres://nobody:secret@127.0.0.1:1/none" });
    await expect(tools[0]!.invoke({ query: "x" })).rejects.toThrow(/cannot connect to PostgreSQL at postgres:\/\/nobody@127\.0\.0\.1:1\/none/);
  });

  it.skipIf(!POSTGRES_URL)("runs the tools against the PostgreSQL of DATABASE_URL-style options", async () => {
    const tools = Object.fromEntries(opsTools({ databaseUrl: POSTGRES_URL! }).map((t) => [t.name, t]));
    const out = await run(tools.ci_graph!, { ci_id: "db-prod-01", direction: "dependents", depth: 1 });
    expect(out.data.total).toBeGreaterThan(0);
    await closeOpsDatabase();
  });

  it.skipIf(!POSTGRES_URL)("loads the estate with the loader command (and keeps it when asked to)", async () => {
    const { stdout, stderr } = await exec(process.execPath, ["--import", "tsx", "scripts/load-estate.ts", "--database-url", POSTGRES_URL!, "--scale", "0.1", "--if-missing"]);
    expect(stdout).toBe("");
    expect(stderr).toMatch(/already holds this estate|done: \d+ CIs/);
  });

  it("the loader command explains its usage", async () => {
    await expect(exec(process.execPath, ["--import", "tsx", "scripts/load-estate.ts", "--seed", "x"], { env: { ...process.env, DATABASE_URL: "" } })).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/usage: npx tsx scripts\/load-estate\.ts --database-url/),
    });
  });
});
