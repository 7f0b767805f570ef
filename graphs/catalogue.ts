import { closeDefaultRegistries, openDefaultRegistry } from "../src/registry/default-registry.js";
import type { ToolRegistry } from "../src/tools/registry.js";

let registry: Promise<ToolRegistry> | undefined;

/**
 * The tools of every graph this server exposes: the default registry (built-ins, the ops pack,
 * and the tools of the MCP servers PLANGRAPH_MCP_CONFIG lists), loaded once per server process and
 * closed by the same path the CLI uses when the process exits.
 */
export function serverRegistry(): Promise<ToolRegistry> {
  registry ??= openDefaultRegistry().then(
    (opened) => {
      process.once("exit", () => void closeDefaultRegistries());
      return opened;
    },
    (error: unknown) => {
      registry = undefined; // a broken MCP config is reported on every request until it is fixed
      throw error;
    },
  );
  return registry;
}
