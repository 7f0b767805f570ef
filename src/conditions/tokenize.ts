import { PlangraphError } from "../model/errors.js";
import { GrammarError, parseSegments, scanStepId, type Reference } from "../refs/grammar.js";
import { scanQuotedString } from "../refs/quoted-string.js";
import { echo } from "../model/echo.js";
import { didYouMean } from "../model/suggest.js";
import { conditionError } from "./errors.js";
import type { ConditionContext, LiteralValue } from "./syntax.js";

/** Operators and punctuation, longest first so `>=` wins over `>`. */
const OPERATORS = ["==", "!=", ">=", "<=", "&&", "||", ">", "<", "!", "(", ")"] as const;
export type OperatorToken = (typeof OPERATORS)[number];

export type Token =
  | { type: "literal"; value: LiteralValue; offset: number }
  | { type: "reference"; ref: Reference; offset: number }
  | { type: "operator"; operator: OperatorToken; offset: number }
  | { type: "end"; offset: number };

/** JSON number syntax; a leading `-` is part of the literal (there is no subtraction). */
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;
const WORD = /[A-Za-z_$][A-Za-z0-9_$]*/y;
const KEYWORDS: ReadonlyMap<string, LiteralValue> = new Map<string, LiteralValue>([
  ["true", true],
  ["false", false],
  ["null", null],
]);
/**
 * Splits a condition into tokens. References are parsed here with the reference grammar of
 * `src/refs`, so they obey exactly the rules of `output_mapping` references.
 */
export function tokenize(text: string, context: ConditionContext): Token[] {
  const tokens: Token[] = [];
  const fail = (offset: number, message: string) => conditionError("BAD_CONDITION", context, text, offset, "syntax error", `: ${message}`);
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") {
      i++;
      continue;
    }
    if (c === "{") {
      const token = readReference(text, i, context);
      tokens.push(token.token);
      i = token.end;
      continue;
    }
    if (c === '"' || c === "'") {
      const { value, end } = readString(text, i, fail);
      tokens.push({ type: "literal", value, offset: i });
      i = end;
      continue;
    }
    if (c === "-" || (c >= "0" && c <= "9")) {
      NUMBER.lastIndex = i;
      const match = NUMBER.exec(text);
      if (!match) throw fail(i, "'-' must be followed by a number (there is no subtraction)");
      const end = i + match[0].length;
      const after = text[end];
      if (after !== undefined && /[A-Za-z0-9_.$]/.test(after)) {
        throw fail(i, `malformed number '${text.slice(i, end + 1)}' (numbers use JSON syntax, e.g. 12, -3.5, 1e6)`);
      }
      const value = Number(match[0]);
      if (!Number.isFinite(value)) throw fail(i, `number ${match[0]} is out of range`);
      tokens.push({ type: "literal", value, offset: i });
      i = end;
      continue;
    }
    WORD.lastIndex = i;
    const word = WORD.exec(text);
    if (word) {
      const name = word[0];
      if (!KEYWORDS.has(name)) {
        throw fail(i, `unknown word '${echo(name)}' (values are numbers, quoted strings, true, false, null or {step.path} references)`);
      }
      tokens.push({ type: "literal", value: KEYWORDS.get(name)!, offset: i });
      i += name.length;
      continue;
    }
    const operator = OPERATORS.find((op) => text.startsWith(op, i));
    if (operator !== undefined) {
      if ((operator === "==" || operator === "!=") && text[i + 2] === "=") {
        throw fail(i, `'${operator}=' is not an operator; use '${operator}' (equality is always strict)`);
      }
      tokens.push({ type: "operator", operator, offset: i });
      i += operator.length;
      continue;
    }
    throw fail(i, unexpectedCharacter(text, i));
  }
  tokens.push({ type: "end", offset: text.length });
  return tokens;
}

function unexpectedCharacter(text: string, i: number): string {
  const c = text[i]!;
  if (c === "=") return "'=' is not an operator; use '==' to compare";
  if (c === "&") return "'&' is not an operator; use '&&'";
  if (c === "|") return "'|' is not an operator; use '||'";
  if (c === "}") return "unmatched '}'";
  const code = text.codePointAt(i)!;
  const shown = code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, "0")}` : String.fromCodePoint(code);
  return `unexpected character '${shown}'`;
}

/** A string literal: the one quoted-string scanner of `src/refs`, so conditions and paths agree. */
function readString(
  text: string,
  offset: number,
  fail: (offset: number, message: string) => PlangraphError,
): { value: string; end: number } {
  try {
    return scanQuotedString(text, offset, "string");
  } catch (error) {
    if (error instanceof GrammarError) throw fail(error.offset, error.message.replace(/ (starting )?at position \d+/g, ""));
    throw error;
  }
}

/**
 * `{step.path}`: the step must exist, the path must follow the reference grammar, and the brace
 * must close. In a condition braces mean nothing else, so every `{` starts a reference.
 */
function readReference(text: string, open: number, context: ConditionContext): { token: Token; end: number } {
  const idEnd = scanStepId(text, open + 1);
  const id = text.slice(open + 1, idEnd);
  if (!/^[A-Za-z_]/.test(id)) {
    const hint = ": expected a step id after '{' (references look like {step.path})";
    throw conditionError("BAD_CONDITION", context, text, open + 1, "syntax error", hint);
  }
  if (!context.steps.has(id)) {
    if (context.unreferenceable?.has(id)) {
      throw conditionError("BAD_REFERENCE", context, text, open + 1, `references decision '${echo(id)}'`, ": only step outputs can be referenced");
    }
    throw conditionError("UNKNOWN_STEP", context, text, open + 1, `references unknown step '${echo(id)}'`, didYouMean(id, context.steps));
  }
  let parsed: { segments: Reference["segments"]; end: number };
  try {
    parsed = parseSegments(text, idEnd, "}");
  } catch (error) {
    if (error instanceof GrammarError) {
      const reason = error.message.replace(/ (starting )?at position \d+/g, "");
      throw conditionError("BAD_REFERENCE", context, text, error.offset, "malformed reference", `: ${reason}`);
    }
    throw error;
  }
  if (text[parsed.end] !== "}") {
    throw conditionError("BAD_REFERENCE", context, text, open, "unclosed reference", " (missing '}')");
  }
  const end = parsed.end + 1;
  return { token: { type: "reference", ref: { step: id, segments: parsed.segments, text: text.slice(open, end) }, offset: open }, end };
}
