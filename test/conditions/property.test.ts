import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluateCondition, formatCondition, parseCondition } from "../../src/conditions/index.js";
import { PlangraphError } from "../../src/model/errors.js";
import { CONTEXT, lookupIn } from "./helpers.js";

/**
 * Property tests against a reference evaluator written here from the documented semantics, with
 * its own printer, so the parser and evaluator are checked by an independent implementation.
 */

const OUTPUTS: Record<string, unknown> = {
  primary: { data: { total: 12, rows: [{ name: "db-prod", cpu: 0.5 }, { name: "db-dr", cpu: 0 }], empty: [], none: {}, nil: null } },
  flags: { data: { ok: true, off: false, label: "", version: "1.10" } },
  topology: [1, "two", [3], { four: 4 }],
};

/** Paths (as written, and as keys to walk) into OUTPUTS, some of them missing. */
const PATHS: Array<[string, ReadonlyArray<string | number>, string]> = [
  ["{primary.data.total}", ["data", "total"], "primary"],
  ["{primary.data.rows}", ["data", "rows"], "primary"],
  ["{primary.data.rows[0].name}", ["data", "rows", 0, "name"], "primary"],
  ["{primary.data.rows[-1]['cpu']}", ["data", "rows", -1, "cpu"], "primary"],
  ["{primary.data.empty}", ["data", "empty"], "primary"],
  ["{primary.data.none}", ["data", "none"], "primary"],
  ["{primary.data.nil}", ["data", "nil"], "primary"],
  ["{primary.data.missing}", ["data", "missing"], "primary"],
  ["{primary[\"data\"].rows[5]}", ["data", "rows", 5], "primary"],
  ["{flags.data.ok}", ["data", "ok"], "flags"],
  ["{flags.data.off}", ["data", "off"], "flags"],
  ["{flags.data.label}", ["data", "label"], "flags"],
  ["{flags.data.version}", ["data", "version"], "flags"],
  ["{topology}", [], "topology"],
  ["{topology[3].four}", [3, "four"], "topology"],
  ["{metrics.data.cpu}", ["data", "cpu"], "metrics"],
];

type Tree =
  | { t: "lit"; v: null | boolean | number | string }
  | { t: "ref"; i: number }
  | { t: "not"; e: Tree }
  | { t: "cmp"; op: "==" | "!=" | "<" | "<=" | ">" | ">="; l: Tree; r: Tree }
  | { t: "and" | "or"; es: Tree[] };

const literal = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -1000, max: 1000 }),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constantFrom("", "ok", "db-prod", "1.10", "1.9", "it's", 'say "hi"', "back\\slash", "tab\tnew\nline", "é☃"),
  fc.string({ maxLength: 8, unit: "binary" }),
);

const { tree } = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: "small", maxDepth: 6 },
    literal.map((v): Tree => ({ t: "lit", v })),
    fc.nat({ max: PATHS.length - 1 }).map((i): Tree => ({ t: "ref", i })),
    tie("tree").map((e): Tree => ({ t: "not", e })),
    fc
      .record({ op: fc.constantFrom("==", "!=", "<", "<=", ">", ">=" as const), l: tie("tree"), r: tie("tree") })
      .map(({ op, l, r }): Tree => ({ t: "cmp", op, l, r })),
    fc
      .record({ t: fc.constantFrom("and" as const, "or" as const), es: fc.array(tie("tree"), { minLength: 2, maxLength: 4 }) })
      .map(({ t, es }): Tree => ({ t, es })),
  ),
}));

// ---- the reference implementation -------------------------------------------------------------

function walk(i: number): unknown {
  const [, keys, step] = PATHS[i]!;
  let value: unknown = Object.prototype.hasOwnProperty.call(OUTPUTS, step) ? OUTPUTS[step] : undefined;
  for (const key of keys) {
    if (typeof key === "number") {
      if (!Array.isArray(value)) return null;
      value = value[key < 0 ? value.length + key : key];
    } else {
      if (value === null || typeof value !== "object" || Array.isArray(value) || !Object.prototype.hasOwnProperty.call(value, key)) return null;
      value = (value as Record<string, unknown>)[key];
    }
    if (value === undefined) return null;
  }
  return value ?? null;
}

/** Canonical JSON with sorted keys: equal values ⇔ equal text (no NaN or undefined here). */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(value);
}

function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value !== null && typeof value === "object") return Object.keys(value).length > 0;
  return Boolean(value);
}

function referenceEvaluate(node: Tree): unknown {
  switch (node.t) {
    case "lit":
      return node.v;
    case "ref":
      return walk(node.i);
    case "not":
      return !truthy(referenceEvaluate(node.e));
    case "and":
      return node.es.every((e) => truthy(referenceEvaluate(e)));
    case "or":
      return node.es.some((e) => truthy(referenceEvaluate(e)));
    case "cmp": {
      const l = referenceEvaluate(node.l);
      const r = referenceEvaluate(node.r);
      if (node.op === "==") return canonical(l) === canonical(r);
      if (node.op === "!=") return canonical(l) !== canonical(r);
      const comparable = (typeof l === "number" && typeof r === "number") || (typeof l === "string" && typeof r === "string");
      if (!comparable) return false;
      const a = l as number;
      const b = r as number;
      return node.op === "<" ? a < b : node.op === "<=" ? a <= b : node.op === ">" ? a > b : a >= b;
    }
  }
}

// ---- printing ------------------------------------------------------------------------------------

