/**
 * PgCompletionStore's writes (src/durability/postgres.ts): completions saved while a write is out
 * go together in one statement, in order with every other write of the store, a later save of the
 * same completion winning; a failed batch fails each of its saves and blocks nothing after it.
 * Real PostgreSQL; skipped cleanly without PLANGRAPH_TEST_DATABASE_URL.
 */
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgCompletionStore } from "../../src/durability/postgres.js";
import type { StepRecord } from "../../src/model/records.js";

const url = process.env.PLANGRAPH_TEST_DATABASE_URL;
const schema = `pgc_${process.pid}_${Date.now().toString(36)}`;
const done = (tag: string): StepRecord => ({ status: "done", output: { data: tag }, attempts: 1 });

/** A pool that counts completion INSERTs and fails the next `failNext` of them. */
function countingPool(url: string) {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const counter = { inserts: 0, failNext: 0 };
  const query = pool.query.bind(pool) as (...args: unknown[]) => Promise<unknown>;
  (pool as unknown as { query: unknown }).query = (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].includes("INSERT INTO") && args[0].includes("plangraph_completions")) {
      counter.inserts++;
      if (counter.failNext > 0) {
        counter.failNext--;
        return Promise.reject(new Error("connection reset (injected)"));
      }
    }
    return query(...args);
  };
  return { pool, counter };
}

describe.skipIf(!url)("PgCompletionStore writes", () => {
  let pool: pg.Pool;
  let counter: { inserts: number; failNext: number };
  let store: PgCompletionStore;
  beforeAll(async () => {
    ({ pool, counter } = countingPool(url!));
    store = new PgCompletionStore(pool, schema);
    await store.setup();
  });
  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool.end();
  });

  it("completions saved together go in one statement, those saved while it is out in the next, and each is on record when its save resolves", async () => {
    counter.inserts = 0;
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.saveStep("burst", `s${i}`, done(`s${i}`))));
    expect(counter.inserts).toBe(1);
    counter.inserts = 0;
    const lead = store.saveStep("burst2", "lead", done("lead"));
    await new Promise((resolve) => setImmediate(resolve)); // the lead's statement is out now
    const rest = Array.from({ length: 49 }, (_, i) => store.saveStep("burst2", `s${i}`, done(`s${i}`)));
    await Promise.all([lead, ...rest]);
    expect(counter.inserts).toBe(2);
    const loaded = await store.load("burst2");
    expect(Object.keys(loaded.steps)).toHaveLength(50);
  });

  it("keeps order with the store's other writes: a completion saved after a discard survives it, one saved before does not", async () => {
    await store.saveStep("ordered", "warm", done("warm"));
    const first = store.saveStep("ordered", "before", done("before"));
    const cleared = store.discard("ordered");
    const second = store.saveStep("ordered", "after", done("after"));
    await Promise.all([first, cleared, second]);
    expect(Object.keys((await store.load("ordered")).steps)).toEqual(["after"]);
  });

  it("a completion saved twice in one batch is written once, with the later record", async () => {
    const hold = store.saveStep("twice", "other", done("other"));
    const a = store.saveStep("twice", "s", done("first"));
    const b = store.saveStep("twice", "s", done("second"));
    await Promise.all([hold, a, b]);
    expect((await store.load("twice")).steps.s).toMatchObject({ output: { data: "second" } });
  });

  it("a failed batch rejects each of its saves, flush reports it once, and the writes after it still land", async () => {
    counter.failNext = 1;
    const lost = [store.saveStep("fails", "a", done("a")), store.saveStep("fails", "b", done("b"))];
    await new Promise((resolve) => setImmediate(resolve)); // that batch is out (and fails, injected)
    const kept = [store.saveStep("fails", "x", done("x")), store.saveStep("fails", "y", done("y"))];
    expect((await Promise.allSettled(lost)).map((r) => r.status)).toEqual(["rejected", "rejected"]);
    expect((await Promise.allSettled(kept)).map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
    await expect(store.flush()).rejects.toThrow(/connection reset/);
    await store.flush();
    expect(Object.keys((await store.load("fails")).steps).sort()).toEqual(["x", "y"]);
  });
});
