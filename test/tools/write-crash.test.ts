import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { rmSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { openPglite, openPostgres } from "../../tools/index.js";
import { idempotencyKey } from "../../src/model/caller.js";
import { POSTGRES_URL, copyTestEstate, openTestPostgres } from "./harness.js";

/**
 * Side effects happen once across real process crashes: a process killed (SIGKILL) after its write
 * committed, then the same call made again by a new process — as a resumed run makes it — finds the
 * stored write and changes nothing.
 */

const CHILD = new URL("./write-child.ts", import.meta.url).pathname;
const cleanup: Array<() => void> = [];
afterAll(() => cleanup.forEach((f) => f()));

/** Runs the child; with `hang`, kills it (SIGKILL) as soon as it has printed its result. */
function child(args: string[], hang: boolean): Promise<{ out: any; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ["--import", "tsx", CHILD, ...args], {
      env: { ...process.env, ...(hang ? { PLANGRAPH_TEST_HANG_AFTER_WRITE: "1" } : {}) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let out: unknown;
    proc.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split("\n")[0];
      if (out === undefined && stdout.includes("\n")) {
        out = JSON.parse(line!);
        if (hang) proc.kill("SIGKILL");
      }
    });
    proc.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    proc.on("error", reject);
    proc.on("exit", (code, signal) => {
      if (out === undefined) reject(new Error(`child exited (${code ?? signal}) without a result: ${stderr}`));
      else resolve({ out, signal });
    });
  });
}

const backends = [
  {
    name: "pglite",
    skip: false,
    target: async () => {
      const dir = await copyTestEstate();
      cleanup.push(() => rmSync(dir, { recursive: true, force: true }), () => rmSync(`${dir}.lock`, { force: true }));
      return dir;
    },
    count: async (target: string, key: string) => {
      const client = await openPglite(target);
      try {
        return (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM ops.ci_maintenance WHERE tenant = 'globex' AND idempotency_key = $1", [key]))[0]!.n;
      } finally {
        await client.close();
      }
    },
  },
  {
    name: "postgres",
    skip: POSTGRES_URL === undefined,
    target: async () => {
      await (await openTestPostgres()).close(); // the test estate is loaded
      return POSTGRES_URL!;
    },
    count: async (target: string, key: string) => {
      const client = await openPostgres(target, { max: 1 });
      try {
        return (await client.query<{ n: number }>("SELECT count(*)::int AS n FROM ops.ci_maintenance WHERE tenant = 'globex' AND idempotency_key = $1", [key]))[0]!.n;
      } finally {
        await client.close();
      }
    },
  },
];

describe.each(backends)("a write repeated after a crash on $name", (backend) => {
  it.skipIf(backend.skip)("is stored once: the process killed after its write, the next process gets that write back", async () => {
    const target = await backend.target();
    const mode = backend.name;
    const runKey = `crash-${randomUUID()}`;
    const first = await child([mode, target, runKey, "drain"], true);
    expect(first.signal).toBe("SIGKILL");
    expect(first.out.data).toMatchObject({ replayed: false, idempotency_key: idempotencyKey(runKey, "drain") });
    const again = await child([mode, target, runKey, "drain"], false);
    expect(again.out.data).toEqual({ ...first.out.data, replayed: true });
    const other = await child([mode, target, runKey, "another-step"], false);
    expect(other.out.data.replayed).toBe(false);
    expect(await backend.count(target, idempotencyKey(runKey, "drain"))).toBe(1);
  }, 240_000);
});
