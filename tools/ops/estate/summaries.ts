import type { EstateClock, MetricSeriesRecord } from "./model.js";
import { DAY_MS, FIVE_MINUTES_MS, HOUR_MS } from "./model.js";

/**
 * Per-series statistics for the relative windows (1h … 30d), materialised at load time the way a
 * monitoring store keeps recording rules: "top hosts by CPU over the last day" becomes an index
 * lookup instead of unnesting a million samples. They are computed exactly as ci_metric's SQL
 * computes an explicit window (same slices, same formulas), so both paths return the same numbers.
 */

/** The relative windows whose statistics are materialised. */
export const SUMMARY_WINDOWS = { "1h": HOUR_MS, "6h": 6 * HOUR_MS, "24h": DAY_MS, "7d": 7 * DAY_MS, "30d": 30 * DAY_MS } as const;

/** Statistics of one series over one relative window. */
export interface WindowStats {
  ci_id: string;
  metric: string;
  window: keyof typeof SUMMARY_WINDOWS;
  avg: number;
  max: number;
  min: number;
  p95: number;
  samples: number;
}

/** PostgreSQL's percentile_cont: linear interpolation between the two nearest ranks. */
export function percentileCont(sorted: ArrayLike<number>, fraction: number): number {
  const pos = fraction * (sorted.length - 1);
  const lower = Math.floor(pos);
  const upper = Math.ceil(pos);
  const a = sorted[lower]!;
  const b = sorted[upper]!;
  return lower === upper ? a : a + (pos - lower) * (b - a);
}

/** Statistics of every series over every relative window. */
export function computeWindowStats(clock: EstateClock, series: readonly MetricSeriesRecord[]): WindowStats[] {
  const out: WindowStats[] = [];
  for (const s of series) {
    for (const [window, span] of Object.entries(SUMMARY_WINDOWS) as Array<[keyof typeof SUMMARY_WINDOWS, number]>) {
      const from = clock.now - span;
      const detail = from >= clock.recentStart;
      const values = detail ? s.recent_5m : s.hourly_avg;
      const maxima = detail ? s.recent_5m : s.hourly_max;
      const start = detail ? clock.recentStart : clock.hourlyStart;
      const step = detail ? FIVE_MINUTES_MS : HOUR_MS;
      const first = Math.max(0, Math.ceil((from - start) / step));
      const last = Math.min(values.length - 1, Math.ceil((clock.now - start) / step) - 1);
      if (first > last) continue;
      let sum = 0;
      let max = -Infinity;
      let min = Infinity;
      for (let i = first; i <= last; i++) {
        const v = values[i]!;
        sum += v;
        if (v < min) min = v;
        if (maxima[i]! > max) max = maxima[i]!;
      }
      const sorted = Float64Array.from(values.subarray(first, last + 1)).sort();
      out.push({ ci_id: s.ci_id, metric: s.metric, window, avg: sum / (last - first + 1), max, min, p95: percentileCont(sorted, 0.95), samples: last - first + 1 });
    }
  }
  return out;
}
