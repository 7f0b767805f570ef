/**
 * The CLI as a real process for the identity crash trials: `cli(args, env)` spawns
 * `bin/plangraph.mjs` (no chat model, no LangSmith, no DATABASE_URL unless given), `jsonLines`
 * reads a call log that survives SIGKILL, and `until` polls for a condition with a deadline.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../../..");
const CLI = join(ROOT, "bin/plangraph.mjs");

export function cli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, LANGSMITH_TRACING: "false", OPENAI_API_KEY: "", DATABASE_URL: "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => child.on("close", (code) => done({ code, stdout, stderr })));
  return { child, exit };
}

/** Each line of a JSON-lines log; none while the file does not exist yet. */
export function jsonLines<T>(file: string): T[] {
  return existsSync(file) ? readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as T) : [];
}

export async function until(check: () => boolean, what: string, ms = 90_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
