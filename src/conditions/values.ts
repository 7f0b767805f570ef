import { escapeUnsafe } from "../model/echo.js";

/**
 * The value semantics of conditions, on JSON values. No coercion anywhere: `"1"` is not `1`,
 * `0` is not `false`, `null` is not `""`.
 */

/** JSON type name of a value, for explanations. */
export function jsonTypeOf(value: unknown): "null" | "boolean" | "number" | "string" | "array" | "object" {
  if (value === null || value === undefined) return "null";
  if (Array.isArray(value)) return "array";
  switch (typeof value) {
    case "boolean":
      return "boolean";
    case "number":
    case "bigint":
      return "number";
    case "string":
      return "string";
    default:
      return "object";
  }
}

/**
 * Truthiness: `null`, `false`, `0`, `""`, `[]` and `{}` are falsy; everything else is truthy.
 * (Unlike JavaScript, an empty array or object is falsy: "no rows" should read as false.)
 */
export function isTruthy(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  switch (typeof value) {
    case "boolean":
      return value;
    case "number":
      return value !== 0 && !Number.isNaN(value);
    case "bigint":
      return value !== 0n;
    case "string":
      return value.length > 0;
    case "object":
      return Array.isArray(value) ? value.length > 0 : Object.keys(value).length > 0;
    default:
      return true;
  }
}

/**
 * Deep JSON equality: same JSON type and same content; object key order does not matter, a member
 * whose value is `undefined` counts as absent (as in JSON). Iterative, so deep values cannot
 * overflow the stack, and safe on cyclic values.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  const stack: Array<[unknown, unknown]> = [[a, b]];
  const compared = new Map<object, Set<object>>();
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    const left = x === undefined ? null : x;
    const right = y === undefined ? null : y;
    if (left === right) continue;
    if (typeof left !== "object" || typeof right !== "object" || left === null || right === null) return false;
    let seen = compared.get(left);
    if (seen?.has(right)) continue;
    if (!seen) compared.set(left, (seen = new Set()));
    seen.add(right);
    if (Array.isArray(left) !== Array.isArray(right)) return false;
    if (Array.isArray(left) && Array.isArray(right)) {
      if (left.length !== right.length) return false;
      for (let i = 0; i < left.length; i++) stack.push([left[i], right[i]]);
      continue;
    }
    const leftKeys = definedKeys(left);
    const rightKeys = definedKeys(right);
    if (leftKeys.length !== rightKeys.length) return false;
    for (const key of leftKeys) {
      if (!Object.prototype.hasOwnProperty.call(right, key) || (right as Record<string, unknown>)[key] === undefined) return false;
      stack.push([(left as Record<string, unknown>)[key], (right as Record<string, unknown>)[key]]);
    }
  }
  return true;
}

function definedKeys(value: object): string[] {
  return Object.keys(value).filter((key) => (value as Record<string, unknown>)[key] !== undefined);
}

/** Ordering: numbers with numbers, strings with strings (by UTF-16 code units); else not ordered. */
export function compareOrdered(
  operator: "<" | "<=" | ">" | ">=",
  left: unknown,
  right: unknown,
): { value: boolean; why?: string } {
  const bothNumbers = typeof left === "number" && typeof right === "number";
  const bothStrings = typeof left === "string" && typeof right === "string";
  if (!bothNumbers && !bothStrings) {
    const l = jsonTypeOf(left);
    const r = jsonTypeOf(right);
    return {
      value: false,
      why: l === r ? `${l} values are not ordered` : `a ${l} and a ${r} are not ordered`,
    };
  }
  const a = left as number | string;
  const b = right as number | string;
  switch (operator) {
    case "<":
      return { value: a < b };
    case "<=":
      return { value: a <= b };
    case ">":
      return { value: a > b };
    case ">=":
      return { value: a >= b };
  }
}

/**
 * A short JSON rendering of a value for explanations: long values are summarised, and text
 * controls from tool output (U+202E and the like) are escaped, since reasons reach terminals.
 */
export function formatValue(value: unknown, max = 40): string {
  return escapeUnsafe(summarise(value, max));
}

function summarise(value: unknown, max: number): string {
  if (value === undefined) return "null";
  if (typeof value === "bigint") return value.toString();
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  if (text !== undefined && text.length <= max) return text;
  if (typeof value === "string") return `${JSON.stringify(value.slice(0, Math.max(8, max - 10))).slice(0, -1)}…"`;
  if (Array.isArray(value)) return `[…${value.length} item${value.length === 1 ? "" : "s"}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).length;
    return `{…${keys} key${keys === 1 ? "" : "s"}}`;
  }
  return text ?? String(value);
}
