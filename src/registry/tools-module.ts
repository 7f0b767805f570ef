import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { existsSync } from "node:fs";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { describeError, PlangraphError } from "../model/errors.js";

/**
 * Loads a user's tool module (`--tools`): its default export, or its export `tools`, must be an
 * array of LangChain tools. The module is the user's own code, named on the command line — never
 * anything a plan says.
 */
export async function loadToolsModule(path: string): Promise<StructuredToolInterface[]> {
  const file = resolve(process.cwd(), path);
  if (!existsSync(file)) throw new PlangraphError("USAGE", `--tools: no such module '${path}'`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (error) {
    throw new PlangraphError("USAGE", `--tools: could not load '${path}': ${describeError(error)}`);
  }
  const exported = module.default ?? module.tools;
  const list = typeof exported === "function" ? await (exported as () => unknown)() : exported;
  if (!Array.isArray(list)) throw new PlangraphError("USAGE", `--tools: '${path}' must export an array of LangChain tools as default or as 'tools'`);
  list.forEach((tool, index) => {
    const candidate = tool as { name?: unknown; invoke?: unknown };
    if (typeof candidate?.name !== "string" || typeof candidate.invoke !== "function") {
      throw new PlangraphError("USAGE", `--tools: entry ${index} of '${path}' is not a LangChain tool (it needs a name and invoke())`);
    }
  });
  return list as StructuredToolInterface[];
}
