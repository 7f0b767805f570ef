import { escapeUnsafeKeepingLayout } from "../model/echo.js";

/**
 * Safe text for a terminal or a log: messages echo plan content, which comes from a model or a
 * stranger. Control characters could move the cursor or rewrite the line, and bidi overrides
 * (U+202E…) could make a message read differently from what it says. Every control and bidi
 * character becomes a visible `\u{…}` escape (the rule of src/model/echo.ts); newlines and tabs stay.
 */
export const escapeForTerminal = escapeUnsafeKeepingLayout;

/**
 * At most `max` characters, cut at a word boundary when one is near (never mid-word unless a
 * single word is longer than the room), saying how much was left out.
 */
export function truncateWords(text: string, max: number): string {
  if (text.length <= max) return text;
  const room = text.slice(0, max + 1);
  const space = room.lastIndexOf(" ");
  const cut = space >= max * 0.6 ? space : max;
  return `${text.slice(0, cut).trimEnd()} … (${text.length - cut} more characters)`;
}

/** One line of a message, safe and bounded: what the CLI writes for anything a plan could contain. */
export function safeLine(text: string, max = 2_000): string {
  return escapeForTerminal(truncateWords(text, max));
}
