import { escapeHtml, formatBytes } from "./escape.js";

/**
 * Pretty-printed, highlighted and size-capped JSON for the results section. Outputs are
 * untrusted and may be huge: every token is escaped, and only the first `maxChars` characters of
 * the pretty form are shown, with a note saying how much was left out.
 */

export interface JsonView {
  /** HTML for the inside of a `<pre>`: escaped text with highlight spans. */
  html: string;
  /** Size of the full pretty-printed JSON, in UTF-16 code units (≈ bytes for ASCII). */
  fullChars: number;
  /** True when the text was cut to `maxChars`. */
  truncated: boolean;
}

/** JSON.stringify that never throws: cycles, BigInts and functions become readable markers. */
export function prettyJson(value: unknown): string {
  if (value === undefined) return "undefined";
  const seen = new WeakSet<object>();
  try {
    const text = JSON.stringify(
      value,
      (_key, v: unknown) => {
        if (typeof v === "bigint") return `${v.toString()}n`;
        if (typeof v === "function") return "[function]";
        if (typeof v === "symbol") return v.toString();
        if (v !== null && typeof v === "object") {
          if (seen.has(v)) return "[circular]";
          seen.add(v);
        }
        return v;
      },
      2,
    );
    return text ?? String(value);
  } catch (err) {
    return `[unserializable output: ${err instanceof Error ? err.message : String(err)}]`;
  }
}

// strings (optionally followed by a colon: a key), literals, numbers. Anything else is punctuation.
const TOKEN = /("(?:[^"\\\n]|\\.)*")(\s*:)?|\b(?:true|false|null)\b|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

/** Wraps JSON tokens in `<span class="j-…">`, escaping every piece of text. */
export function highlightJson(text: string): string {
  let out = "";
  let last = 0;
  for (const m of text.matchAll(TOKEN)) {
    const at = m.index;
    if (at > last) out += escapeHtml(text.slice(last, at));
    const [whole, str, colon] = m;
    if (str !== undefined) {
      out += `<span class="${colon === undefined ? "j-str" : "j-key"}">${escapeHtml(str)}</span>`;
      if (colon !== undefined) out += escapeHtml(colon);
    } else if (whole === "true" || whole === "false" || whole === "null") {
      out += `<span class="j-lit">${whole}</span>`;
    } else {
      out += `<span class="j-num">${escapeHtml(whole)}</span>`;
    }
    last = at + whole.length;
  }
  if (last < text.length) out += escapeHtml(text.slice(last));
  return out;
}

/** The JSON view of `value`, cut to `maxChars` characters of its pretty form. */
export function jsonView(value: unknown, maxChars: number): JsonView {
  const full = prettyJson(value);
  const truncated = full.length > maxChars;
  let shown = truncated ? full.slice(0, Math.max(0, maxChars)) : full;
  // never leave half a surrogate pair at the cut
  if (truncated && /[\uD800-\uDBFF]$/.test(shown)) shown = shown.slice(0, -1);
  return { html: highlightJson(shown), fullChars: full.length, truncated };
}

/** The note under a cut output: "Showing the first 20 KB of 1.4 MB." */
export function truncationNote(view: JsonView, maxChars: number): string {
  return `Showing the first ${formatBytes(maxChars)} of ${formatBytes(view.fullChars)}.`;
}
