import type { ProgressListener } from "./estate/load.js";

/**
 * The ops pack's one warm-up: open the estate database, building the embedded estate on a first
 * run, before the run's clock starts (src/tools/warm-up.ts runs it). Without it a first run on an
 * empty data directory spends ~10–30 s of its first step's time budget building the estate, and a
 * step with `timeout_ms: 3000` fails (issue 12, finding 11).
 */

/** Progress of a warm-up when the caller gave no listener: a build of tens of seconds is never silent. */
export const stderrProgress: ProgressListener = (message) => {
  process.stderr.write(`plangraph: ${message}\n`);
};

/** A warm-up that opens the database through `open`; abortable while it waits (the open itself goes on, shared). */
export function estateWarmUp(open: () => Promise<unknown>): (signal?: AbortSignal) => Promise<void> {
  return async (signal) => {
    signal?.throwIfAborted();
    const opening = open();
    if (!signal) {
      await opening;
      return;
    }
    let onAbort: (() => void) | undefined;
    const aborted = new Promise<never>((_, reject) => {
      onAbort = () => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
    });
    try {
      await Promise.race([opening, aborted]);
    } finally {
      signal.removeEventListener("abort", onAbort!);
      // When the abort won the race nobody awaits this open any more. If it fails, nothing is lost:
      // failed opens are not cached, so the tool's own call opens again and reports its error.
      opening.catch(() => undefined);
    }
  };
}
