import { readFileSync } from "node:fs";
import { hostname } from "node:os";

/**
 * Who a process is, beyond its PID. A PID alone is ambiguous: after a container restart PID 1 (or
 * this very process's PID) is alive again but is a different process. The kernel's start time of
 * the process (`/proc/<pid>/stat` field 22, in clock ticks since boot) and the boot id
 * (`/proc/sys/kernel/random/boot_id`) together name one process of one boot; the host name tells
 * whether we can check it at all. Where `/proc` does not exist (macOS), both are null and only the
 * PID can be checked.
 */

/** The identity a lock records for its owner. */
export interface ProcessIdentity {
  pid: number;
  /** `/proc/<pid>/stat` field 22 (clock ticks after boot), or null without /proc. */
  start_time: string | null;
  /** This boot's id, or null without /proc. */
  boot_id: string | null;
  host: string;
}

/** `/proc/<pid>/stat` field 22, or null if the process does not exist or there is no /proc. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Field 2 (the command) is parenthesised and may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = fields[22 - 3];
    return ticks !== undefined && /^\d+$/.test(ticks) ? ticks : null;
  } catch {
    return null;
  }
}

/** The kernel's id of the current boot, or null. */
export function currentBootId(): string | null {
  try {
    return readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim() || null;
  } catch {
    return null;
  }
}

/** This process, as a lock names its owner. */
export function currentProcess(): ProcessIdentity {
  return { pid: process.pid, start_time: processStartTime(process.pid), boot_id: currentBootId(), host: hostname() };
}

/** Whether a process with this PID exists (of any owner). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Kernel clock ticks per second as /proc reports them: USER_HZ, 100 on every Linux ABI Node runs on. */
const USER_HZ = 100;

/** When a live process started, in epoch ms (±1 s: the boot time has whole seconds), or null. */
export function processStartedAt(pid: number): number | null {
  const ticks = processStartTime(pid);
  if (ticks === null) return null;
  try {
    const btime = /^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"));
    return btime ? Number(btime[1]) * 1000 + (Number(ticks) * 1000) / USER_HZ : null;
  } catch {
    return null;
  }
}

/** What is known about the process a lock names. */
export type OwnerVerdict =
  | { status: "live" }
  | { status: "gone"; reason: string }
  /** Alive as far as can be seen, but not provably the writer (another host, no /proc). */
  | { status: "unverifiable"; reason: string };

/**
 * Whether the process a lock names still holds it. `writtenAt` is the lock file's mtime, which
 * settles locks of older versions that recorded only a PID: a process that started after the lock
 * was written cannot have written it.
 */
export function judgeOwner(owner: Partial<ProcessIdentity> & { pid: number }, writtenAt: number, here: ProcessIdentity = currentProcess()): OwnerVerdict {
  if (owner.host !== undefined && owner.host !== here.host) {
    return { status: "unverifiable", reason: `it was taken on host ${owner.host}, not on this host (${here.host})` };
  }
  if (owner.boot_id && here.boot_id && owner.boot_id !== here.boot_id) {
    return { status: "gone", reason: `it was taken before this machine last booted (boot id ${owner.boot_id})` };
  }
  if (!pidAlive(owner.pid)) return { status: "gone", reason: `process ${owner.pid} no longer exists` };
  const started = processStartTime(owner.pid);
  if (owner.start_time && started !== null) {
    return owner.start_time === started
      ? { status: "live" }
      : { status: "gone", reason: `process ${owner.pid} is a different process now (started at tick ${started}, the lock's at ${owner.start_time})` };
  }
  const startedAt = processStartedAt(owner.pid);
  // Slack for the whole-second boot time and coarse file-system timestamps.
  if (startedAt !== null && startedAt > writtenAt + 2000) {
    return { status: "gone", reason: `process ${owner.pid} started after the lock was written` };
  }
  return { status: "unverifiable", reason: `process ${owner.pid} is alive and the lock records no start time to tell whether it is the same process` };
}
