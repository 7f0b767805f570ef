import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import { MemorySaver } from "@langchain/langgraph-checkpoint";
import { afterAll, describe, expect, it } from "vitest";
import type { DurableBackend } from "../../src/durability/backend.js";
import { openMemoryBackend } from "../../src/durability/memory.js";
import { openDurable } from "../../src/durability/open.js";
import { schemaForDb } from "../../src/durability/postgres.js";
import { checkResumeTools, identifyToolsModule } from "../../src/durability/tools-module.js";

const url = process.env.PLANGRAPH_TEST_DATABASE_URL;
const dir = mkdtempSync(join(tmpdir(), "plangraph-backends-"));
const pgDb = `backends_${process.pid}_${Date.now().toString(36)}`;
afterAll(async () => {
  if (url) {
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${schemaForDb(pgDb)}" CASCADE`);
    await pool.end();
  }
  rmSync(dir, { recursive: true, force: true });
});

const tools = { path: "/srv/ops/tools.mjs", sha256: "b".repeat(64) };
const kinds: Array<[string, () => Promise<DurableBackend>, boolean, unknown]> = [
  ["memory", async () => openMemoryBackend(), false, MemorySaver],
  ["sqlite", () => openDurable(join(dir, "runs.sqlite"), {}), true, SqliteSaver],
  ...(url ? [["postgres", () => openDurable(pgDb, { DATABASE_URL: url }), true, PostgresSaver] as [string, () => Promise<DurableBackend>, boolean, unknown]] : []),
];

describe.each(kinds)("durable backend: %s", (_name, open, durable, saver) => {
  it(`has ${String(saver && (saver as { name: string }).name)} and a completion store that says durable: ${durable}`, async () => {
    const backend = await open();
    try {
      expect(backend.checkpointer).toBeInstanceOf(saver as never);
      expect(backend.completions.durable).toBe(durable);
    } finally {
      await backend.close();
    }
  });

  it("registers a thread's run (running), records where it stands, and ignores a report about another run", async () => {
    const backend = await open();
    try {
      await backend.plans.savePlan("t", '{"steps":[]}', tools, "run-1");
      expect(await backend.plans.loadPlan("t")).toEqual({ plan: '{"steps":[]}', tools, runId: "run-1", status: "running" });
      await backend.plans.markRun("t", "run-0", "finished");
      expect((await backend.plans.loadPlan("t"))?.status).toBe("running");
      await backend.plans.markRun("t", "run-1", "interrupted");
      expect((await backend.plans.loadPlan("t"))?.status).toBe("interrupted");
      await backend.plans.savePlan("t", '{"steps":[1]}', undefined, "run-2");
      expect(await backend.plans.loadPlan("t")).toEqual({ plan: '{"steps":[1]}', runId: "run-2", status: "running" });
      expect(await backend.plans.loadPlan("nobody")).toBeUndefined();
    } finally {
      await backend.close();
    }
  });
});

describe("stored rows are data", () => {
  it("a thread row with a malformed digest or status is DATABASE_UNUSABLE naming the thread; a path without digest is unverifiable", async () => {
    const file = join(dir, "tampered.sqlite");
    await (await openDurable(file, {})).close();
    const db = new Database(file);
    db.prepare("INSERT INTO plangraph_threads (thread_id, plan, tools, tools_sha256, updated_at, run_id, status) VALUES (?, ?, ?, ?, 0, ?, ?)").run("bad", "{}", "/x.mjs", "not-a-digest", "r", "running");
    db.prepare("INSERT INTO plangraph_threads (thread_id, plan, tools, tools_sha256, updated_at, run_id, status) VALUES (?, ?, ?, ?, 0, ?, ?)").run("odd", "{}", null, null, "r", "paused?");
    db.prepare("INSERT INTO plangraph_threads (thread_id, plan, tools, updated_at, run_id) VALUES (?, ?, ?, 0, ?)").run("old", "{}", "tools.mjs", "r");
    db.close();
    const backend = await openDurable(file, {});
    try {
      await expect(backend.plans.loadPlan("bad")).rejects.toMatchObject({ code: "DATABASE_UNUSABLE", message: expect.stringContaining("thread 'bad'") });
      await expect(backend.plans.loadPlan("odd")).rejects.toMatchObject({ code: "DATABASE_UNUSABLE" });
      expect(await backend.plans.loadPlan("old")).toEqual({ plan: "{}", runId: "r", tools: "unverifiable" });
    } finally {
      await backend.close();
    }
  });
});

describe("the tools module a resume names", () => {
  const module = join(dir, "tools.mjs");
  writeFileSync(module, "export default [];\n");
  const ref = identifyToolsModule(module);

  it("is identified by absolute path and sha-256 of its bytes", () => {
    expect(ref).toEqual({ path: module, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(identifyToolsModule("tools.mjs", dir)).toEqual(ref);
  });

  it("must be the run's own: same path and bytes, or none when the run had none", () => {
    expect(() => checkResumeTools("t", ref, ref)).not.toThrow();
    expect(() => checkResumeTools("t", undefined, undefined)).not.toThrow();
    const mismatch = (stored: Parameters<typeof checkResumeTools>[1], given: Parameters<typeof checkResumeTools>[2]) => {
      try {
        checkResumeTools("t", stored, given);
        return "accepted";
      } catch (error) {
        return `${(error as { code: string }).code}: ${(error as Error).message}`;
      }
    };
    expect(mismatch(ref, undefined)).toMatch(new RegExp(`^TOOLS_MODULE_MISMATCH: .*pass --tools '${module}'`));
    expect(mismatch(undefined, ref)).toMatch(/without --tools/);
    expect(mismatch(ref, { ...ref, path: "/elsewhere/tools.mjs" })).toMatch(/not '\/elsewhere\/tools.mjs'/);
    expect(mismatch(ref, { ...ref, sha256: "0".repeat(64) })).toMatch(/has changed since the run started/);
    expect(mismatch("unverifiable", ref)).toMatch(/--restart/);
  });
});
