import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import type { LeaseOwner, ThreadLeases } from "../../src/durability/backend.js";
import { holdThread, leaseTtlFromEnv } from "../../src/durability/lease.js";
import { currentOwner } from "../../src/durability/lease-owner.js";
import { MemoryThreadLeases } from "../../src/durability/memory.js";
import { PgCompletionStore } from "../../src/durability/postgres.js";
import { SqliteCompletionStore } from "../../src/durability/sqlite.js";
import { isPlangraphError } from "../../src/model/errors.js";

const url = process.env.PLANGRAPH_TEST_DATABASE_URL;
const dir = mkdtempSync(join(tmpdir(), "plangraph-lease-unit-"));
const schema = `lease_unit_${process.pid}_${Date.now().toString(36)}`;
const cleanups: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  rmSync(dir, { recursive: true, force: true });
});

const kinds: Array<[string, () => Promise<ThreadLeases>]> = [
  ["memory", async () => new MemoryThreadLeases()],
  [
    "sqlite",
    async () => {
      const store = new SqliteCompletionStore(join(dir, `${Math.random()}.sqlite`));
      cleanups.push(async () => store.close());
      return store;
    },
  ],
];
if (url) {
  kinds.push([
    "postgres",
    async () => {
      const store = await PgCompletionStore.open(url, schema);
      cleanups.push(async () => {
        const pool = new pg.Pool({ connectionString: url, max: 1 });
        await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await pool.end();
        await store.close();
      });
      return store.leases;
    },
  ]);
}

/** Another live owner in this process (same pid and start time, its own id): never taken over. */
const other = (): LeaseOwner => ({ ...currentOwner(), id: `other-${Math.random()}` });
const code = async (promise: Promise<unknown>) => promise.then(() => "taken", (error: unknown) => (isPlangraphError(error) ? error.code : String(error)));

describe.each(kinds)("thread leases (%s)", (_name, make) => {
  it("refuses a second owner while the first holds the thread, and lets it in after release", async () => {
    const leases = await make();
    const first = await holdThread(leases, "t", { ttlMs: 5000, owner: other() });
    expect(await code(holdThread(leases, "t", { ttlMs: 5000, owner: other() }))).toBe("THREAD_BUSY");
    await first.release();
    const second = await holdThread(leases, "t", { ttlMs: 5000, owner: other() });
    await second.release();
  });

  it("keeps the thread past its lease time while the heartbeat renews it", async () => {
    const leases = await make();
    const hold = await holdThread(leases, "beat", { ttlMs: 1000, owner: other() });
    await new Promise((r) => setTimeout(r, 2200));
    expect(await code(holdThread(leases, "beat", { ttlMs: 1000, owner: other() }))).toBe("THREAD_BUSY");
    hold.assertHeld();
    expect(hold.signal.aborted).toBe(false);
    await hold.release();
  });

  it("an owner that stops renewing loses the thread after its lease time; it learns so and stops", async () => {
    const leases = await make();
    const stale = other();
    expect(await leases.claim("lapse", stale, 800)).toEqual({ taken: true });
    expect(await code(holdThread(leases, "lapse", { ttlMs: 800, owner: other() }))).toBe("THREAD_BUSY");
    await new Promise((r) => setTimeout(r, 1000));
    const next = await holdThread(leases, "lapse", { ttlMs: 5000, owner: other() });
    expect(await leases.renew("lapse", stale, 800)).toBe(false);
    await next.release();
  });

  it("a holder whose lease was taken meanwhile has its signal aborted and assertHeld throws THREAD_LEASE_LOST", async () => {
    const leases = await make();
    const owner = other();
    const hold = await holdThread(leases, "lost", { ttlMs: 750, owner });
    // As if this process stalled past its lease and another took the thread.
    expect(await leases.takeOver("lost", owner, other(), 60_000)).toBe(true);
    await new Promise((r) => setTimeout(r, 700));
    expect(hold.signal.aborted).toBe(true);
    expect(() => hold.assertHeld()).toThrow(expect.objectContaining({ code: "THREAD_LEASE_LOST" }));
    await hold.release();
  });

  it("of 20 simultaneous claims exactly one is taken", async () => {
    const leases = await make();
    const results = await Promise.all(Array.from({ length: 20 }, () => leases.claim("race", other(), 5000)));
    expect(results.filter((r) => r.taken)).toHaveLength(1);
  });
});

describe("lease time from the environment", () => {
  it("defaults to 30 s and refuses nonsense", () => {
    expect(leaseTtlFromEnv({})).toBe(30_000);
    expect(leaseTtlFromEnv({ PLANGRAPH_THREAD_LEASE_MS: "5000" })).toBe(5000);
    expect(() => leaseTtlFromEnv({ PLANGRAPH_THREAD_LEASE_MS: "soon" })).toThrow(/PLANGRAPH_THREAD_LEASE_MS/);
  });
});