function singleQuoted(text: string): string {
  let out = "'";
  for (const c of text) {
    if (c === "'" || c === "\\") out += `\\${c}`;
    else if (c.charCodeAt(0) < 0x20) out += `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
    else out += c;
  }
  return `${out}'`;
}

function print(node: Tree, space: string, quote: "double" | "single"): string {
  switch (node.t) {
    case "lit":
      if (typeof node.v === "string") return quote === "double" ? JSON.stringify(node.v) : singleQuoted(node.v);
      return JSON.stringify(node.v);
    case "ref":
      return PATHS[node.i]![0];
    case "not":
      return `!(${print(node.e, space, quote)})`;
    case "cmp":
      return `(${print(node.l, space, quote)}${space}${node.op}${space}${print(node.r, space, quote)})`;
    case "and":
    case "or":
      return `(${node.es.map((e) => print(e, space, quote)).join(`${space}${node.t === "and" ? "&&" : "||"}${space}`)})`;
  }
}

const context = { ...CONTEXT, steps: new Set([...CONTEXT.steps, "metrics"]), maxLength: 1_000_000, maxDepth: 64 };
const lookup = lookupIn(OUTPUTS);
const evaluate = (text: string) => evaluateCondition(parseCondition(text, context), lookup, () => {}).value;

describe("conditions: properties", () => {
  it("a printed expression tree parses back and evaluates like the reference evaluator", () => {
    fc.assert(
      fc.property(tree, fc.constantFrom("", " ", "  ", "\n"), fc.constantFrom("double" as const, "single" as const), (node, space, quote) => {
        const text = print(node, space, quote);
        expect(evaluate(text)).toBe(truthy(referenceEvaluate(node)));
      }),
      { numRuns: 1000 },
    );
  });

  it("the canonical form of a parsed condition means the same thing", () => {
    fc.assert(
      fc.property(tree, (node) => {
        const text = print(node, " ", "double");
        const canonicalText = formatCondition(parseCondition(text, context));
        expect(evaluate(canonicalText)).toBe(evaluate(text));
        expect(formatCondition(parseCondition(canonicalText, context))).toBe(canonicalText);
      }),
      { numRuns: 500 },
    );
  });

  const ALLOWED_CODES = new Set(["BAD_CONDITION", "BAD_REFERENCE", "UNKNOWN_STEP"]);
  const check = (text: string) => {
    let condition;
    try {
      condition = parseCondition(text, CONTEXT);
    } catch (error) {
      if (!(error instanceof PlangraphError)) throw error;
      expect(ALLOWED_CODES.has(error.code)).toBe(true);
      return;
    }
    evaluateCondition(condition, lookup, () => {});
  };

  it("random strings never throw anything but PlangraphError", () => {
    fc.assert(fc.property(fc.string({ maxLength: 60, unit: "binary" }), check), { numRuns: 2000 });
  });

  it("random token soup never throws anything but PlangraphError, and what parses evaluates", () => {
    const piece = fc.constantFrom(
      ...["{", "}", "(", ")", "[", "]", ".", "'", '"', "\\", "!", "=", "==", "!=", "<", "<=", ">", ">=", "&", "&&", "|", "||"],
      ...["-", "0", "1", "-1", "1.5", "1e3", "e", "true", "false", "null", "x", " ", "\n", "$", "`", "\\u0041", "__proto__"],
      ...["{primary", "{primary.data", ".total", ".rows", "[0]", "[-1]", "['name']", "{flags.data.ok}", "{primary.data.total}", "{a.constructor}"],
    );
    fc.assert(fc.property(fc.array(piece, { maxLength: 30 }).map((parts) => parts.join("")), check), { numRuns: 3000 });
  });
});

/**
 * The one quoted-string scanner, against an encoder written here from RFC 9535: any well-formed
 * string (no lone surrogates), written with a random choice of escapes, reads back identically
 * as a condition string and as a quoted name in a reference path.
 */
describe("property: condition strings and quoted names read RFC 9535 literals alike", () => {
  const encode = (value: string, quote: "'" | '"', choices: readonly number[]): string => {
    let out = quote;
    let i = 0;
    for (const char of value) {
      const choice = choices[i++ % choices.length]!;
      const code = char.codePointAt(0)!;
      const named: Record<string, string> = { "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\\": "\\\\", "/": "\\/" };
      const hex = (unit: number) => `\\u${unit.toString(16).padStart(4, "0")}`;
      if (char === quote) out += `\\${quote}`;
      else if (code < 0x20) out += named[char] !== undefined && choice % 2 ? named[char] : hex(code);
      else if (char === "\\") out += "\\\\";
      else if (named[char] !== undefined && choice % 3 === 0) out += named[char];
      else if (choice % 5 === 0) out += [...char].length === 1 && char.length === 2 ? `${hex(char.charCodeAt(0))}${hex(char.charCodeAt(1))}` : hex(code);
      else out += char;
    }
    return out + quote;
  };

  it("decodes what the encoder wrote, in both users", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 24 }), fc.constantFrom<"'" | '"'>("'", '"'), fc.array(fc.nat(29), { minLength: 1, maxLength: 8 }), (value, quote, choices) => {
        const literal = encode(value, quote, choices);
        const parsed = parseCondition(`${literal} == 'x'`, CONTEXT).root as { left: { value: unknown } };
        expect(parsed.left.value).toBe(value);
        // Forbidden member names are rejected on purpose (a test of their own covers it).
        if (["__proto__", "prototype", "constructor"].includes(value)) return;
        const ref = parseCondition(`{primary[${literal}]} == 1`, CONTEXT).references[0]!;
        expect(ref.segments).toEqual([{ kind: "member", name: value }]);
      }),
      { numRuns: 500 },
    );
  });
});
