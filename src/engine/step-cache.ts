import { createHash } from "node:crypto";

/** A cached tool output and when it stops being fresh. */
export interface CacheEntry {
  output: unknown;
  expiresAt: number;
}

/** Where step results are cached, keyed by tool + resolved input. Swap in a shared store for a fleet. */
export interface StepCache {
  get(key: string, now: number): CacheEntry | undefined;
  set(key: string, entry: CacheEntry): void;
}

/** A bounded in-process cache: oldest entries are dropped first once `capacity` is reached. */
export class MemoryStepCache implements StepCache {
  private readonly entries = new Map<string, CacheEntry>();
  constructor(private readonly capacity = 1_000) {}

  get(key: string, now: number): CacheEntry | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, entry: CacheEntry): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
    while (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }
}

/** The cache key of a call: the tool's name and its input in canonical JSON (sorted keys). */
export function cacheKey(tool: string, input: unknown): string {
  return createHash("sha256").update(tool).update("\0").update(canonicalJson(input)).digest("hex");
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** Default time-to-live when a step says `"cache": true`. */
export const DEFAULT_CACHE_TTL_MS = 5 * 60_000;

/** The process-wide default cache, shared by runs that opt in. */
export const defaultStepCache = new MemoryStepCache();
