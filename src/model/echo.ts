/**
 * Quoting user input inside messages. Plans come from models and strangers: an id may be 100,000
 * characters long or carry text-direction controls (U+202E) that reorder what a terminal shows.
 * Every message that repeats user input passes it through {@link echo}; the error constructor
 * applies {@link escapeUnsafe} to whole messages as a second line of defence.
 */

/** How many characters of one quoted input a message shows. */
export const ECHO_LIMIT = 64;

/**
 * Characters never echoed raw: C0 controls, DEL, C1 controls, the bidirectional formatting
 * characters (ALM, LRM, RLM, LRE…RLO, LRI…PDI), the line and paragraph separators, the BOM /
 * zero-width no-break space, and lone surrogates.
 */
const UNSAFE =
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/gu;

/** Same as UNSAFE, but leaves line breaks and tabs alone (messages use them for layout). */
const UNSAFE_IN_MESSAGE =
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/gu;

const escapeChar = (c: string) => `\\u{${c.charCodeAt(0).toString(16)}}`;

/** `text` with every unsafe character written as `\u{…}` (U+202E becomes `\u{202e}`). */
export function escapeUnsafe(text: string): string {
  return text.replace(UNSAFE, escapeChar);
}

/** `text` with every unsafe character escaped except line breaks and tabs, which lay a message out. */
export function escapeUnsafeKeepingLayout(text: string): string {
  return text.replace(UNSAFE_IN_MESSAGE, escapeChar);
}

/**
 * `text` with every unsafe character replaced by U+FFFD, one for one: for displays that must keep
 * columns aligned (a caret under a position of the text).
 */
export function maskUnsafe(text: string): string {
  return text.replace(UNSAFE, "\ufffd");
}

/** Longest unbroken run of non-blank characters a message keeps (no word of ours is this long). */
const MAX_MESSAGE_TOKEN = 256;
/** Longest message kept; the rest is cut with `…(N more)`. */
const MAX_MESSAGE = 4_000;
const LONG_TOKEN = new RegExp(`\\S{${MAX_MESSAGE_TOKEN + 1},}`, "g");

/**
 * A whole message made safe for a terminal, keeping its line breaks and tabs: unsafe characters
 * escaped, any word longer than 256 characters and the message beyond 4,000 characters cut. The
 * safety net behind the sites that {@link echo} what they quote.
 */
export function escapeUnsafeInMessage(text: string): string {
  const escaped = escapeUnsafeKeepingLayout(text);
  const short = escaped.length > MAX_MESSAGE_TOKEN ? escaped.replace(LONG_TOKEN, (token) => echo(token, MAX_MESSAGE_TOKEN)) : escaped;
  if (short.length <= MAX_MESSAGE) return short;
  // Never cut between the halves of a surrogate pair.
  const cut = /[\udc00-\udfff]/.test(short[MAX_MESSAGE]!) ? MAX_MESSAGE - 1 : MAX_MESSAGE;
  return `${short.slice(0, cut)}…(${short.length - cut} more)`;
}

/**
 * User input as a message shows it: at most `limit` characters (code points, so a pair is never
 * split), then `…(N more)`, with unsafe characters escaped. Short, plain text is returned as is.
 */
export function echo(value: string, limit = ECHO_LIMIT): string {
  if (value.length <= limit) return escapeUnsafe(value);
  let end = 0;
  let shown = 0;
  while (end < value.length && shown < limit) {
    const code = value.charCodeAt(end);
    end += code >= 0xd800 && code <= 0xdbff && end + 1 < value.length ? 2 : 1;
    shown++;
  }
  if (end >= value.length) return escapeUnsafe(value);
  const rest = countCodePoints(value, end);
  return `${escapeUnsafe(value.slice(0, end))}…(${rest} more)`;
}

function countCodePoints(text: string, from: number): number {
  let count = 0;
  for (let i = from; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    count++;
  }
  return count;
}
