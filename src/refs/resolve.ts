import type { Reference, Segment } from "./grammar.js";
import { formatSegments } from "./grammar.js";
import type { Template } from "./template.js";

/** Result of walking a path: the value, or where the walk stopped. */
export type Lookup = { found: true; value: unknown } | { found: false; missingAt: number };

/**
 * Walks `segments` through `root` by own properties only: never the prototype chain, never a
 * getter on a class instance, never code. Negative indices count from the end of an array.
 */
export function walkPath(root: unknown, segments: readonly Segment[]): Lookup {
  let value = root;
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    if (segment.kind === "index") {
      if (!Array.isArray(value)) return { found: false, missingAt: i };
      const index = segment.index < 0 ? value.length + segment.index : segment.index;
      if (index < 0 || index >= value.length) return { found: false, missingAt: i };
      value = value[index];
    } else {
      if (value === null || typeof value !== "object" || Array.isArray(value)) return { found: false, missingAt: i };
      if (!Object.prototype.hasOwnProperty.call(value, segment.name)) return { found: false, missingAt: i };
      const descriptor = Object.getOwnPropertyDescriptor(value, segment.name);
      if (!descriptor || !("value" in descriptor)) return { found: false, missingAt: i };
      value = descriptor.value;
    }
  }
  return { found: true, value };
}

/** A reference that could not be resolved at run time. */
export interface MissingReference {
  ref: Reference;
  /** Human text: which part of the path was missing. */
  message: string;
}

/** Looks up step outputs by id; returns `undefined` for a step with no output. */
export type OutputLookup = (step: string) => { ok: true; value: unknown } | { ok: false };

/**
 * Produces the concrete value of a compiled template. Missing references become `null` (or `""`
 * inside text) and are reported through `onMissing`; the caller decides whether that is a warning
 * or, under `strict`, a failure.
 */
export function renderTemplate(template: Template, outputs: OutputLookup, onMissing: (missing: MissingReference) => void): unknown {
  switch (template.kind) {
    case "literal":
      return template.value;
    case "whole":
      return resolveReference(template.ref, outputs, onMissing);
    case "text":
      return template.parts
        .map((part) => {
          if (typeof part === "string") return part;
          const value = resolveReference(part, outputs, onMissing);
          return stringify(value);
        })
        .join("");
    case "array":
      return template.items.map((item) => renderTemplate(item, outputs, onMissing));
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [key, item] of template.entries) {
        Object.defineProperty(out, key, { value: renderTemplate(item, outputs, onMissing), enumerable: true, writable: true, configurable: true });
      }
      return out;
    }
  }
}

/** Resolves one reference against step outputs; `null` and a report when missing. */
export function resolveReference(ref: Reference, outputs: OutputLookup, onMissing: (missing: MissingReference) => void): unknown {
  const output = outputs(ref.step);
  if (!output.ok) {
    onMissing({ ref, message: `${ref.text}: step '${ref.step}' has no output` });
    return null;
  }
  const lookup = walkPath(output.value, ref.segments);
  if (lookup.found) return lookup.value === undefined ? null : lookup.value;
  const reached = formatSegments(ref.segments.slice(0, lookup.missingAt));
  const missing = formatSegments(ref.segments.slice(lookup.missingAt, lookup.missingAt + 1));
  onMissing({ ref, message: `${ref.text}: '${ref.step}${reached}' has no '${missing.replace(/^\./, "")}'` });
  return null;
}

function stringify(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return JSON.stringify(value);
}
