import type { StructuredToolInterface } from "@langchain/core/tools";
import { createToolRegistry, type ToolRegistry } from "../src/tools/registry.js";
import { loadMcpTools, MCP_CONFIG_ENV } from "../src/mcp/index.js";
import { opsTools } from "../tools/index.js";

let registry: Promise<ToolRegistry> | undefined;

/**
 * The tools of every graph this server exposes: the built-ins (`echo`, `sleep`, `fail`), the ops
 * pack (`ci_search`, …; its database opens on first use) and, when `PLANGRAPH_MCP_CONFIG` names a
 * config file, the tools of those MCP servers. Loaded once per server process.
 */
export function serverRegistry(): Promise<ToolRegistry> {
  registry ??= buildRegistry().catch((error: unknown) => {
    registry = undefined; // a broken MCP config is reported on every request until it is fixed
    throw error;
  });
  return registry;
}

async function buildRegistry(): Promise<ToolRegistry> {
  const tools: StructuredToolInterface[] = [...opsTools()];
  const mcpConfig = process.env[MCP_CONFIG_ENV]?.trim();
  if (mcpConfig) {
    const mcp = await loadMcpTools(mcpConfig);
    tools.push(...mcp.tools);
    process.once("exit", () => void mcp.close());
  }
  return createToolRegistry(tools);
}
