/**
 * The reference path grammar: RFC 9535 (JSONPath) singular queries with a step id in place of `$`.
 *
 *   reference   = "{" step-id *segment "}"
 *   segment     = "." member-name-shorthand / "[" ( quoted-name / index ) "]"
 *   index       = "0" / ["-"] DIGIT1 *DIGIT
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

export const STEP_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** A syntax error at a character offset of the text being parsed. */
export class GrammarError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = "GrammarError";
  }
}

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
  while (i < text.length && text[i] !== stop) {
    const c = text[i]!;
    if (c === ".") {
      const start = ++i;
      if (i >= text.length || !isNameFirst(text[i]!)) {
        throw new GrammarError(`expected a member name after '.' at position ${start}`, start);
      }
      while (i < text.length && isNameChar(text[i]!)) i++;
      segments.push(member(text.slice(start, i), start));
    } else if (c === "[") {
      i++;
      const q = text[i];
      if (q === "'" || q === '"') {
        const { value, end } = parseQuoted(text, i);
        i = end;
        segments.push(member(value, i));
      } else {
        const start = i;
        if (text[i] === "-") i++;
        while (i < text.length && /[0-9]/.test(text[i]!)) i++;
        const digits = text.slice(start, i);
        if (!/^(0|-?[1-9][0-9]*)$/.test(digits)) {
          throw new GrammarError(
            `expected an index or a quoted name inside [] at position ${start} (wildcards, slices and filters are not allowed)`,
            start,
          );
        }
        const index = Number(digits);
        if (!Number.isSafeInteger(index)) throw new GrammarError(`index ${digits} is out of range`, start);
        segments.push({ kind: "index", index });
      }
      if (text[i] !== "]") throw new GrammarError(`expected ']' at position ${i}`, i);
      i++;
    } else {
      throw new GrammarError(`unexpected '${c}' at position ${i}: a path continues with .name, ['name'] or [index]`, i);
    }
  }
  return { segments, end: i };
}

function member(name: string, offset: number): Segment {
  if (FORBIDDEN_MEMBERS.has(name)) {
    throw new GrammarError(`'${name}' is not allowed in a path (it reaches object internals)`, offset);
  }
  return { kind: "member", name };
}

/** RFC 9535 string literal in single or double quotes, with its escapes. */
function parseQuoted(text: string, offset: number): { value: string; end: number } {
  const quote = text[offset]!;
  let value = "";
  let i = offset + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (c === quote) return { value, end: i + 1 };
    if (c === "\\") {
      const e = text[i + 1];
      const simple: Record<string, string> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", "/": "/", "\\": "\\" };
      if (e === undefined) break;
      if (e === quote) value += quote;
      else if (e in simple) value += simple[e];
      else if (e === "u") {
        const hex = text.slice(i + 2, i + 6);
        if (!/^[0-9A-Fa-f]{4}$/.test(hex)) throw new GrammarError(`bad \\u escape at position ${i}`, i);
        const code = parseInt(hex, 16);
        // RFC 9535 hexchar: a surrogate is only valid as a high + low pair (\uD83D\uDE00).
        if (code >= 0xdc00 && code <= 0xdfff) throw new GrammarError(`lone low surrogate \\u${hex} at position ${i}`, i);
        if (code >= 0xd800 && code <= 0xdbff) {
          const low = /^\\u(D[C-F][0-9A-F]{2})$/i.exec(text.slice(i + 6, i + 12));
          if (!low) throw new GrammarError(`high surrogate \\u${hex} at position ${i} is not followed by a low surrogate escape`, i);
          value += String.fromCharCode(code, parseInt(low[1]!, 16));
          i += 10;
        } else {
          value += String.fromCharCode(code);
          i += 4;
        }
      } else throw new GrammarError(`bad escape '\\${e}' at position ${i}`, i);
      i += 2;
      continue;
    }
    if (c.charCodeAt(0) < 0x20) throw new GrammarError(`control character in quoted name at position ${i}`, i);
    value += c;
    i++;
  }
  throw new GrammarError(`unterminated quoted name starting at position ${offset}`, offset);
}

/** The canonical text of a path, e.g. `.data.rows[0]['odd name']`. */
export function formatSegments(segments: readonly Segment[]): string {
  return segments
    .map((s) =>
      s.kind === "index" ? `[${s.index}]` : /^[A-Za-z_][A-Za-z0-9_]*$/.test(s.name) ? `.${s.name}` : `[${JSON.stringify(s.name)}]`,
    )
    .join("");
}
