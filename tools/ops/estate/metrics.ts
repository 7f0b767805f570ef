import { METRIC_DEFINITIONS, METRIC_NAMES, type MetricName } from "../vocabulary.js";
import type { CiRecord, EstateClock, EventRecord, MetricSeriesRecord } from "./model.js";
import { FIVE_MINUTES_MS, HOUR_MS } from "./model.js";
import type { Rng } from "./random.js";

/**
 * Metric history for hosts, VMs and databases: a per-CI level, a daily rhythm in the CI's local
 * time, quieter weekends, noise, slow disk growth, and spikes while the CI has an incident or an
 * alert. The last day is generated at 5-minute detail and its hourly rollups are computed from it,
 * so both resolutions agree.
 */

const UTC_OFFSET_HOURS: Record<string, number> = { fra1: 2, iad1: -4, sin1: 8 };

interface Profile {
  base: number;
  amplitude: number;
  noise: number;
  trendPerDay: number;
  spike: (v: number) => number;
  min: number;
  max: number;
}

function profileFor(rng: Rng, ci: CiRecord, metric: MetricName, hot: boolean): Profile {
  const quiet = ci.environment === "prod" ? 1 : 0.5;
  const pct = { min: 0.5, max: 100, trendPerDay: 0 };
  switch (metric) {
    case "cpu_pct": {
      const base = hot ? rng.range(66, 76) : ci.type === "host" ? rng.range(22, 55) : ci.type === "vm" ? rng.range(6, 50) : rng.range(12, 45);
      return { ...pct, base: base * (hot ? 1 : quiet), amplitude: rng.range(8, 22) * quiet, noise: rng.range(1.5, 5), spike: (v) => v + 25 };
    }
    case "mem_pct":
      return { ...pct, base: rng.range(35, 82), amplitude: rng.range(2, 8) * quiet, noise: rng.range(0.5, 2), spike: (v) => v + 12 };
    case "disk_pct":
      return { ...pct, base: rng.range(18, 70), amplitude: 0.5, noise: 0.3, trendPerDay: rng.range(0, 0.6), spike: (v) => v + 3 };
    case "latency_ms": {
      const base = hot ? rng.range(22, 32) : rng.range(1.5, 14);
      const factor = rng.range(2.5, 4.5);
      return { base, amplitude: base * 0.6, noise: base * 0.12, trendPerDay: 0, spike: (v) => v * factor, min: 0.3, max: 3000 };
    }
    case "connections": {
      const base = hot ? rng.range(560, 640) : rng.range(20, 300) * quiet;
      return { base, amplitude: base * 0.35, noise: base * 0.05, trendPerDay: 0, spike: (v) => v * 1.35, min: 0, max: 800 };
    }
  }
}

/** 0 at 04:00 local time, 1 at 16:00, times 0.75 at weekends. */
function rhythm(t: number, location: string): number {
  const localHours = t / HOUR_MS + (UTC_OFFSET_HOURS[location] ?? 0);
  const hour = ((localHours % 24) + 24) % 24;
  const day = (Math.floor(localHours / 24) + 4) % 7; // 1970-01-01 was a Thursday (day 4)
  const daily = 0.5 - 0.5 * Math.cos((2 * Math.PI * (hour - 4)) / 24);
  return daily * (day === 0 || day === 6 ? 0.75 : 1);
}

/** The rhythm at every slot of a resolution, per location: computed once, not per series. */
function rhythmTable(start: number, step: number, slots: number, location: string): Float64Array {
  const table = new Float64Array(slots);
  for (let i = 0; i < slots; i++) table[i] = rhythm(start + (i + 0.5) * step, location);
  return table;
}

const round2 = (v: number) => Math.round(v * 100) / 100;
/** (u1 + u2 − 1) has standard deviation 1/√6: scale it to 1. */
const TRIANGULAR_SD = Math.sqrt(6);

/** One series per CI and applicable metric (retired CIs report nothing). */
export function generateMetrics(
  rng: Rng,
  clock: EstateClock,
  cis: readonly CiRecord[],
  events: readonly EventRecord[],
  hot: ReadonlySet<string>,
): MetricSeriesRecord[] {
  const troubles = new Map<string, Array<[number, number]>>();
  for (const e of events) {
    if (e.kind === "change") continue;
    const list = troubles.get(e.ci_id) ?? [];
    list.push([e.started_at, e.ended_at ?? clock.now]);
    troubles.set(e.ci_id, list);
  }

  const tables = new Map<string, { hourly: Float64Array; recent: Float64Array }>();
  const tablesFor = (location: string) => {
    let t = tables.get(location);
    if (!t) {
      t = {
        hourly: rhythmTable(clock.hourlyStart, HOUR_MS, clock.hourlySlots, location),
        recent: rhythmTable(clock.recentStart, FIVE_MINUTES_MS, clock.recentSlots, location),
      };
      tables.set(location, t);
    }
    return t;
  };

  const next = rng.next;
  const series: MetricSeriesRecord[] = [];
  for (const ci of cis) {
    if (ci.status === "retired") continue;
    for (const metric of METRIC_NAMES) {
      if (!(METRIC_DEFINITIONS[metric].appliesTo as readonly string[]).includes(ci.type)) continue;
      const p = profileFor(rng, ci, metric, hot.has(ci.ci_id));
      const spans = troubles.get(ci.ci_id) ?? [];
      const { hourly: hourlyRhythm, recent: recentRhythm } = tablesFor(ci.location);
      const trendPerHour = p.trendPerDay / 24;
      const offsetHours = (clock.recentStart - clock.hourlyStart) / HOUR_MS;
      // The hot loop of the build (millions of values): plain arithmetic, no allocation.
      const { base, amplitude, noise, min: floor, max: ceiling } = p;
      const hasSpans = spans.length > 0;
      const value = (t: number, hours: number, r: number, noiseScale: number): number => {
        let v = base + trendPerHour * hours + amplitude * (r - 0.4) + noise * noiseScale * (next() + next() - 1) * TRIANGULAR_SD;
        if (hasSpans && spans.some(([from, to]) => t >= from && t < to)) v = p.spike(v);
        return v < floor ? floor : v > ceiling ? ceiling : v;
      };

      const recent = new Float32Array(clock.recentSlots);
      for (let j = 0; j < clock.recentSlots; j++) {
        const t = clock.recentStart + (j + 0.5) * FIVE_MINUTES_MS;
        recent[j] = round2(value(t, offsetHours + (j + 0.5) / 12, recentRhythm[j]!, 1));
      }

      const avg = new Float32Array(clock.hourlySlots);
      const max = new Float32Array(clock.hourlySlots);
      for (let i = 0; i < clock.hourlySlots; i++) {
        if (i >= offsetHours) {
          const first = (i - offsetHours) * 12;
          let sum = 0;
          let top = -Infinity;
          for (let k = 0; k < 12; k++) {
            const v = recent[first + k]!;
            sum += v;
            if (v > top) top = v;
          }
          avg[i] = round2(sum / 12);
          max[i] = top;
        } else {
          const a = value(clock.hourlyStart + (i + 0.5) * HOUR_MS, i + 0.5, hourlyRhythm[i]!, 0.5);
          avg[i] = round2(a);
          const m = a + (Math.abs(next() + next() - 1) * 2 + 1) * noise;
          max[i] = round2(m > ceiling ? ceiling : m);
        }
      }
      series.push({ ci_id: ci.ci_id, metric, hourly_avg: avg, hourly_max: max, recent_5m: recent });
    }
  }
  return series;
}
