import { toolCatalogue, type CatalogueEntry } from "../agents/catalogue.js";
import type { ToolRegistry } from "../tools/registry.js";
import { wrap } from "./help.js";

/**
 * `plangraph tools`: the catalogue the chat agent's planner sees, for a person. `--json` prints
 * the entries as they are; otherwise one block per tool with its schemas as compact JSON.
 */
export function formatToolCatalogue(registry: ToolRegistry, json: boolean): string {
  const entries = toolCatalogue(registry);
  if (json) return JSON.stringify(entries);
  return `${entries.map(formatEntry).join("\n\n")}\n\n${entries.length} tools. \`plangraph tools --json\` prints every schema in full.`;
}

function formatEntry(entry: CatalogueEntry): string {
  const trait = entry.side_effects ? `side effects${entry.idempotent ? " (idempotent: may be retried)" : " (never retried or cached)"}` : "read-only";
  return [
    `${entry.name} — ${trait}`,
    wrap(entry.description.trim() || "(no description)", 2),
    `  input:  ${JSON.stringify(entry.input)}`,
    `  output: ${entry.output === undefined ? "(not declared: references into it are checked at run time only)" : JSON.stringify(entry.output)}`,
  ].join("\n");
}
