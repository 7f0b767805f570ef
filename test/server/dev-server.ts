/**
 * Starts the real LangGraph dev server (`langgraphjs dev`, what `npm run dev` runs) for a test
 * file: a free port on 127.0.0.1, offline (no tracing, no analytics, no browser), the project's own
 * langgraph.json — copied with absolute graph, auth and http paths into a temporary directory, so the server's
 * data dir (`.langgraph_api/`) is per test run and thrown away afterwards.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const REPO = resolve(import.meta.dirname, "../..");
const CLI = join(REPO, "node_modules/@langchain/langgraph-cli/dist/cli/cli.mjs");

export interface DevServer {
  url: string;
  /** Everything the server printed so far (for failure messages). */
  output(): string;
  stop(): Promise<void>;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => done(port));
    });
  });
}

/** The project's langgraph.json with every graph path made absolute. */
export function projectConfig(): { graphs: Record<string, string> } & Record<string, unknown> {
  const config = JSON.parse(readFileSync(join(REPO, "langgraph.json"), "utf8")) as { graphs: Record<string, string> } & Record<string, unknown>;
  const graphs = Object.fromEntries(
    Object.entries(config.graphs).map(([id, spec]) => {
      const [file, symbol] = spec.split(":");
      return [id, `${resolve(REPO, file!)}:${symbol}`];
    }),
  );
  // auth.path and http.app are module specs like the graphs' ("./graphs/auth.ts:auth").
  const absolute = (spec: unknown) => (typeof spec === "string" ? `${resolve(REPO, spec.split(":")[0]!)}:${spec.split(":")[1] ?? "default"}` : spec);
  const auth = config.auth as { path?: string } | undefined;
  const http = config.http as { app?: string } | undefined;
  return {
    ...config,
    graphs,
    ...(auth?.path ? { auth: { ...auth, path: absolute(auth.path) } } : {}),
    ...(http?.app ? { http: { ...http, app: absolute(http.app) } } : {}),
  };
}

export async function startDevServer(options: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<DevServer> {
  const dir = mkdtempSync(join(tmpdir(), "plangraph-devserver-"));
  writeFileSync(join(dir, "langgraph.json"), JSON.stringify(projectConfig(), null, 2));
  // The server resolves @langchain/langgraph from the project directory (one instance for all graphs).
  symlinkSync(join(REPO, "node_modules"), join(dir, "node_modules"), "dir");
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  let output = "";
  const child = spawn(process.execPath, [CLI, "dev", "--host", "127.0.0.1", "--port", String(port), "--no-browser", "--config", join(dir, "langgraph.json")], {
    cwd: REPO,
    detached: true, // its own process group: the CLI, tsx watch and the server go together
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, LANGSMITH_TRACING: "false", LANGGRAPH_CLI_NO_ANALYTICS: "1", BROWSER: "none", NO_COLOR: "1", ...options.env },
  });
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
  let exited = false;
  const exit = new Promise<void>((done) => child.once("exit", () => ((exited = true), done())));

  const stop = async () => {
    if (!exited && child.pid) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {
        // already gone
      }
      const killed = await Promise.race([exit.then(() => true), new Promise<boolean>((done) => setTimeout(() => done(false), 5_000))]);
      if (!killed) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  for (;;) {
    if (exited) throw new Error(`the dev server exited before it was ready:\n${output.slice(-4000)}`);
    try {
      const response = await fetch(`${url}/ok`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`the dev server was not ready within ${options.timeoutMs ?? 90_000} ms:\n${output.slice(-4000)}`);
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  return { url, output: () => output, stop };
}
