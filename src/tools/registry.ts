import type { StructuredToolInterface } from "@langchain/core/tools";
import { PlangraphError } from "../model/errors.js";
import { builtinTools } from "./builtin.js";
import { toolTraits, type ToolTraits } from "./traits.js";

/** A tool as plangraph sees it: the LangChain tool and what it declared about itself. */
export interface RegisteredTool {
  name: string;
  tool: StructuredToolInterface;
  traits: ToolTraits;
}

/** Name → tool. Later registrations replace earlier ones, so a user's `--tools` module can override a built-in. */
export class ToolRegistry {
  private readonly byName = new Map<string, RegisteredTool>();

  constructor(tools: Iterable<StructuredToolInterface> = []) {
    for (const tool of tools) this.register(tool);
  }

  /** Register any LangChain structured tool under its own name. */
  register(tool: StructuredToolInterface): this {
    if (typeof tool?.name !== "string" || tool.name.length === 0 || typeof tool.invoke !== "function") {
      throw new PlangraphError("USAGE", "a registered tool must be a LangChain tool with a name and invoke()");
    }
    this.byName.set(tool.name, { name: tool.name, tool, traits: toolTraits(tool) });
    return this;
  }

  get(name: string): RegisteredTool | undefined {
    return this.byName.get(name);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  list(): RegisteredTool[] {
    return [...this.byName.values()];
  }
}

/** A registry with the built-in utility tools (`echo`, `sleep`, `fail`) plus `tools`. */
export function createToolRegistry(tools: Iterable<StructuredToolInterface> = []): ToolRegistry {
  return new ToolRegistry([...builtinTools(), ...tools]);
}
