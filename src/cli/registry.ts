import { closeOpsDatabase, opsTools } from "../../tools/index.js";
import { createToolRegistry, type ToolRegistry } from "../tools/registry.js";
import { loadMcpTools, MCP_CONFIG_ENV, type McpTools } from "../mcp/index.js";
import { loadToolsModule } from "./load-tools.js";

const openMcp: McpTools[] = [];

/**
 * The CLI's registry: built-in utility tools, the ops pack (embedded PGlite estate, or PostgreSQL
 * with DATABASE_URL; nothing opens until an ops tool runs), the MCP servers listed in the file
 * named by PLANGRAPH_MCP_CONFIG, then the user's `--tools` module, whose tools replace same-named ones.
 */
export async function cliRegistry(toolsModule?: string, progress?: (message: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<ToolRegistry> {
  const extra = toolsModule ? await loadToolsModule(toolsModule) : [];
  const mcpConfig = env[MCP_CONFIG_ENV]?.trim();
  const mcp = mcpConfig ? await loadMcpTools(mcpConfig) : undefined;
  if (mcp) openMcp.push(mcp);
  return createToolRegistry([...opsTools(progress ? { onProgress: (message: string) => progress(message) } : {}), ...(mcp?.tools ?? []), ...extra]);
}

/** Closes what the tool packs opened (database pools, MCP server connections), so the process can exit. */
export async function closeCliResources(): Promise<void> {
  await closeOpsDatabase().catch(() => undefined);
  await Promise.all(openMcp.splice(0).map((m) => m.close().catch(() => undefined)));
}
