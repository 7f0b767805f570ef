import { z } from "zod";
import type { EstateMeta } from "../estate/load.js";
import { DAY_MS, HOUR_MS } from "../estate/model.js";

/**
 * Time windows. Relative windows (`24h`) count back from the estate's stored "now", so results are
 * the same on every run; explicit `from`/`to` are ISO-8601 instants. No window is longer than the
 * 30 days of history the estate keeps.
 */

/** Relative windows and their lengths. */
export const RELATIVE_WINDOWS = { "1h": HOUR_MS, "6h": 6 * HOUR_MS, "24h": DAY_MS, "7d": 7 * DAY_MS, "30d": 30 * DAY_MS } as const;
/** A relative window name: `1h` … `30d`. */
export type RelativeWindow = keyof typeof RELATIVE_WINDOWS;
export const RelativeWindow = z.enum(Object.keys(RELATIVE_WINDOWS) as [RelativeWindow, ...RelativeWindow[]]);
/** No window is longer than the history the estate keeps. */
export const MAX_WINDOW_MS = 30 * DAY_MS;

/** The window fields of a tool input, `defaultWindow` when none is given. */
export function windowShape(defaultWindow: RelativeWindow) {
  return {
    window: RelativeWindow.optional().describe(`Relative to the estate's "now": 1h, 6h, 24h, 7d or 30d (default ${defaultWindow})`),
    from: z.iso.datetime({ offset: true }).optional().describe("Window start, ISO-8601 (instead of window)"),
    to: z.iso.datetime({ offset: true }).optional().describe("Window end, ISO-8601 (default: the estate's now)"),
  };
}

interface WindowInput {
  window?: RelativeWindow | undefined;
  from?: string | undefined;
  to?: string | undefined;
}

/** Cross-field rules of a window, reported on the field to fix. */
export function checkWindow(input: WindowInput, ctx: z.RefinementCtx): void {
  if (input.window !== undefined && (input.from !== undefined || input.to !== undefined)) {
    ctx.addIssue({ code: "custom", path: ["window"], message: "give either window or from/to, not both" });
    return;
  }
  if (input.from !== undefined && input.to !== undefined) {
    const from = Date.parse(input.from);
    const to = Date.parse(input.to);
    if (!(to > from)) ctx.addIssue({ code: "custom", path: ["to"], message: "to must be after from" });
    else if (to - from > MAX_WINDOW_MS) ctx.addIssue({ code: "custom", path: ["from"], message: "the window is longer than 30 days" });
  }
}

/** A window as epoch milliseconds, [from, to). */
export interface ResolvedWindow {
  from: number;
  to: number;
}

/** The window an input means, relative windows counted from the estate's now. */
export function resolveWindow(input: WindowInput, meta: EstateMeta, defaultWindow: RelativeWindow): ResolvedWindow {
  if (input.from === undefined && input.to === undefined) {
    const span = RELATIVE_WINDOWS[input.window ?? defaultWindow];
    return { from: meta.now - span, to: meta.now };
  }
  const to = input.to !== undefined ? Date.parse(input.to) : meta.now;
  const from = input.from !== undefined ? Date.parse(input.from) : to - RELATIVE_WINDOWS[defaultWindow];
  // Only `from` given, far in the past: the window would exceed 30 days; cap it rather than fail.
  return { from: Math.max(from, to - MAX_WINDOW_MS), to };
}

/** ISO-8601 UTC without milliseconds. */
export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(".000Z", "Z");
}
