import { createToolRegistry, type ToolRegistry } from "../tools/registry.js";
import { loadToolsModule } from "./load-tools.js";

/** The CLI's registry: built-in utility tools, then the user's `--tools` module. */
export async function cliRegistry(toolsModule?: string, _progress?: (message: string) => void): Promise<ToolRegistry> {
  const extra = toolsModule ? await loadToolsModule(toolsModule) : [];
  return createToolRegistry(extra);
}
