import { closeOpsDatabase, opsTools } from "../../tools/index.js";
import { describeError } from "../model/errors.js";
import { loadMcpTools, MCP_CONFIG_ENV, type McpTools } from "../mcp/index.js";
import { createToolRegistry, type ToolRegistry } from "../tools/registry.js";
import { loadToolsModule } from "./tools-module.js";

/**
 * The one tool registry every entry point starts from (the CLI and the graphs the LangGraph server
 * exposes): the built-in utility tools (`echo`, `sleep`, `fail`), the ops pack (embedded PGlite
 * estate, or PostgreSQL with DATABASE_URL; nothing opens until an ops tool runs or warms up), the
 * tools of the MCP servers listed in the file named by PLANGRAPH_MCP_CONFIG, then the tools of an
 * optional tools module, which replace same-named ones.
 */

export interface DefaultRegistryOptions {
  /** A JS/TS module whose default export (or export `tools`) is an array of LangChain tools. */
  toolsModule?: string;
  /** Progress of the ops estate (its first build takes a while). */
  onProgress?: (message: string) => void;
  /** Where PLANGRAPH_MCP_CONFIG is read from. */
  env?: NodeJS.ProcessEnv;
}

/** What registries opened and must be closed before the process can exit: MCP server connections, by config file. */
const openMcp = new Map<McpTools, string>();

/** Assembles the default registry. A broken MCP config or tools module is a typed error naming it. */
export async function openDefaultRegistry(options: DefaultRegistryOptions = {}): Promise<ToolRegistry> {
  const env = options.env ?? process.env;
  const extra = options.toolsModule ? await loadToolsModule(options.toolsModule) : [];
  const mcpConfig = env[MCP_CONFIG_ENV]?.trim();
  const mcp = mcpConfig ? await loadMcpTools(mcpConfig) : undefined;
  if (mcp && mcpConfig) openMcp.set(mcp, mcpConfig);
  const progress = options.onProgress;
  return createToolRegistry([...opsTools(progress ? { onProgress: (message: string) => progress(message) } : {}), ...(mcp?.tools ?? []), ...extra]);
}

/**
 * The one shutdown path: closes what default registries opened (the ops database pool, every MCP
 * server connection, so stdio servers exit). Safe to call more than once; a failure to close one
 * resource does not keep the others open, and is a process warning (PLANGRAPH_CLOSE_FAILED, on
 * stderr by default): the run's result is out by now, so there is no caller left to throw to.
 */
export async function closeDefaultRegistries(): Promise<void> {
  const closing = [
    { what: "the ops database", close: closeOpsDatabase },
    ...[...openMcp].map(([mcp, config]) => ({ what: `the MCP servers of ${config}`, close: () => mcp.close() })),
  ];
  openMcp.clear();
  const outcomes = await Promise.allSettled(closing.map((c) => c.close()));
  outcomes.forEach((outcome, i) => {
    if (outcome.status === "rejected") process.emitWarning(`could not close ${closing[i]!.what}: ${describeError(outcome.reason)}`, { code: "PLANGRAPH_CLOSE_FAILED" });
  });
}
