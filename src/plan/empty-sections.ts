import type { SectionName } from "./schema.js";

/** What `emptySectionReason` reads of a section: its switch and its tool input. */
export interface SectionSpec {
  enabled?: boolean;
  /** The tool's input: `params` with `output_mapping` merged over it. */
  input: Readonly<Record<string, unknown>>;
}

/** Sections whose spec is a search: their keywords are the input's `keywords` or `query`. */
const SEARCH_SECTIONS: ReadonlySet<SectionName> = new Set(["primary", "secondary", "history", "document"]);

/**
 * Why a section is not run, or undefined when it runs. A section's spec is empty, as the original
 * planner marks a section it has nothing for, when:
 * - any section: `enabled` is `false`;
 * - `metric`: its input has no metric name (`metric` missing, null, or blank text);
 * - `primary`, `secondary`, `history`, `document`: its input gives keywords and they are empty
 *   (`keywords` or `query` null, blank text, or a list of nothing but blank text). A search
 *   section without either field is not empty: it searches by its other filters.
 * A reference is never empty: its value is known only at run time. `aggregate` and `graph` are
 * empty only when disabled.
 */
export function emptySectionReason(name: SectionName, spec: SectionSpec): string | undefined {
  const empty = (why: string) => `section '${name}' has an empty spec (${why})`;
  if (spec.enabled === false) return empty("enabled: false");
  const own = (key: string) => Object.prototype.hasOwnProperty.call(spec.input, key);
  if (name === "metric" && (!own("metric") || isBlank(spec.input.metric))) return empty("no metric name");
  if (SEARCH_SECTIONS.has(name)) {
    const given = ["keywords", "query"].filter(own);
    if (given.length && given.every((key) => isBlank(spec.input[key]))) return empty(`no keywords: ${given.map((k) => `'${k}'`).join(" and ")} empty`);
  }
  return undefined;
}

function isBlank(value: unknown): boolean {
  if (value === null || value === undefined) return true;
  if (typeof value === "string") return value.trim() === "";
  if (Array.isArray(value)) return value.every((item) => typeof item === "string" && item.trim() === "");
  return false;
}
