import { GrammarError } from "./grammar-error.js";
import { scanQuotedString } from "./quoted-string.js";

/**
 * The reference path grammar: RFC 9535 (JSONPath) singular queries with a step id in place of `$`.
 *
 *   reference   = "{" step-id *( S segment ) "}"
 *   segment     = "." member-name-shorthand / "[" S ( quoted-name / index ) S "]"
 *   index       = "0" / ["-"] DIGIT1 *DIGIT
 *   S           = *( %x20 / %x09 / %x0A / %x0D )     ; RFC 9535 blank space
 *
 * Blank space goes exactly where RFC 9535 puts it: before a segment (so between the step id and
 * the first segment, and between segments) and inside brackets around the selector. Never after
 * the `.` of member shorthand, inside a name or index, after `{`, or at the end of the path.
 * Quoted names use the one string scanner of `quoted-string.ts`.
 *
 * Parsing happens once, at compile time; run time only walks the parsed segments.
 */

/** One step of a path: an object member or an array index (negative counts from the end). */
export type Segment = { kind: "member"; name: string } | { kind: "index"; index: number };

/** A parsed reference: which step's output, and where inside it. */
export interface Reference {
  step: string;
  segments: readonly Segment[];
  /** The reference as written, braces included, for messages. */
  text: string;
}

/** Member names that could reach an object's prototype machinery; never allowed in a path. */
export const FORBIDDEN_MEMBERS: ReadonlySet<string> = new Set(["__proto__", "prototype", "constructor"]);

export { GrammarError };

export const STEP_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

const isIdChar = (c: string) => /[A-Za-z0-9_-]/.test(c);
const isNameFirst = (c: string) => /[A-Za-z_]/.test(c) || c.charCodeAt(0) >= 0x80;
const isNameChar = (c: string) => isNameFirst(c) || /[0-9]/.test(c);

/** Reads a step id starting at `offset`; returns its end (exclusive). */
export function scanStepId(text: string, offset: number): number {
  let end = offset;
  while (end < text.length && isIdChar(text[end]!)) end++;
  return end;
}

/**
 * Parses the segments of a path starting at `offset` and stopping before `stop` (a character, e.g.
 * "}" for references), or at end of text when `stop` is undefined. Returns the segments and the
 * offset where parsing stopped.
 */
export function parseSegments(text: string, offset: number, stop?: string): { segments: Segment[]; end: number } {
  const segments: Segment[] = [];
  let i = offset;
  for (;;) {
    const blankStart = i;
    i = skipBlank(text, i);
    if (i >= text.length || text[i] === stop) {
      if (i > blankStart) throw new GrammarError(`blank space at position ${blankStart} must be followed by a segment (a path may not end in blank space)`, blankStart);
      break;
    }
    const c = text[i]!;
    if (c === ".") i = readMember(text, i + 1, segments);
    else if (c === "[") i = readBracketed(text, i + 1, segments);
    else throw new GrammarError(`unexpected '${c}' at position ${i}: a path continues with .name, ['name'] or [index]`, i);
  }
  return { segments, end: i };
}

/** RFC 9535 blank space: space, tab, line feed, carriage return. */
export function isBlank(c: string | undefined): boolean {
  return c === " " || c === "\t" || c === "\n" || c === "\r";
}

function skipBlank(text: string, offset: number): number {
  let i = offset;
  while (isBlank(text[i])) i++;
  return i;
}

/** `.name` after the dot at `start - 1`; no blank space is allowed after the dot. */
function readMember(text: string, start: number, segments: Segment[]): number {
  let i = start;
  if (i >= text.length || !isNameFirst(text[i]!)) {
    throw new GrammarError(`expected a member name after '.' at position ${start}`, start);
  }
  while (i < text.length && isNameChar(text[i]!)) i++;
  segments.push(member(text.slice(start, i), start));
  return i;
}

/** `[ 'name' ]` or `[ index ]` after the bracket at `start - 1`. */
function readBracketed(text: string, start: number, segments: Segment[]): number {
  let i = skipBlank(text, start);
  const q = text[i];
  if (q === "'" || q === '"') {
    const at = i;
    const { value, end } = scanQuotedString(text, i, "quoted name");
    segments.push(member(value, at));
    i = end;
  } else {
    const from = i;
    if (text[i] === "-") i++;
    while (i < text.length && text.charCodeAt(i) >= 0x30 && text.charCodeAt(i) <= 0x39) i++;
    const digits = text.slice(from, i);
    if (!/^(0|-?[1-9][0-9]*)$/.test(digits)) {
      throw new GrammarError(
        `expected an index or a quoted name inside [] at position ${from} (wildcards, slices and filters are not allowed)`,
        from,
      );
    }
    const index = Number(digits);
    if (!Number.isSafeInteger(index)) throw new GrammarError(`index ${digits} is out of range`, from);
    segments.push({ kind: "index", index });
  }
  i = skipBlank(text, i);
  if (text[i] !== "]") throw new GrammarError(`expected ']' at position ${i}`, i);
  return i + 1;
}

function member(name: string, offset: number): Segment {
  if (FORBIDDEN_MEMBERS.has(name)) {
    throw new GrammarError(`'${name}' is not allowed in a path (it reaches object internals)`, offset);
  }
  return { kind: "member", name };
}

/** The canonical text of a path, e.g. `.data.rows[0]['odd name']`. */
export function formatSegments(segments: readonly Segment[]): string {
  return segments
    .map((s) =>
      s.kind === "index" ? `[${s.index}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s.name) ? `.${s.name}` : `[${JSON.stringify(s.name)}]`,
    )
    .join("");
}
