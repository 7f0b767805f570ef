import { closeOpsDatabase, opsTools } from "../../tools/index.js";
import { createToolRegistry, type ToolRegistry } from "../tools/registry.js";
import { loadToolsModule } from "./load-tools.js";

/**
 * The CLI's registry: built-in utility tools, the ops pack (embedded PGlite estate, or PostgreSQL
 * with DATABASE_URL; nothing opens until an ops tool runs), then the user's `--tools` module, whose
 * tools replace same-named ones.
 */
export async function cliRegistry(toolsModule?: string, progress?: (message: string) => void): Promise<ToolRegistry> {
  const extra = toolsModule ? await loadToolsModule(toolsModule) : [];
  return createToolRegistry([...opsTools(progress ? { onProgress: (message: string) => progress(message) } : {}), ...extra]);
}

/** Closes what the ops pack opened (database pools), so the process can exit. */
export async function closeCliResources(): Promise<void> {
  await closeOpsDatabase().catch(() => undefined);
}
