import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SECTION_NAMES } from "../../src/plan/schema.js";

/** A fenced ```json block of a Markdown file, where it is, and its parsed value. */
export interface JsonBlock {
  file: string;
  line: number;
  text: string;
  value: unknown;
  /** The parse error, when the block is not JSON. */
  error?: string;
}

/** The Markdown files users read: README.md and every page under docs/. */
export function docFiles(): string[] {
  return ["README.md", ...readdirSync("docs").filter((f) => f.endsWith(".md")).sort().map((f) => join("docs", f))];
}

/** Every ```json block of a file, in order. */
export function jsonBlocks(file: string): JsonBlock[] {
  const lines = readFileSync(file, "utf8").split("\n");
  const blocks: JsonBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.trim() !== "```json") continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && lines[end]!.trim() !== "```") end++;
    const text = lines.slice(start, end).join("\n");
    try {
      blocks.push({ file, line: start, text, value: JSON.parse(text) });
    } catch (error) {
      blocks.push({ file, line: start, text, value: undefined, error: (error as Error).message });
    }
    i = end;
  }
  return blocks;
}

/** A plan in either form: an object with `steps` or any section. */
export function isPlan(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  return "steps" in value || SECTION_NAMES.some((name) => name in value);
}
