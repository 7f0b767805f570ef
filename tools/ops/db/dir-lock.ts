import { linkSync, mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { randomBytes } from "node:crypto";
import { currentProcess, judgeOwner, type OwnerVerdict, type ProcessIdentity } from "./process-identity.js";

/**
 * One process per PGlite data directory: PGlite takes no lock of its own (its postmaster.pid is a
 * placeholder), and two processes on one directory would both write its WAL and control file.
 * This is a lock file beside the directory (`<dir>.lock`): its owner's identity (PID, kernel start
 * time, boot id, host; see process-identity.ts), a token, and a state — `building` while the owner
 * checks or builds the estate, `open` while it serves queries. A lock whose owner is provably gone
 * (another boot, no such process, or a different process under the same PID) is taken over.
 */

/** `building`: the holder is checking or building the estate; `open`: it serves queries from it. */
export type LockState = "building" | "open";

/** What a lock file records. `token` tells this lock from a later one of the same process. */
export interface LockRecord extends Partial<ProcessIdentity> {
  pid: number;
  state: LockState;
  token?: string;
  taken_at?: string;
}

/** A held lock: change its state, or release it (idempotent). */
export interface DirectoryLock {
  readonly file: string;
  setState(state: LockState): void;
  release(): void;
}

/** Either the lock, or who holds it, in which state, and how sure we are that they are alive. */
export type LockAttempt =
  | { acquired: true; lock: DirectoryLock; tookOver?: { holder: LockRecord; reason: string } }
  | { acquired: false; file: string; holder: LockRecord; verdict: Exclude<OwnerVerdict, { status: "gone" }> };

/** The lock file of a data directory. */
export const lockFileOf = (dataDir: string) => `${dataDir}.lock`;

interface ReadLock {
  record: LockRecord | null;
  /** Inode and mtime of the file read, to break exactly the lock that was judged. */
  ino: number;
  mtimeMs: number;
}

function readLock(file: string): ReadLock | "absent" {
  let stat;
  let text;
  try {
    stat = statSync(file);
    text = readFileSync(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "absent";
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<LockRecord>;
    if (typeof parsed.pid === "number" && Number.isInteger(parsed.pid) && parsed.pid > 0 && (parsed.state === "building" || parsed.state === "open")) {
      return { record: parsed as LockRecord, ino: stat.ino, mtimeMs: stat.mtimeMs };
    }
  } catch {
    // not JSON: no owner can be named, so no owner can be alive
  }
  return { record: null, ino: stat.ino, mtimeMs: stat.mtimeMs };
}

/** Writes `content` to `file` only if it does not exist, whole: readers never see a half-written lock. */
function createWhole(file: string, content: string): boolean {
  const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
  writeFileSync(temp, content);
  try {
    linkSync(temp, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}

/** A breaker holding `<lock>.break` longer than this has died mid-break. */
const BREAKER_STALE_MS = 10_000;

/**
 * Removes the stale lock that was judged (same inode), and nothing newer: another process may have
 * broken it and taken a fresh lock meanwhile. Breakers serialise on `<lock>.break`.
 */
function breakStale(file: string, judged: ReadLock): void {
  const breaker = `${file}.break`;
  if (!createWhole(breaker, JSON.stringify(currentProcess()))) {
    try {
      if (Date.now() - statSync(breaker).mtimeMs > BREAKER_STALE_MS) rmSync(breaker, { force: true });
    } catch {
      // gone already
    }
    return; // another process is breaking it; the caller tries again
  }
  try {
    const now = readLock(file);
    if (now !== "absent" && now.ino === judged.ino && now.mtimeMs === judged.mtimeMs) rmSync(file, { force: true });
  } finally {
    rmSync(breaker, { force: true });
  }
}

function heldLock(file: string, record: LockRecord): DirectoryLock {
  let held = true;
  const ours = () => {
    const now = readLock(file);
    return now !== "absent" && now.record?.token === record.token;
  };
  return {
    file,
    setState(state) {
      if (!held || !ours()) return;
      // Write-then-rename so a reader never sees half a file.
      const temp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}`;
      writeFileSync(temp, JSON.stringify({ ...record, state }));
      renameSync(temp, file);
    },
    release() {
      if (!held) return;
      held = false;
      if (ours()) rmSync(file, { force: true });
    },
  };
}

/** Takes `<dataDir>.lock` unless a live (or unverifiable) process holds it; never waits. */
export function tryLockDirectory(dataDir: string): LockAttempt {
  const file = lockFileOf(dataDir);
  // On a fresh clone the parent (`.data/`) does not exist yet: the lock lives beside the estate.
  mkdirSync(dirname(file), { recursive: true });
  let tookOver: { holder: LockRecord; reason: string } | undefined;
  for (let attempt = 0; attempt < 5; attempt++) {
    const record: LockRecord = { ...currentProcess(), state: "building", token: randomBytes(8).toString("hex"), taken_at: new Date().toISOString() };
    if (createWhole(file, JSON.stringify(record))) return { acquired: true, lock: heldLock(file, record), ...(tookOver ? { tookOver } : {}) };
    const existing = readLock(file);
    if (existing === "absent") continue; // released between our attempt and our read
    if (existing.record === null) {
      breakStale(file, existing);
      continue;
    }
    const verdict = judgeOwner(existing.record, existing.mtimeMs);
    if (verdict.status !== "gone") return { acquired: false, file, holder: existing.record, verdict };
    tookOver = { holder: existing.record, reason: verdict.reason };
    breakStale(file, existing);
  }
  // Only a storm of processes breaking and taking this lock at once ends here; the caller waits and retries.
  const existing = readLock(file);
  const holder = existing !== "absent" && existing.record ? existing.record : { pid: 0, state: "building" as const };
  return { acquired: false, file, holder, verdict: { status: "unverifiable", reason: "the lock changed hands while it was being taken" } };
}

/** "process 123 on host h (kernel start time 456, since …)": who holds a lock, for messages. */
export function describeHolder(holder: LockRecord): string {
  const who = holder.host ? `process ${holder.pid} on host ${holder.host}` : `process ${holder.pid}`;
  const details = [holder.start_time ? `kernel start time ${holder.start_time}` : null, holder.taken_at ? `since ${holder.taken_at}` : null].filter(Boolean);
  return details.length ? `${who} (${details.join(", ")})` : who;
}
