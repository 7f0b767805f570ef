import { PlangraphError } from "../model/errors.js";
import { didYouMean } from "../model/suggest.js";
import { GrammarError, parseSegments, scanStepId, type Reference } from "./grammar.js";

/**
 * A parameter value compiled once: literal, a single reference (keeps the referenced JSON type),
 * a string with references interpolated as text, or a container of such values.
 */
export type Template =
  | { kind: "literal"; value: unknown }
  | { kind: "whole"; ref: Reference }
  | { kind: "text"; parts: ReadonlyArray<string | Reference> }
  | { kind: "array"; items: readonly Template[] }
  | { kind: "object"; entries: ReadonlyArray<readonly [string, Template]> };

export interface TemplateContext {
  /** Ids a reference may name. */
  steps: ReadonlySet<string>;
  /** Ids that exist but cannot be referenced (decisions), for a precise message. */
  unreferenceable?: ReadonlySet<string>;
  /** JSON path of the value, for errors. */
  path: string;
  /** The step whose parameter this is, for errors. */
  owner?: string;
}

/**
 * Finds the references in one string. `{id` followed by `.`, `[` or `}` starts a reference when
 * `id` looks like a step id; a known id with a malformed path, or an unknown id with a path, is an
 * error — a typo must never silently become a literal. `{id}` with an id that is not a step stays
 * literal text, so ordinary braces in prose survive.
 */
export function parseStringTemplate(text: string, context: TemplateContext): Template {
  const parts: Array<string | Reference> = [];
  let literalStart = 0;
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf("{", i);
    if (open < 0) break;
    const idEnd = scanStepId(text, open + 1);
    const id = text.slice(open + 1, idEnd);
    const next = text[idEnd];
    const known = context.steps.has(id) || context.unreferenceable?.has(id) === true;
    // `{` + a known id + anything + `}` is a reference whatever follows the id (docs/PLAN-FORMAT.md): a typo
    // such as `{primary data}` or `{primary:data}` must fail as a malformed path, never pass as text.
    const closed = next !== undefined && text.indexOf("}", idEnd) >= 0;
    const looksLikeReference = /^[A-Za-z_]/.test(id) && (next === "." || next === "[" || next === "}" || (known && closed));
    if (!looksLikeReference || (next === "}" && !known)) {
      i = open + 1;
      continue;
    }
    if (!context.steps.has(id)) {
      const what = context.unreferenceable?.has(id)
        ? `'${id}' is a decision; only step outputs can be referenced`
        : `references unknown step '${id}'${didYouMean(id, context.steps)}`;
      throw new PlangraphError(context.unreferenceable?.has(id) ? "BAD_REFERENCE" : "UNKNOWN_STEP", `${where(context)} ${what}`, {
        path: context.path,
        step: context.owner,
      });
    }
    let parsed: ReturnType<typeof parseSegments>;
    try {
      parsed = parseSegments(text, idEnd, "}");
    } catch (error) {
      if (error instanceof GrammarError) {
        throw new PlangraphError(
          "BAD_REFERENCE",
          `${where(context)} has a malformed reference in ${JSON.stringify(text)}: ${error.message.replace(/position (\d+)/g, (_, p) => `position ${Number(p)}`)}`,
          { path: context.path, step: context.owner },
        );
      }
      throw error;
    }
    if (text[parsed.end] !== "}") {
      throw new PlangraphError("BAD_REFERENCE", `${where(context)} has an unclosed reference in ${JSON.stringify(text)} (missing '}')`, {
        path: context.path,
        step: context.owner,
      });
    }
    if (open > literalStart) parts.push(text.slice(literalStart, open));
    parts.push({ step: id, segments: parsed.segments, text: text.slice(open, parsed.end + 1) });
    i = literalStart = parsed.end + 1;
  }
  if (parts.length === 0) return { kind: "literal", value: text };
  if (literalStart < text.length) parts.push(text.slice(literalStart));
  if (parts.length === 1 && typeof parts[0] !== "string") return { kind: "whole", ref: parts[0]! };
  return { kind: "text", parts };
}

/** Compiles any JSON value: strings are scanned for references, containers recursively. */
export function compileTemplate(value: unknown, context: TemplateContext): Template {
  if (typeof value === "string") return parseStringTemplate(value, context);
  if (Array.isArray(value)) {
    const items = value.map((item, index) => compileTemplate(item, { ...context, path: `${context.path}[${index}]` }));
    return items.every((t) => t.kind === "literal") ? { kind: "literal", value } : { kind: "array", items };
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).map(
      ([key, item]) => [key, compileTemplate(item, { ...context, path: `${context.path}.${key}` })] as const,
    );
    return entries.every(([, t]) => t.kind === "literal") ? { kind: "literal", value } : { kind: "object", entries };
  }
  return { kind: "literal", value };
}

/** Every reference inside a compiled template, in order. */
export function templateReferences(template: Template): Reference[] {
  switch (template.kind) {
    case "literal":
      return [];
    case "whole":
      return [template.ref];
    case "text":
      return template.parts.filter((p): p is Reference => typeof p !== "string");
    case "array":
      return template.items.flatMap(templateReferences);
    case "object":
      return template.entries.flatMap(([, t]) => templateReferences(t));
  }
}

function where(context: TemplateContext): string {
  return context.owner ? `step '${context.owner}' (${context.path})` : context.path;
}
