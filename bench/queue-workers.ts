/**
 * Real `plangraph worker` processes for the queue's benchmark, trials and CLI tests: spawned as a user would
 * (`node bin/plangraph.mjs worker …`), ready once they say so on stderr, killed by signal.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "..");
export const CLI = resolve(ROOT, "bin/plangraph.mjs");

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface WorkerProcess {
  /** The caller's name for the process (PLANGRAPH_CHAOS_PROC): what the chaos trials' side-effect log records. */
  proc: string;
  child: ChildProcess;
  /** The worker's id, as it announced it on stderr. */
  ready: Promise<string>;
  exit: Promise<Exit>;
  stderr(): string;
  /** Epoch ms of the SIGKILL or SIGTERM sent, once sent. */
  signalledAt?: number;
}

/** Environment of every child: no model, no tracing, the queue's database and schema (`queue`: DATABASE_URL, PLANGRAPH_QUEUE_SCHEMA). */
export function childEnv(queue: Record<string, string>, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, OPENAI_API_KEY: "", LANGSMITH_TRACING: "false", ...queue, ...extra };
}

/** `plangraph worker …args` as process `proc`; `ready` rejects if it exits before saying it is ready. */
export function spawnWorker(proc: string, args: string[], env: NodeJS.ProcessEnv, cpu?: number): WorkerProcess {
  const argv = [CLI, "worker", ...args];
  const child = cpu === undefined ? spawn(process.execPath, argv, { cwd: ROOT, env: { ...env, PLANGRAPH_CHAOS_PROC: proc } }) : spawn("taskset", ["-c", String(cpu), process.execPath, ...argv], { cwd: ROOT, env: { ...env, PLANGRAPH_CHAOS_PROC: proc } });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  const exit = new Promise<Exit>((done) => child.on("close", (code, signal) => done({ code, signal, stdout, stderr })));
  const ready = new Promise<string>((done, fail) => {
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      const id = /^worker (\S+) ready/m.exec(stderr)?.[1];
      if (id) done(id);
    });
    void exit.then((e) => fail(new Error(`worker ${proc} exited (${e.code ?? e.signal}) before it was ready:\n${e.stderr}`)));
  });
  return { proc, child, ready, exit, stderr: () => stderr };
}

/** Sends `signal`, noting when. */
export function signalWorker(worker: WorkerProcess, signal: NodeJS.Signals): void {
  worker.signalledAt = Date.now();
  worker.child.kill(signal);
}

/** `plangraph …args` run to its end, with stdin closed. */
export function runCliProcess(args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<Exit & { ms: number }> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: ROOT, env });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const killer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", fail);
    child.on("close", (code, signal) => {
      clearTimeout(killer);
      done({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
    child.stdin.end();
  });
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls `check` every `everyMs` until it returns a value other than undefined, or fails after `timeoutMs` saying `what`. */
export async function until<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 30_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}
