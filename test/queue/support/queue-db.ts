import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";

/** The test database (CI sets it); queue tests skip cleanly without it. */
export const url = process.env.PLANGRAPH_TEST_DATABASE_URL;

/** A schema of this test file's own, dropped (with its jobs schema) by `dropSchema`. */
export function testSchema(name: string): string {
  return `q_${name}_${process.pid}_${Date.now().toString(36)}`.slice(0, 50);
}

export async function dropSchema(schema: string): Promise<void> {
  if (!url) return;
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  try {
    await pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    // The jobs schema is shared by every queue in the database: only this queue's jobs go.
    await pool.query(`DELETE FROM plangraph_jobs._private_jobs WHERE task_id IN (SELECT id FROM plangraph_jobs._private_tasks WHERE identifier = $1)`, [`plangraph_run_${schema}`]).catch(() => undefined);
  } finally {
    await pool.end();
  }
}

/** A fresh effect-log path. */
export function logPath(): string {
  return join(mkdtempSync(join(tmpdir(), "plangraph-queue-")), "effects.log");
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every 25 ms until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function until<T>(check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

const WORKER_MAIN = fileURLToPath(new URL("./worker-main.ts", import.meta.url));

/** A worker in a child process; resolves once it prints `ready`. */
export async function spawnWorker(schema: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; id: string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER_MAIN], {
    env: { ...process.env, QUEUE_URL: url!, QUEUE_SCHEMA: schema, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const id = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /ready (\S+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    void exited.then((code) => reject(new Error(`worker exited (${code}) before it was ready: ${stderr}`)));
  });
  return { child, id, exited };
}
