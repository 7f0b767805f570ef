import { closeDefaultRegistries, openDefaultRegistry } from "../registry/default-registry.js";
import type { ToolRegistry } from "../tools/registry.js";

/** The CLI's registry: the default registry (see `openDefaultRegistry`) plus the `--tools` module. */
export function cliRegistry(toolsModule?: string, progress?: (message: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<ToolRegistry> {
  return openDefaultRegistry({ env, ...(toolsModule ? { toolsModule } : {}), ...(progress ? { onProgress: progress } : {}) });
}

/** Closes what the tool packs opened (database pools, MCP server connections), so the process can exit. */
export const closeCliResources = closeDefaultRegistries;
