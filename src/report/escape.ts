/**
 * Text-safety for the report. Every string that comes from a plan or a run (ids, tool names,
 * outputs, error messages, model reasons) is untrusted and reaches the page only through these
 * functions, so it always renders as text and never as markup.
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Escapes text for HTML/SVG element content and for quoted attribute values alike. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);
}

/**
 * A value safe to use in an `id`/`href="#…"`: ids allowed by the plan format (docs/PLAN-FORMAT.md) pass unchanged, any
 * other character is hex-encoded so two different ids never collide and nothing needs quoting.
 */
export function domId(prefix: string, id: string): string {
  return prefix + id.replace(/[^A-Za-z0-9_-]/g, (ch) => `.${ch.codePointAt(0)!.toString(16)}.`);
}

/** Shortens text to `max` characters with an ellipsis (by code points, never splitting a pair). */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, Math.max(1, max - 1)).join("")}…`;
}

/** Milliseconds for people: `0 ms`, `182 ms`, `1.46 s`, `2 min 5 s`. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return "–";
  const abs = Math.abs(ms);
  if (abs < 1) return ms === 0 ? "0 ms" : `${ms.toFixed(2)} ms`;
  if (abs < 1000) return `${Math.round(ms)} ms`;
  if (abs < 60_000) return `${trimZeros((ms / 1000).toFixed(abs < 10_000 ? 2 : 1))} s`;
  const min = Math.floor(abs / 60_000);
  const sec = Math.round((abs % 60_000) / 1000);
  return `${ms < 0 ? "-" : ""}${min} min${sec ? ` ${sec} s` : ""}`;
}

function trimZeros(fixed: string): string {
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/** Bytes for people: `812 B`, `20 KB`, `1.4 MB`. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${trimZeros((n / 1024).toFixed(n < 10 * 1024 ? 1 : 0))} KB`;
  return `${trimZeros((n / (1024 * 1024)).toFixed(1))} MB`;
}
