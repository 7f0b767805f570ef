import { createHash } from "node:crypto";
import { buildApplicationLayer } from "./applications.js";
import { EstateBuilder } from "./builder.js";
import { generateEvents } from "./events.js";
import { buildInfrastructure } from "./infrastructure.js";
import { generateMetrics } from "./metrics.js";
import { ESTATE_VERSION, estateClock, type Estate, type EstateClock, type TenantEstate } from "./model.js";
import { createRng } from "./random.js";
import { ESTATE_TENANTS, tenantScale, tenantSeed } from "./tenants.js";

/** What decides an estate: same options, same estate. */
export interface GenerateEstateOptions {
  /** Same seed, same estate, byte for byte. Default 1. */
  seed?: number;
  /** 1 is the default estate (~5,000 CIs); tests use 0.1. Between 0.05 and 4. */
  scale?: number;
}

/** The seed of the default estate (the data directory is named after it). */
export const DEFAULT_SEED = 1;
/** Scale 1: the default tenant has ~5,500 CIs and ~21,000 relationships; the other tenants are smaller (see tenants.ts). */
export const DEFAULT_SCALE = 1;

/** Generates the sample estate in memory, every tenant of it. Deterministic from `seed` and `scale`. */
export function generateEstate(options: GenerateEstateOptions = {}): Estate {
  const seed = options.seed ?? DEFAULT_SEED;
  const scale = options.scale ?? DEFAULT_SCALE;
  if (!Number.isInteger(seed) || seed < 0 || seed > 2 ** 31) throw new RangeError(`seed must be an integer in [0, 2^31], got ${seed}`);
  if (!(scale >= 0.05 && scale <= 4)) throw new RangeError(`scale must be between 0.05 and 4, got ${scale}`);
  const clock = estateClock();
  const tenants = ESTATE_TENANTS.map((spec) => generateTenant(spec.tenant, tenantSeed(seed, spec.tenant), tenantScale(scale, spec), clock));
  return { version: ESTATE_VERSION, seed, scale, clock, tenants };
}

/** One tenant's estate, from its own seed and scale. */
function generateTenant(tenant: string, seed: number, scale: number, clock: EstateClock): TenantEstate {
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
  return { tenant, seed, scale, clock, cis: b.cis, relationships: b.relationships, series, events };
}

/** Row counts of a tenant or of a whole estate. */
export type EstateCounts = Record<"cis" | "relationships" | "metric_series" | "events", number>;

/** Row counts of one tenant's part. */
export function tenantCounts(t: TenantEstate): EstateCounts {
  return { cis: t.cis.length, relationships: t.relationships.length, metric_series: t.series.length, events: t.events.length };
}

/** Row counts of a whole estate (every tenant), as stored in its metadata. */
export function estateCounts(estate: Estate): EstateCounts {
  const total: EstateCounts = { cis: 0, relationships: 0, metric_series: 0, events: 0 };
  for (const t of estate.tenants) for (const [k, n] of Object.entries(tenantCounts(t)) as Array<[keyof EstateCounts, number]>) total[k] += n;
  return total;
}

/** The part of `estate` that belongs to `tenant`; a tenant the estate does not hold is an error. */
export function tenantEstate(estate: Estate, tenant: string): TenantEstate {
  const found = estate.tenants.find((t) => t.tenant === tenant);
  if (!found) throw new RangeError(`the estate holds no tenant ${JSON.stringify(tenant)} (it holds ${estate.tenants.map((t) => t.tenant).join(", ")})`);
  return found;
}

/** A SHA-256 over every generated value: equal digests, equal estates. */
export function estateDigest(estate: Estate): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ version: estate.version, seed: estate.seed, scale: estate.scale, clock: estate.clock }));
  for (const t of estate.tenants) {
    hash.update(`tenant ${t.tenant} ${t.seed} ${t.scale}\n`);
    for (const ci of t.cis) hash.update(JSON.stringify(ci));
    for (const r of t.relationships) hash.update(`${r.source_id}|${r.relation}|${r.target_id}\n`);
    for (const e of t.events) hash.update(JSON.stringify(e));
    for (const s of t.series) {
      hash.update(`${s.ci_id}|${s.metric}`);
      hash.update(new Uint8Array(s.hourly_avg.buffer));
      hash.update(new Uint8Array(s.hourly_max.buffer));
      hash.update(new Uint8Array(s.recent_5m.buffer));
    }
  }
  return hash.digest("hex");
}
