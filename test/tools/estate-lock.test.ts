import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { once } from "node:events";
import { afterAll, describe, expect, it } from "vitest";
import { PlangraphError } from "../../src/model/errors.js";
import { closeOpsDatabase, openOpsDatabase } from "../../tools/index.js";
import { lockFileOf, tryLockDirectory } from "../../tools/ops/db/dir-lock.js";
import { currentBootId, currentProcess, processStartTime } from "../../tools/ops/db/process-identity.js";

/**
 * Issue 12 finding 10: a stale estate lock naming a live PID (PID 1, or this process's own PID after
 * a container restart) made the next start wait forever. These tests use real processes: PID 1 of
 * this machine, this test process, and a child process that holds the lock.
 */

const scratch = mkdtempSync(join(tmpdir(), "plangraph-lock-test-"));
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  await closeOpsDatabase();
  rmSync(scratch, { recursive: true, force: true });
});

let n = 0;
/** A data directory no one has used: the lock beside it is all these tests touch. */
const freshDir = () => join(scratch, `estate-${n++}`);
const writeLock = (dataDir: string, record: Record<string, unknown>) => writeFileSync(lockFileOf(dataDir), JSON.stringify(record));
const lockOf = (dataDir: string) => JSON.parse(readFileSync(lockFileOf(dataDir), "utf8")) as Record<string, unknown>;

describe("the estate lock names its owner unambiguously", () => {
  it("records PID, kernel start time, boot id and host of its owner", () => {
    const dataDir = freshDir();
    const attempt = tryLockDirectory(dataDir);
    expect(attempt.acquired).toBe(true);
    const here = currentProcess();
    expect(here.start_time).toMatch(/^\d+$/);
    expect(here.boot_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lockOf(dataDir)).toMatchObject({ pid: process.pid, start_time: here.start_time, boot_id: here.boot_id, host: hostname(), state: "building" });
    if (attempt.acquired) attempt.lock.release();
  });

  it("takes over a lock naming PID 1 (alive) with another start time, and says why", () => {
    const dataDir = freshDir();
    const pid1Start = processStartTime(1);
    expect(pid1Start).not.toBeNull(); // PID 1 exists and its start time is readable
    writeLock(dataDir, { pid: 1, start_time: String(Number(pid1Start) + 12345), boot_id: currentBootId(), host: hostname(), state: "building" });
    const attempt = tryLockDirectory(dataDir);
    expect(attempt.acquired).toBe(true);
    if (!attempt.acquired) return;
    expect(attempt.tookOver?.reason).toMatch(/process 1 is a different process now/);
    expect(lockOf(dataDir)).toMatchObject({ pid: process.pid, start_time: currentProcess().start_time });
    attempt.lock.release();
  });

  it("takes over a lock naming this very process from another boot (a container restart)", () => {
    const dataDir = freshDir();
    writeLock(dataDir, { ...currentProcess(), boot_id: "00000000-0000-4000-8000-000000000000", state: "open" });
    const attempt = tryLockDirectory(dataDir);
    expect(attempt.acquired).toBe(true);
    if (attempt.acquired) {
      expect(attempt.tookOver?.reason).toMatch(/before this machine last booted/);
      attempt.lock.release();
    }
  });

  it("takes over an old-format lock ({ pid, state }) naming PID 1 or this process when that process started after the lock was written", () => {
    for (const pid of [1, process.pid]) {
      const dataDir = freshDir();
      writeLock(dataDir, { pid, state: "building" });
      const before = new Date(Date.UTC(2001, 0, 1)); // long before PID 1 and this process started
      utimesSync(lockFileOf(dataDir), before, before);
      const attempt = tryLockDirectory(dataDir);
      expect(attempt.acquired, `pid ${pid}`).toBe(true);
      if (attempt.acquired) {
        expect(attempt.tookOver?.reason).toBe(`process ${pid} started after the lock was written`);
        attempt.lock.release();
      }
    }
  });

  it("keeps honouring a lock whose owner is provably alive: the same process of the same boot", () => {
    const dataDir = freshDir();
    writeLock(dataDir, { ...currentProcess(), state: "building" });
    const attempt = tryLockDirectory(dataDir);
    expect(attempt).toMatchObject({ acquired: false, verdict: { status: "live" }, holder: { pid: process.pid, state: "building" } });
  });

  it("does not release a lock that another process has taken since", () => {
    const dataDir = freshDir();
    const attempt = tryLockDirectory(dataDir);
    if (!attempt.acquired) throw new Error("expected the lock");
    writeLock(dataDir, { pid: 1, state: "open", token: "someone-else" }); // broken and re-taken meanwhile
    attempt.lock.release();
    expect(lockOf(dataDir)).toMatchObject({ pid: 1, token: "someone-else" });
  });
});

