import type { z } from "zod";
import { echo } from "../model/echo.js";
import { PlangraphError } from "../model/errors.js";
import { pathMember } from "../model/json-path.js";
import { didYouMean } from "../model/suggest.js";
import { SECTION_NAMES, ToolDependencyEntrySchema, ToolDependencyRecordSchema, type SectionName } from "./schema.js";

/** The two shapes `tool_dependencies` may have, as every shape error names them. */
export const ACCEPTED_SHAPES =
  'a record { "<section>": ["<step>", …] } or a list [{ "tool_id": "<section>", "depends_on": ["<step>", …], "output_mapping": { … } }]';

/** A dependency as written: the step it names and the JSON path where it was written. */
export interface WrittenDependency {
  id: string;
  path: string;
}

/** What `tool_dependencies` says about one section. */
export interface SectionOverride {
  /** Replaces the section's structural dependencies. */
  depends_on: WrittenDependency[];
  /** Mappings to merge into the section's `output_mapping` (list form only), with where each was written. */
  output_mapping: Array<{ key: string; value: unknown; path: string }>;
}

/**
 * Reads `tool_dependencies` in either shape into one override per section it names. Shape errors
 * name the accepted shapes and the JSON path; unknown sections, sections the plan does not have
 * and a section listed twice are errors too. Nothing here is zod's wording.
 */
export function readToolDependencies(value: unknown, present: readonly SectionName[]): { overrides: Map<SectionName, SectionOverride>; issues: PlangraphError[] } {
  const overrides = new Map<SectionName, SectionOverride>();
  const issues: PlangraphError[] = [];
  // null is "none", as a null section is absent.
  if (value === undefined || value === null) return { overrides, issues };
  const root = "$.tool_dependencies";
  if (typeof value !== "object") {
    issues.push(shapeError(`tool_dependencies must be ${ACCEPTED_SHAPES}; it is ${kindOf(value)}`, root));
    return { overrides, issues };
  }
  const entries = Array.isArray(value) ? readList(value, issues) : readRecord(value as Record<string, unknown>, issues);
  const firstPath = new Map<string, string>();
  for (const { section, path, override } of entries) {
    if (!(SECTION_NAMES as readonly string[]).includes(section)) {
      issues.push(unknownStep(`tool_dependencies names '${echo(section)}', which is not a section${didYouMean(section, SECTION_NAMES)}`, path));
    } else if (!present.includes(section as SectionName)) {
      issues.push(unknownStep(`tool_dependencies names section '${echo(section)}', which the plan does not have`, path));
    } else if (firstPath.has(section)) {
      issues.push(shapeError(`tool_dependencies lists section '${section}' twice (${firstPath.get(section)} and ${path}); give each section once`, path));
    } else {
      firstPath.set(section, path);
      overrides.set(section as SectionName, override);
    }
  }
  return { overrides, issues };
}

type Entry = { section: string; path: string; override: SectionOverride };

function readRecord(value: Record<string, unknown>, issues: PlangraphError[]): Entry[] {
  const parsed = ToolDependencyRecordSchema.safeParse(value);
  if (!parsed.success) {
    for (const issue of parsed.error.issues.slice(0, 20)) {
      const [key] = issue.path;
      const path = `$.tool_dependencies${pathMember(String(key))}`;
      issues.push(shapeError(`tool_dependencies${pathMember(String(key))} must be a list of step ids (tool_dependencies is ${ACCEPTED_SHAPES})`, path));
    }
    return [];
  }
  // Own keys only, in the order written: a "__proto__" key is a data key like any other.
  return Object.keys(parsed.data).map((section) => {
    const path = `$.tool_dependencies${pathMember(section)}`;
    const deps = parsed.data[section]!;
    return { section, path, override: { depends_on: deps.map((id, i) => ({ id, path: `${path}[${i}]` })), output_mapping: [] } };
  });
}

function readList(value: unknown[], issues: PlangraphError[]): Entry[] {
  const entries: Entry[] = [];
  value.forEach((item, index) => {
    const path = `$.tool_dependencies[${index}]`;
    if (item === null || typeof item !== "object" || Array.isArray(item)) {
      issues.push(shapeError(`tool_dependencies[${index}] must be an object { "tool_id", "depends_on", "output_mapping" }; it is ${kindOf(item)} (tool_dependencies is ${ACCEPTED_SHAPES})`, path));
      return;
    }
    const parsed = ToolDependencyEntrySchema.safeParse(item);
    if (!parsed.success) {
      issues.push(...parsed.error.issues.slice(0, 20).map((issue) => entryIssue(issue, index)));
      return;
    }
    const { tool_id, depends_on, output_mapping } = parsed.data;
    entries.push({
      section: tool_id,
      path: `${path}.tool_id`,
      override: {
        depends_on: depends_on.map((id, i) => ({ id, path: `${path}.depends_on[${i}]` })),
        output_mapping: Object.keys(output_mapping).map((key) => ({ key, value: output_mapping[key], path: `${path}.output_mapping${pathMember(key)}` })),
      },
    });
  });
  return entries;
}

const ENTRY_FIELDS = { tool_id: "a section name", depends_on: "a list of step ids", output_mapping: "an object of input fields (references)" } as const;

function entryIssue(issue: z.core.$ZodIssue, index: number): PlangraphError {
  const at = `$.tool_dependencies[${index}]`;
  if (issue.code === "unrecognized_keys") {
    const fields = issue.keys.slice(0, 10).map((k) => `'${echo(k)}'${didYouMean(k, Object.keys(ENTRY_FIELDS))}`).join(", ");
    return shapeError(`tool_dependencies[${index}] has unknown field ${fields}; an entry has "tool_id", "depends_on" and "output_mapping"`, at);
  }
  const field = String(issue.path[0] ?? "tool_id") as keyof typeof ENTRY_FIELDS;
  const path = `${at}${issue.path.map((p) => (typeof p === "number" ? `[${p}]` : pathMember(String(p)))).join("")}`;
  const expected = ENTRY_FIELDS[field] ?? "as documented";
  const missing = issue.code === "invalid_type" && issue.path.length === 1 && field === "tool_id" && (issue as { input?: unknown }).input === undefined;
  const message = missing
    ? `tool_dependencies[${index}] needs "tool_id", the section it gives dependencies of`
    : `tool_dependencies[${index}].${field} must be ${expected}`;
  return shapeError(message, path);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  return typeof value === "string" ? "a string" : typeof value === "object" ? "an object" : `a ${typeof value}`;
}

function shapeError(message: string, path: string): PlangraphError {
  return new PlangraphError("PLAN_INVALID", message, { path });
}

function unknownStep(message: string, path: string): PlangraphError {
  return new PlangraphError("UNKNOWN_STEP", message, { path });
}
