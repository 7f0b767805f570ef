import type { Segment } from "./grammar.js";
import { unwrapOutput, zodDef, type ZodDef } from "./zod-def.js";

/**
 * What JSON kinds a zod 4 schema produces (for a tool's output) or accepts (for a tool's input),
 * so a reference can be checked against the parameter it feeds before anything runs. Every answer
 * errs towards "anything": a check built on these rejects only what is definitely incompatible.
 */
export type JsonKind = "string" | "number" | "boolean" | "null" | "array" | "object";

/** A set of kinds, or `"any"` when the schema does not pin the kind down. */
export type Kinds = ReadonlySet<JsonKind> | "any";

/** Deepest schema nesting followed; recursive (lazy) schemas stop here as "any". */
const MAX_DEPTH = 64;

/**
 * The schemas a value at `segments` inside `schema` may have, or undefined when the schema leaves
 * it open (unknown, records of unknown, transforms, lazies too deep, non-zod schemas).
 */
export function schemasAtPath(schema: unknown, segments: readonly Segment[], at = 0, depth = 0): unknown[] | undefined {
  if (!zodDef(schema) || depth > MAX_DEPTH) return undefined;
  // The end of the path keeps its wrappers: whether the value may be null is part of its kinds.
  if (at >= segments.length) return [schema];
  const def = zodDef(unwrapOutput(schema));
  if (!def) return undefined;
  const segment = segments[at]!;
  const next = (inner: unknown) => schemasAtPath(inner, segments, at + 1, depth + 1);
  switch (def.type) {
    case "union": {
      const all: unknown[] = [];
      for (const option of def.options ?? []) {
        const found = schemasAtPath(option, segments, at, depth + 1);
        if (found === undefined) return undefined;
        all.push(...found);
      }
      return all;
    }
    case "object": {
      if (segment.kind !== "member") return [];
      const shape = def.shape ?? {};
      if (Object.prototype.hasOwnProperty.call(shape, segment.name)) return next(shape[segment.name]);
      const catchall = zodDef(def.catchall);
      return catchall && catchall.type !== "never" ? next(def.catchall) : [];
    }
    case "record":
      return segment.kind === "member" ? next(def.valueType) : [];
    case "array":
      return segment.kind === "index" ? next(def.element) : [];
    case "tuple": {
      if (segment.kind !== "index") return [];
      const items = def.items ?? [];
      const index = segment.index < 0 ? items.length + segment.index : segment.index;
      if (index >= 0 && index < items.length) return next(items[index]);
      return def.rest ? next(def.rest) : [];
    }
    default:
      return undefined;
  }
}

/**
 * The kinds a value of `schema` can have once the schema has produced it (a tool's output side):
 * pipes by what they output, defaults never absent, coercions by their target type.
 */
export function producedKinds(schema: unknown, depth = 0): Kinds {
  return kindsOf(schema, "output", depth);
}

/**
 * The kinds of value `schema` accepts as input (a tool's parameter): coercions, `catch`,
 * transforms and preprocessors accept anything; pipes by what they take in.
 */
export function acceptedKinds(schema: unknown, depth = 0): Kinds {
  return kindsOf(schema, "input", depth);
}

/** Union of kinds; "any" absorbs everything. */
export function unionKinds(all: readonly Kinds[]): Kinds {
  const out = new Set<JsonKind>();
  for (const kinds of all) {
    if (kinds === "any") return "any";
    for (const kind of kinds) out.add(kind);
  }
  return out;
}

/** True when some value of `produced` kinds could be accepted by `accepted` kinds. */
export function kindsOverlap(produced: Kinds, accepted: Kinds): boolean {
  if (produced === "any" || accepted === "any") return true;
  for (const kind of produced) if (accepted.has(kind)) return true;
  return false;
}

/** "a string", "a number or null", "any value". */
export function describeKinds(kinds: Kinds): string {
  if (kinds === "any") return "any value";
  const names = [...kinds].sort().map((k) => (k === "null" ? "null" : `${/^[aeiou]/.test(k) ? "an" : "a"} ${k}`));
  return names.length === 0 ? "nothing" : names.join(" or ");
}

const only = (...kinds: JsonKind[]): Kinds => new Set(kinds);

function kindsOf(schema: unknown, side: "input" | "output", depth: number): Kinds {
  const def = zodDef(schema);
  if (!def || depth > MAX_DEPTH) return "any";
  const inner = (s: unknown) => kindsOf(s, side, depth + 1);
  if (def.coerce === true && side === "input") return "any";
  switch (def.type) {
    case "string":
    case "enum":
    case "literal":
    case "template_literal":
      return def.type === "string" || def.type === "template_literal" ? only("string") : valueKinds(def);
    case "number":
    case "int":
      return only("number");
    case "boolean":
      return only("boolean");
    case "null":
      return only("null");
    case "array":
    case "tuple":
      return only("array");
    case "object":
    case "record":
      return only("object");
    case "optional":
    case "default":
    case "prefault":
    case "nonoptional":
    case "readonly":
      return inner(def.innerType);
    case "nullable":
      return unionKinds([inner(def.innerType), only("null")]);
    case "catch":
      return side === "input" ? "any" : inner(def.innerType);
    case "pipe":
      return inner(side === "input" ? def.in : def.out);
    case "union":
      return unionKinds((def.options ?? []).map(inner));
    case "intersection":
      return intersectKinds(inner(def.left), inner(def.right));
    case "lazy":
      return def.getter ? inner(def.getter()) : "any";
    default:
      // unknown, any, transform, custom, date, bigint, …: nothing definite to say.
      return "any";
  }
}

function valueKinds(def: ZodDef): Kinds {
  const values = def.values ?? Object.values(def.entries ?? {});
  if (values.length === 0) return "any";
  const kinds = new Set<JsonKind>();
  for (const value of values) {
    if (value === null) kinds.add("null");
    else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") kinds.add(typeof value as JsonKind);
    else return "any";
  }
  return kinds;
}

function intersectKinds(a: Kinds, b: Kinds): Kinds {
  if (a === "any") return b;
  if (b === "any") return a;
  return new Set([...a].filter((k) => b.has(k)));
}
