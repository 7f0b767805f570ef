import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { main, type CliIO } from "../../src/cli/main.js";

export interface CliOutcome {
  code: number;
  out: string;
  err: string;
}

/** The CLI in-process, with captured streams and, when given, `stdin` as the piped input. */
export async function runCli(argv: string[], options: { stdin?: string; liveHandles?: string[] } = {}): Promise<CliOutcome> {
  let out = "";
  let err = "";
  const io: CliIO = {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    stderrIsTTY: false,
    stdinIsTTY: options.stdin === undefined,
    env: {},
    ...(options.stdin !== undefined ? { readStdin: async () => options.stdin! } : {}),
    liveHandles: () => options.liveHandles ?? [],
  };
  const code = await main(argv, io);
  return { code, out, err };
}

/** The CLI as a user runs it: `node bin/plangraph.mjs`, a real process, with wall time measured. */
export function spawnCli(argv: string[], options: { input?: string; cwd?: string; timeoutMs?: number } = {}): Promise<CliOutcome & { ms: number }> {
  const started = performance.now();
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve("bin/plangraph.mjs"), ...argv], { cwd: options.cwd ?? process.cwd(), env: { ...process.env, OPENAI_API_KEY: "" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    const killer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 60_000);
    child.on("error", fail);
    child.on("close", (code) => {
      clearTimeout(killer);
      done({ code: code ?? -1, out, err, ms: performance.now() - started });
    });
    child.stdin.end(options.input ?? "");
  });
}