/** A real process that takes the lock of `dataDir` and keeps it until killed. */
async function lockHolder(dataDir: string): Promise<ChildProcess> {
  const lockModule = resolve(import.meta.dirname, "../../tools/ops/db/dir-lock.ts");
  const script = `
    const { tryLockDirectory } = await import(${JSON.stringify(lockModule)});
    const attempt = tryLockDirectory(${JSON.stringify(dataDir)});
    console.log(attempt.acquired ? "locked" : "refused");
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  expect(line.toString().trim()).toBe("locked");
  return child;
}

describe("waiting for another process's estate build", () => {
  it("is bounded: past the bound a LOCK_TIMEOUT names the lock file to remove and the process that holds it", async () => {
    const dataDir = freshDir();
    const holder = await lockHolder(dataDir);
    const messages: string[] = [];
    const started = Date.now();
    const error = await openOpsDatabase({ dataDir, databaseUrl: null, lockWaitMs: 1500, onProgress: (m) => messages.push(m) }).catch((e: unknown) => e);
    const waited = Date.now() - started;
    expect(error).toBeInstanceOf(PlangraphError);
    expect(error).toMatchObject({ code: "LOCK_TIMEOUT" });
    const message = (error as Error).message;
    expect(message).toContain(`remove ${lockFileOf(dataDir)}`);
    expect(message).toContain(`process ${holder.pid} on host ${hostname()}`);
    expect(message).toMatch(/that process is alive/);
    expect(message).toMatch(/PLANGRAPH_ESTATE_LOCK_WAIT_MS/);
    expect(waited).toBeGreaterThanOrEqual(1500);
    expect(waited).toBeLessThan(5000);
    expect(messages[0]).toMatch(new RegExp(`waiting for process ${holder.pid} on host .*, which is building the estate .* \\(at most 2 s\\)`));
    expect(lockOf(dataDir)).toMatchObject({ pid: holder.pid }); // the live holder's lock is left alone

    // Once the holder is gone (killed: its lock file stays behind), the lock is taken over at once.
    holder.kill("SIGKILL");
    await once(holder, "exit");
    const attempt = tryLockDirectory(dataDir);
    expect(attempt.acquired).toBe(true);
    if (attempt.acquired) {
      expect(attempt.tookOver?.reason).toBe(`process ${holder.pid} no longer exists`);
      attempt.lock.release();
    }
  });

  it("reads the bound from PLANGRAPH_ESTATE_LOCK_WAIT_MS and refuses a malformed one", async () => {
    const dataDir = freshDir();
    writeLock(dataDir, { ...currentProcess(), state: "building" }); // held by this process: never released during the wait
    const previous = process.env.PLANGRAPH_ESTATE_LOCK_WAIT_MS;
    try {
      process.env.PLANGRAPH_ESTATE_LOCK_WAIT_MS = "300";
      await expect(openOpsDatabase({ dataDir, databaseUrl: null })).rejects.toMatchObject({ code: "LOCK_TIMEOUT", message: expect.stringMatching(/^waited 0\.3 s/) });
      process.env.PLANGRAPH_ESTATE_LOCK_WAIT_MS = "soon";
      await expect(openOpsDatabase({ dataDir, databaseUrl: null })).rejects.toMatchObject({ code: "USAGE", message: expect.stringMatching(/PLANGRAPH_ESTATE_LOCK_WAIT_MS must be a number/) });
    } finally {
      if (previous === undefined) delete process.env.PLANGRAPH_ESTATE_LOCK_WAIT_MS;
      else process.env.PLANGRAPH_ESTATE_LOCK_WAIT_MS = previous;
    }
  });
});
