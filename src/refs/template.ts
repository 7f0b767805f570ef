import { PlangraphError } from "../model/errors.js";
import { didYouMean } from "../model/suggest.js";
import { echo } from "../model/echo.js";
import { GrammarError, isBlank, parseSegments, scanStepId, type Reference } from "./grammar.js";
import { pathMember } from "../model/json-path.js";

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
  /** What checking the whole plan may cost; shared by every template of one plan. */
  budget?: CheckBudget;
}

/**
 * The bounded cost of checking a plan's templates: characters scanned and references parsed.
 * Scanning is linear, so these two numbers bound the time a plan can take to check.
 */
export interface CheckBudget {
  readonly maxChars: number;
  readonly maxReferences: number;
  chars: number;
  references: number;
}

/** A fresh budget for one plan. */
export function createCheckBudget(limits: { maxTemplateChars: number; maxReferences: number }): CheckBudget {
  return { maxChars: limits.maxTemplateChars, maxReferences: limits.maxReferences, chars: 0, references: 0 };
}

/**
 * Finds the references in one string, in time linear in its length. `{id` followed by `.`, `[`
 * or `}` (blank space allowed before `.` and `[`) starts a reference when `id` looks like a step
 * id; a known id with a malformed path, or an unknown id with a path, is an error — a typo must
 * never silently become a literal. `{id}` with an id that is not a step stays literal text, so
 * ordinary braces in prose survive.
 */
export function parseStringTemplate(text: string, context: TemplateContext): Template {
  charge(context, "chars", text.length);
  const parts: Array<string | Reference> = [];
  // Whether a `}` follows a position is one comparison with the last `}`: rescanning the rest of
  // the text for each `{` made a string of 800k `{` take seconds (quadratic).
  const lastClose = text.lastIndexOf("}");
  let literalStart = 0;
  let i = 0;
  while (i < text.length) {
    const open = text.indexOf("{", i);
    if (open < 0) break;
    const idEnd = scanStepId(text, open + 1);
    const id = text.slice(open + 1, idEnd);
    if (!/^[A-Za-z_]/.test(id)) {
      i = open + 1;
      continue;
    }
    let next = text[idEnd];
    let afterBlank = idEnd;
    while (isBlank(text[afterBlank])) afterBlank++;
    if (afterBlank > idEnd && (text[afterBlank] === "." || text[afterBlank] === "[")) next = text[afterBlank];
    const known = context.steps.has(id) || context.unreferenceable?.has(id) === true;
    // `{` + a known id + anything + `}` is a reference whatever follows the id (docs/PLAN-FORMAT.md): a typo
    // such as `{primary data}` or `{primary:data}` must fail as a malformed path, never pass as text.
    const closed = next !== undefined && lastClose >= idEnd;
    const looksLikeReference = next === "." || next === "[" || next === "}" || (known && closed);
    if (!looksLikeReference || (next === "}" && !known)) {
      i = open + 1;
      continue;
    }
    const ref = readReference(text, open, id, idEnd, context);
    charge(context, "references", 1);
    if (open > literalStart) parts.push(text.slice(literalStart, open));
    parts.push(ref);
    i = literalStart = open + ref.text.length;
  }
  if (parts.length === 0) return { kind: "literal", value: text };
  if (literalStart < text.length) parts.push(text.slice(literalStart));
  if (parts.length === 1 && typeof parts[0] !== "string") return { kind: "whole", ref: parts[0]! };
  return { kind: "text", parts };
}

/** The reference opened at `open` whose step id ends at `idEnd`; throws on any flaw. */
function readReference(text: string, open: number, id: string, idEnd: number, context: TemplateContext): Reference {
  if (!context.steps.has(id)) {
    const what = context.unreferenceable?.has(id)
      ? `'${echo(id)}' is a decision; only step outputs can be referenced`
      : `references unknown step '${echo(id)}'${didYouMean(id, context.steps)}`;
    throw new PlangraphError(context.unreferenceable?.has(id) ? "BAD_REFERENCE" : "UNKNOWN_STEP", `${where(context)} ${what}`, {
      path: context.path,
      step: context.owner,
    });
  }
  let parsed: ReturnType<typeof parseSegments>;
  try {
    parsed = parseSegments(text, idEnd, "}");
  } catch (error) {
    if (!(error instanceof GrammarError)) throw error;
    throw new PlangraphError("BAD_REFERENCE", `${where(context)} has a malformed reference in ${quoted(text)}: ${error.message}`, {
      path: context.path,
      step: context.owner,
    });
  }
  if (text[parsed.end] !== "}") {
    throw new PlangraphError("BAD_REFERENCE", `${where(context)} has an unclosed reference in ${quoted(text)} (missing '}')`, {
      path: context.path,
      step: context.owner,
    });
  }
  return { step: id, segments: parsed.segments, text: text.slice(open, parsed.end + 1) };
}

/** Counts against the plan's check budget; over it, the plan is rejected where it happened. */
function charge(context: TemplateContext, what: "chars" | "references", amount: number): void {
  const budget = context.budget;
  if (!budget) return;
  budget[what] += amount;
  const limit = what === "chars" ? budget.maxChars : budget.maxReferences;
  if (budget[what] <= limit) return;
  const message =
    what === "chars"
      ? `${where(context)}: the plan's parameters hold more than ${limit} characters of text to check (limits.maxTemplateChars)`
      : `${where(context)}: the plan has more than ${limit} references (limits.maxReferences)`;
  throw new PlangraphError("LIMIT_EXCEEDED", message, { path: context.path, step: context.owner });
}

function quoted(text: string): string {
  return JSON.stringify(echo(text, 120));
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
      ([key, item]) => [key, compileTemplate(item, { ...context, path: `${context.path}${pathMember(key)}` })] as const,
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
  return context.owner ? `step '${echo(context.owner)}' (${context.path})` : context.path;
}
