import { createHash } from "node:crypto";
import { buildApplicationLayer } from "./applications.js";
import { EstateBuilder } from "./builder.js";
import { generateEvents } from "./events.js";
import { buildInfrastructure } from "./infrastructure.js";
import { generateMetrics } from "./metrics.js";
import { ESTATE_VERSION, estateClock, type Estate } from "./model.js";
import { createRng } from "./random.js";

/** What decides an estate: same options, same estate. */
export interface GenerateEstateOptions {
  /** Same seed, same estate, byte for byte. Default 1. */
  seed?: number;
  /** 1 is the default estate (~5,000 CIs); tests use 0.1. Between 0.05 and 4. */
  scale?: number;
}

/** The seed of the default estate (the data directory is named after it). */
export const DEFAULT_SEED = 1;
/** Scale 1: ~5,500 CIs, ~21,000 relationships. */
export const DEFAULT_SCALE = 1;

/** Generates the sample estate in memory. Deterministic from `seed` and `scale`. */
export function generateEstate(options: GenerateEstateOptions = {}): Estate {
  const seed = options.seed ?? DEFAULT_SEED;
  const scale = options.scale ?? DEFAULT_SCALE;
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31) throw new RangeError(`seed must be an integer in [0, 2^31], got ${seed}`);
  if (!(scale >= 0.05 && scale <= 4)) throw new RangeError(`scale must be between 0.05 and 4, got ${scale}`);
  const clock = estateClock();

  const b = new EstateBuilder(createRng(seed, "topology"), clock);
  const apps = buildApplicationLayer(b, scale);
  const infra = buildInfrastructure(b, apps);

  // A few hypervisors under the services that use db-prod-01 run hot: the flagship question has an answer.
  const hot = new Set<string>([apps.flagship.ci_id]);
  const flagshipHost = infra.hostOf.get(apps.flagship.ci_id);
  if (flagshipHost) hot.add(flagshipHost.ci_id);
  const users = b.relationships.filter((r) => r.relation === "connects_to" && r.target_id === apps.flagship.ci_id).map((r) => r.source_id);
  const candidateHosts: string[] = [];
  for (const app of users) {
    for (const vm of infra.vmsOf.get(app) ?? []) {
      const host = infra.hostOf.get(vm.ci_id);
      if (host && !candidateHosts.includes(host.ci_id)) candidateHosts.push(host.ci_id);
    }
  }
  const pickHot = createRng(seed, "hot");
  const hotHosts = pickHot.sample(candidateHosts, 3);
  for (const id of hotHosts) {
    hot.add(id);
    const host = b.get(id)!;
    host.status = "operational";
  }
  if (hotHosts[0]) b.get(hotHosts[0])!.status = "degraded";
  b.get(apps.flagship.ci_id)!.status = "degraded";

  const events = generateEvents(createRng(seed, "events"), clock, b.cis, hot);
  const series = generateMetrics(createRng(seed, "metrics"), clock, b.cis, events, hot);
  return { version: ESTATE_VERSION, seed, scale, clock, cis: b.cis, relationships: b.relationships, series, events };
}

/** Row counts of an estate, as stored in its metadata. */
export function estateCounts(estate: Estate): Record<"cis" | "relationships" | "metric_series" | "events", number> {
  return { cis: estate.cis.length, relationships: estate.relationships.length, metric_series: estate.series.length, events: estate.events.length };
}

/** A SHA-256 over every generated value: equal digests, equal estates. */
export function estateDigest(estate: Estate): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ version: estate.version, seed: estate.seed, scale: estate.scale, clock: estate.clock }));
  for (const ci of estate.cis) hash.update(JSON.stringify(ci));
  for (const r of estate.relationships) hash.update(`${r.source_id}|${r.relation}|${r.target_id}\n`);
  for (const e of estate.events) hash.update(JSON.stringify(e));
  for (const s of estate.series) {
    hash.update(`${s.ci_id}|${s.metric}`);
    hash.update(new Uint8Array(s.hourly_avg.buffer));
    hash.update(new Uint8Array(s.hourly_max.buffer));
    hash.update(new Uint8Array(s.recent_5m.buffer));
  }
  return hash.digest("hex");
}
