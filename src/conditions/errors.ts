import { echo } from "../model/echo.js";
import { maskUnsafe } from "../model/echo.js";
import { PlangraphError, type ErrorCode } from "../model/errors.js";
import type { ConditionContext } from "./syntax.js";

/** How much of a long condition is shown around the caret. */
const WINDOW = 72;

/**
 * An error about one position of a condition: `headline`, the 1-based column, `tail`, then the
 * condition with a caret under that column, e.g.
 *
 *     decision 'has_hits' ($.decisions[0].condition): syntax error at column 11: expected a value after '&&'
 *       {a.x} > 0 &&
 *                   ^
 */
export function conditionError(
  code: ErrorCode,
  context: Pick<ConditionContext, "path" | "owner">,
  text: string,
  offset: number,
  headline: string,
  tail = "",
): PlangraphError {
  return new PlangraphError(code, `${where(context)}: ${headline} at column ${offset + 1}${tail}\n${caretDisplay(text, offset)}`, {
    path: context.path,
    step: context.owner,
  });
}

/** An error about the condition as a whole (too long, empty), without a position. */
export function wholeConditionError(code: ErrorCode, context: Pick<ConditionContext, "path" | "owner">, message: string): PlangraphError {
  return new PlangraphError(code, `${where(context)}: ${message}`, { path: context.path, step: context.owner });
}

function where(context: Pick<ConditionContext, "path" | "owner">): string {
  return context.owner === undefined ? `condition ${context.path}` : `decision '${echo(context.owner)}' (${context.path})`;
}

/**
 * Two lines: the text (a window of it when long) and a caret under `offset`. Line breaks and tabs
 * are shown as spaces so the caret stays aligned.
 */
export function caretDisplay(text: string, offset: number): string {
  // One column per character, none of them a terminal control: controls, bidi overrides and lone
  // surrogates show as U+FFFD so the caret stays under the character it points at.
  const flat = maskUnsafe(text.replace(/[\t\n\r\v\f]/g, " "));
  let start = 0;
  let end = flat.length;
  if (flat.length > WINDOW) {
    start = Math.max(0, Math.min(offset - Math.floor(WINDOW / 2), flat.length - WINDOW));
    end = Math.min(flat.length, start + WINDOW);
  }
  const prefix = start > 0 ? "…" : "";
  const suffix = end < flat.length ? "…" : "";
  const shown = `${prefix}${flat.slice(start, end)}${suffix}`;
  const caretColumn = prefix.length + Math.max(0, Math.min(offset, flat.length) - start);
  return `  ${shown}\n  ${" ".repeat(caretColumn)}^`;
}
