import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * One process per PGlite data directory: PGlite takes no lock of its own (its postmaster.pid is a
 * placeholder), and two processes on one directory would both write its WAL and control file.
 * This is a lock file beside the directory (`<dir>.lock`, JSON `{ pid, state }`): `building` while a
 * process checks or builds the estate, `open` while it serves queries. A lock whose process is gone
 * is taken over.
 */

/** `building`: the holder is checking or building the estate; `open`: it serves queries from it. */
export type LockState = "building" | "open";

/** A held lock: change its state, or release it (idempotent). */
export interface DirectoryLock {
  setState(state: LockState): void;
  release(): void;
}

/** Either the lock, or who holds it and in which state. */
export type LockAttempt = { acquired: true; lock: DirectoryLock } | { acquired: false; pid: number; state: LockState };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function readLock(file: string): { pid: number; state: LockState } | null {
  try {
    const parsed = JSON.parse(readFileSync(file, "utf8")) as { pid?: unknown; state?: unknown };
    if (typeof parsed.pid === "number" && (parsed.state === "building" || parsed.state === "open")) return { pid: parsed.pid, state: parsed.state };
  } catch {
    // unreadable or half-written: treated as stale below
  }
  return null;
}

/** Takes `<dataDir>.lock` if no live process holds it; never waits. */
export function tryLockDirectory(dataDir: string): LockAttempt {
  const file = `${dataDir}.lock`;
  // On a fresh clone the parent (`.data/`) does not exist yet: the lock lives beside the estate.
  mkdirSync(dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, JSON.stringify({ pid: process.pid, state: "building" }), { flag: "wx" });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = readLock(file);
      if (holder && holder.pid !== process.pid && alive(holder.pid)) return { acquired: false, ...holder };
      if (holder?.pid === process.pid) return { acquired: false, ...holder };
      rmSync(file, { force: true }); // stale: its process is gone
      continue;
    }
    let held = true;
    return {
      acquired: true,
      lock: {
        setState(state) {
          if (!held) return;
          // Write-then-rename so a reader never sees half a file.
          writeFileSync(`${file}.${process.pid}`, JSON.stringify({ pid: process.pid, state }));
          renameSync(`${file}.${process.pid}`, file);
        },
        release() {
          if (!held) return;
          held = false;
          if (readLock(file)?.pid === process.pid) rmSync(file, { force: true });
        },
      },
    };
  }
  throw new Error(`cannot take the lock ${file}`);
}
