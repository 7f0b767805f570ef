import { GrammarError } from "./grammar-error.js";

/**
 * The one scanner of quoted strings: RFC 9535 string literals, used for quoted names in reference
 * paths (`['odd name']`) and for string literals in conditions (`"db-prod"`). One rule set:
 *
 * - single or double quotes; the other quote stands for itself;
 * - escapes `\b \f \n \r \t \/ \\`, `\uXXXX`, and the enclosing quote only (`\'` inside '…',
 *   `\"` inside "…"); any other escape is an error;
 * - a surrogate escape is valid only as a high + low pair (`\uD83D\uDE00`); an unpaired one, and a
 *   raw unpaired surrogate, are errors;
 * - raw control characters (below U+0020) must be written as escapes.
 *
 * Errors are GrammarErrors at the offending offset; `what` names the thing in messages.
 */
export function scanQuotedString(text: string, offset: number, what = "string"): { value: string; end: number } {
  const quote = text[offset];
  if (quote !== "'" && quote !== '"') throw new GrammarError(`expected a quote at position ${offset}`, offset);
  let value = "";
  let i = offset + 1;
  let runStart = i;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    if (code === 0x5c || code === quote.charCodeAt(0)) {
      value += text.slice(runStart, i);
      if (code !== 0x5c) return { value, end: i + 1 };
      const escape = readEscape(text, i, quote);
      value += escape.value;
      i = runStart = escape.end;
      continue;
    }
    if (code < 0x20) throw new GrammarError(`control character in ${what} at position ${i} (write it as an escape, e.g. \\n)`, i);
    if (code >= 0xd800 && code <= 0xdfff) {
      const next = text.charCodeAt(i + 1);
      if (code >= 0xdc00 || !(next >= 0xdc00 && next <= 0xdfff)) throw new GrammarError(`unpaired surrogate in ${what} at position ${i}`, i);
      i += 2;
      continue;
    }
    i++;
  }
  throw new GrammarError(`unterminated ${what} starting at position ${offset}`, offset);
}

const SIMPLE: Readonly<Record<string, string>> = { b: "\b", f: "\f", n: "\n", r: "\r", t: "\t", "/": "/", "\\": "\\" };

/** One escape starting at the backslash at `at`; returns its value and the offset after it. */
function readEscape(text: string, at: number, quote: string): { value: string; end: number } {
  const e = text[at + 1];
  if (e === undefined) throw new GrammarError(`unterminated escape at position ${at}`, at);
  if (e === quote) return { value: quote, end: at + 2 };
  const simple = SIMPLE[e];
  if (simple !== undefined) return { value: simple, end: at + 2 };
  if (e !== "u") {
    const shown = e.charCodeAt(0) < 0x20 ? `\\u${e.charCodeAt(0).toString(16).padStart(4, "0")}` : e;
    throw new GrammarError(`bad escape '\\${shown}' at position ${at}`, at);
  }
  const high = hexAt(text, at + 2, at);
  if (high >= 0xdc00 && high <= 0xdfff) throw new GrammarError(`unpaired low surrogate escape \\u${text.slice(at + 2, at + 6)} at position ${at}`, at);
  if (high < 0xd800 || high > 0xdbff) return { value: String.fromCharCode(high), end: at + 6 };
  const low = text.startsWith("\\u", at + 6) ? hexOrUndefined(text, at + 8) : undefined;
  if (low === undefined || low < 0xdc00 || low > 0xdfff) {
    throw new GrammarError(`high surrogate escape \\u${text.slice(at + 2, at + 6)} at position ${at} is not followed by a low surrogate escape`, at);
  }
  return { value: String.fromCharCode(high, low), end: at + 12 };
}

function hexAt(text: string, from: number, escapeAt: number): number {
  const code = hexOrUndefined(text, from);
  if (code === undefined) throw new GrammarError(`bad \\u escape at position ${escapeAt} (expected 4 hex digits)`, escapeAt);
  return code;
}

function hexOrUndefined(text: string, from: number): number | undefined {
  const hex = text.slice(from, from + 4);
  return /^[0-9A-Fa-f]{4}$/.test(hex) ? parseInt(hex, 16) : undefined;
}
