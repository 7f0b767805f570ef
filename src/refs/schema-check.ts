import { echo } from "../model/echo.js";
import { didYouMean } from "../model/suggest.js";
import { formatSegments, type Segment } from "./grammar.js";
import { unwrapOutput, zodDef } from "./zod-def.js";

/** Outcome of checking a path against a tool's declared output schema. */
export type SchemaPathCheck = { ok: true } | { ok: false; message: string };


/**
 * Checks that `segments` can exist in values of `schema` (a zod v4 schema; anything else is
 * treated as open and passes). Unions pass when any member allows the path; `unknown`, `any`,
 * records and loose objects accept any member below them.
 */
export function checkPathAgainstSchema(schema: unknown, segments: readonly Segment[]): SchemaPathCheck {
  const failure = walk(schema, segments, 0);
  return failure === undefined ? { ok: true } : { ok: false, message: failure };
}

/** Returns undefined when the path fits, else a sentence naming the first bad segment. */
function walk(schema: unknown, segments: readonly Segment[], at: number): string | undefined {
  if (at >= segments.length) return undefined;
  const def = zodDef(unwrapOutput(schema));
  if (!def) return undefined; // not a zod v4 schema (or an unresolvable lazy): nothing to check against
  const segment = segments[at]!;
  const here = formatSegments(segments.slice(0, at)) || "the output";
  switch (def.type) {
    case "any":
    case "unknown":
    case "transform":
    case "custom":
      return undefined;
    case "union": {
      const failures = (def.options ?? []).map((option) => walk(option, segments, at));
      return failures.some((f) => f === undefined) ? undefined : failures[0];
    }
    case "object": {
      if (segment.kind !== "member") return `${here} is an object; [${segment.index}] needs an array`;
      const shape = def.shape ?? {};
      if (Object.prototype.hasOwnProperty.call(shape, segment.name)) return walk(shape[segment.name], segments, at + 1);
      const catchall = zodDef(def.catchall);
      if (catchall && catchall.type !== "never") return walk(def.catchall, segments, at + 1);
      return `${here} has no field '${echo(segment.name)}'${didYouMean(segment.name, Object.keys(shape))}; it has ${listFields(Object.keys(shape))}`;
    }
    case "record":
      if (segment.kind !== "member") return `${here} is an object; [${segment.index}] needs an array`;
      return walk(def.valueType, segments, at + 1);
    case "array":
      if (segment.kind !== "index") return `${here} is an array; '.${segment.name}' needs an object (use [0] for an element)`;
      return walk(def.element, segments, at + 1);
    case "tuple": {
      if (segment.kind !== "index") return `${here} is a tuple; '.${segment.name}' needs an object`;
      const items = def.items ?? [];
      const index = segment.index < 0 ? items.length + segment.index : segment.index;
      if (index >= 0 && index < items.length) return walk(items[index], segments, at + 1);
      if (def.rest) return walk(def.rest, segments, at + 1);
      return `${here} is a tuple of ${items.length}; it has no [${segment.index}]`;
    }
    default:
      return `${here} is a ${def.type}; it has no ${segment.kind === "member" ? `field '${echo(segment.name)}'` : `[${segment.index}]`}`;
  }
}

function listFields(fields: string[]): string {
  if (fields.length === 0) return "no fields";
  const shown = fields.slice(0, 8).map((f) => `'${f}'`).join(", ");
  return fields.length > 8 ? `${shown}, …` : shown;
}

