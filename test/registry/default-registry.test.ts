/**
 * One default registry for every entry point: the CLI (`cliRegistry`) and the server's graphs
 * (`serverRegistry`) both assemble built-ins, the ops pack, MCP tools from PLANGRAPH_MCP_CONFIG and
 * an optional tools module through `openDefaultRegistry`, and close through one shutdown path.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliRegistry } from "../../src/cli/registry.js";
import { MCP_CONFIG_ENV } from "../../src/mcp/index.js";
import { PlangraphError } from "../../src/model/errors.js";
import { closeDefaultRegistries, openDefaultRegistry } from "../../src/registry/default-registry.js";
import { OPS_TOOL_NAMES } from "../../tools/index.js";

const SERVER = resolve(import.meta.dirname, "../mcp/fixtures/inventory-server.mjs");
const dir = mkdtempSync(join(tmpdir(), "plangraph-registry-"));
const pidFile = join(dir, "server.pid");
const config = join(dir, "mcp.json");
const toolsModule = join(dir, "tools.mjs");
const env = { [MCP_CONFIG_ENV]: config };

beforeAll(() => {
  symlinkSync(resolve("node_modules"), join(dir, "node_modules"), "dir");
  // The MCP server writes its pid on start, so the test can see it exit when the registry closes.
  writeFileSync(join(dir, "server.mjs"), `import { writeFileSync } from "node:fs";\nwriteFileSync(${JSON.stringify(pidFile)}, String(process.pid));\nawait import(${JSON.stringify(SERVER)});\n`);
  writeFileSync(config, JSON.stringify({ mcpServers: { inventory: { command: process.execPath, args: ["./server.mjs"] } } }));
  writeFileSync(
    toolsModule,
    `import { tool } from "@langchain/core/tools";
import { z } from "zod";
export default [
  tool(async () => "mine", { name: "echo", description: "The user's own echo.", schema: z.object({}) }),
  tool(async ({ n }) => n * 2, { name: "double", description: "Doubles n.", schema: z.object({ n: z.number() }) }),
];
`,
  );
});

afterAll(async () => {
  await closeDefaultRegistries();
  rmSync(dir, { recursive: true, force: true });
});

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("the default tool registry", () => {
  it("has the built-ins, the ops pack, the MCP servers' tools and the tools module's, the module's replacing same-named ones", async () => {
    const registry = await openDefaultRegistry({ env, toolsModule });
    const names = registry.names();
    for (const name of ["echo", "sleep", "fail", ...OPS_TOOL_NAMES, "host_lookup", "host_health", "double"]) expect(names, name).toContain(name);
    expect(await registry.get("echo")!.tool.invoke({})).toBe("mine");
    await closeDefaultRegistries();
  });

  it("is what the CLI uses: the same tools for the same environment", async () => {
    const viaCli = await cliRegistry(toolsModule, undefined, env);
    const direct = await openDefaultRegistry({ env, toolsModule });
    expect(viaCli.names()).toEqual(direct.names());
    await closeDefaultRegistries();
  });

  it("without PLANGRAPH_MCP_CONFIG starts no MCP server", async () => {
    rmSync(pidFile, { force: true });
    const registry = await openDefaultRegistry({ env: {} });
    expect(registry.has("host_lookup")).toBe(false);
    expect(registry.has("ci_search")).toBe(true);
    expect(existsSync(pidFile)).toBe(false);
  });

  it("stops every MCP server it started through the one shutdown path, and a second close is harmless", async () => {
    rmSync(pidFile, { force: true });
    await openDefaultRegistry({ env });
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(alive(pid)).toBe(true);
    await closeDefaultRegistries();
    await expect.poll(() => alive(pid), { timeout: 5000 }).toBe(false);
    await closeDefaultRegistries();
  });

  it("names a tools module that does not exist in a typed USAGE error", async () => {
    const error = await openDefaultRegistry({ env: {}, toolsModule: join(dir, "missing.mjs") }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlangraphError);
    expect((error as PlangraphError).code).toBe("USAGE");
    expect((error as PlangraphError).message).toContain("missing.mjs");
  });
});
