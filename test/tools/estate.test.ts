import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { estateCounts, estateDigest, generateEstate, tenantCounts, tenantEstate } from "../../tools/ops/estate/generate.js";
import { DAY_MS, type TenantEstate as Estate } from "../../tools/ops/estate/model.js";
import { ESTATE_TENANTS } from "../../tools/ops/estate/tenants.js";
import { computeWindowStats, percentileCont } from "../../tools/ops/estate/summaries.js";
import { CI_TYPES, METRIC_DEFINITIONS, RELATION_TYPES } from "../../tools/ops/vocabulary.js";
import { TEST_SCALE, TEST_SEED, testEstate, testFullEstate } from "./harness.js";

function countBy<T>(items: readonly T[], key: (t: T) => string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const item of items) out[key(item)] = (out[key(item)] ?? 0) + 1;
  return out;
}

/** Strongly connected: a directed cycle through `a` exists when `a` reaches itself. */
function hasCycleThrough(estate: Estate, start: string, relations: readonly string[]): boolean {
  const out = new Map<string, string[]>();
  for (const r of estate.relationships) {
    if (!relations.includes(r.relation)) continue;
    out.set(r.source_id, [...(out.get(r.source_id) ?? []), r.target_id]);
  }
  const seen = new Set<string>();
  const stack = [...(out.get(start) ?? [])];
  while (stack.length) {
    const id = stack.pop()!;
    if (id === start) return true;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(out.get(id) ?? []));
  }
  return false;
}

describe("the sample estate generator", () => {
  it("produces the same estate, byte for byte, from the same seed", () => {
    const a = generateEstate({ seed: TEST_SEED, scale: TEST_SCALE });
    expect(estateDigest(a)).toBe(estateDigest(testFullEstate()));
    expect(tenantEstate(a, "acme").cis.slice(0, 20)).toEqual(testEstate().cis.slice(0, 20));
  });

  it("produces a different estate from a different seed", () => {
    const b = generateEstate({ seed: TEST_SEED + 1, scale: TEST_SCALE });
    expect(estateDigest(b)).not.toBe(estateDigest(testFullEstate()));
  });

  it("rejects a seed or scale out of range", () => {
    expect(() => generateEstate({ seed: -1 })).toThrow(/seed/);
    expect(() => generateEstate({ scale: 10 })).toThrow(/scale/);
  });

  it("has every CI type, unique ids, and relationships between existing CIs only", () => {
    const e = testEstate();
    expect(Object.keys(countBy(e.cis, (c) => c.type)).sort()).toEqual([...CI_TYPES].sort());
    const ids = new Set(e.cis.map((c) => c.ci_id));
    expect(ids.size).toBe(e.cis.length);
    for (const r of e.relationships) {
      expect(ids.has(r.source_id), r.source_id).toBe(true);
      expect(ids.has(r.target_id), r.target_id).toBe(true);
      expect(RELATION_TYPES).toContain(r.relation);
    }
    const keys = new Set(e.relationships.map((r) => `${r.source_id}|${r.relation}|${r.target_id}`));
    expect(keys.size).toBe(e.relationships.length);
  });

  it("uses short readable ids: db-prod-01, svc-checkout, host-prod-0001", () => {
    const ids = new Set(testEstate().cis.map((c) => c.ci_id));
    for (const id of ["db-prod-01", "svc-checkout", "svc-orders", "host-prod-0001", "app-orders-api"]) expect(ids.has(id), id).toBe(true);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)+$/);
  });

  it("makes db-prod-01 a shared database that many services depend on through their apps", () => {
    const e = testEstate();
    const apps = e.relationships.filter((r) => r.target_id === "db-prod-01" && r.relation === "connects_to").map((r) => r.source_id);
    expect(apps.length).toBeGreaterThanOrEqual(8);
    const services = new Set(e.relationships.filter((r) => r.relation === "composed_of" && apps.includes(r.target_id)).map((r) => r.source_id));
    expect(services.size).toBeGreaterThanOrEqual(4);
  });

  it("has a few cycles in the data (mutual service calls, router peerings) and a layered topology", () => {
    const e = testEstate();
    expect(hasCycleThrough(e, "svc-checkout", ["calls"])).toBe(true);
    expect(hasCycleThrough(e, "svc-orders", ["calls"])).toBe(true);
    expect(hasCycleThrough(e, "net-core-fra1-01", ["peers_with"])).toBe(true);
    // Compute layers point downwards only: nothing runs on an app, no host is hosted on anything.
    expect(e.relationships.filter((r) => r.relation === "hosted_on" && r.source_id.startsWith("host-"))).toEqual([]);
    const vmHosts = countBy(e.relationships.filter((r) => r.relation === "hosted_on" && r.source_id.startsWith("vm-")), (r) => r.source_id);
    expect(Math.max(...Object.values(vmHosts))).toBe(1);
  });

  it("keeps metrics only for hosts, VMs and databases: 30 days hourly plus the last day at 5 minutes", () => {
    const e = testEstate();
    const types = new Map(e.cis.map((c) => [c.ci_id, c.type]));
    for (const s of e.series) {
      expect((METRIC_DEFINITIONS[s.metric].appliesTo as readonly string[]).includes(types.get(s.ci_id)!)).toBe(true);
      expect(s.hourly_avg.length).toBe(720);
      expect(s.hourly_max.length).toBe(720);
      expect(s.recent_5m.length).toBe(288);
    }
    expect(new Set(e.series.map((s) => types.get(s.ci_id)))).toEqual(new Set(["host", "vm", "database"]));
  });

  it("derives the last day's hourly rollups from its 5-minute samples", () => {
    const s = testEstate().series[0]!;
    for (let h = 0; h < 24; h++) {
      const samples = Array.from(s.recent_5m.subarray(h * 12, h * 12 + 12));
      const avg = samples.reduce((a, b) => a + b, 0) / 12;
      expect(s.hourly_avg[696 + h]).toBeCloseTo(avg, 1);
      expect(s.hourly_max[696 + h]).toBe(Math.max(...samples.map((v) => Math.fround(v))));
    }
  });

  it("dates every event inside the 30 days before the estate's fixed now", () => {
    const e = testEstate();
    for (const ev of e.events) {
      expect(ev.started_at).toBeGreaterThanOrEqual(e.clock.now - 30 * DAY_MS);
      expect(ev.started_at).toBeLessThan(e.clock.now);
      if (ev.ended_at !== null) expect(ev.ended_at).toBeGreaterThan(ev.started_at);
    }
    expect(new Set(e.events.map((ev) => ev.kind))).toEqual(new Set(["change", "incident", "alert"]));
  });

  it("computes percentiles the way PostgreSQL's percentile_cont does", () => {
    expect(percentileCont([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentileCont([10], 0.95)).toBe(10);
    expect(percentileCont([0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100], 0.95)).toBeCloseTo(95);
    const stats = computeWindowStats(testEstate().clock, testEstate().series.slice(0, 1));
    expect(stats.map((s) => [s.window, s.samples])).toEqual([["1h", 12], ["6h", 72], ["24h", 288], ["7d", 168], ["30d", 720]]);
  });

  it("sizes the default estate (seed 1, scale 1) to at least 5,000 CIs and 20,000 relationships", () => {
    const full = generateEstate({ seed: 1, scale: 1 });
    const acme = tenantEstate(full, "acme");
    const counts = tenantCounts(acme);
    expect(counts.cis).toBeGreaterThanOrEqual(5000);
    expect(counts.relationships).toBeGreaterThanOrEqual(20000);
    const types = countBy(acme.cis, (c) => c.type);
    for (const type of CI_TYPES) expect(types[type], type).toBeGreaterThanOrEqual(50);
    expect(counts.metric_series).toBeGreaterThan(5000);
    expect(counts.events).toBeGreaterThan(5000);
  });
});

/** The digest version 1 computed for its single-tenant estate: same algorithm, version 1, one tenant's rows. */
function versionOneDigest(t: Estate, seed: number, scale: number): string {
  const hash = createHash("sha256");
  hash.update(JSON.stringify({ version: 1, seed, scale, clock: t.clock }));
  for (const ci of t.cis) hash.update(JSON.stringify(ci));
  for (const r of t.relationships) hash.update(`${r.source_id}|${r.relation}|${r.target_id}\n`);
  for (const e of t.events) hash.update(JSON.stringify(e));
  for (const s of t.series) {
    hash.update(`${s.ci_id}|${s.metric}`);
    hash.update(new Uint8Array(s.hourly_avg.buffer));
    hash.update(new Uint8Array(s.hourly_max.buffer));
    hash.update(new Uint8Array(s.recent_5m.buffer));
  }
  return hash.digest("hex");
}

describe("the tenants of the estate", () => {
  it("holds acme (the default), globex and initech", () => {
    expect(testFullEstate().tenants.map((t) => t.tenant)).toEqual(["acme", "globex", "initech"]);
    expect(ESTATE_TENANTS.map((t) => t.tenant)).toEqual(["acme", "globex", "initech"]);
  });

  it("keeps acme byte for byte the single estate of version 1 (seed 1, scale 0.1), so its answers are unchanged", () => {
    // The digest stored by version 1 for this estate (ops.estate_meta of a version-1 load).
    expect(versionOneDigest(testEstate("acme"), TEST_SEED, TEST_SCALE)).toBe("58caf3a699504063265938bc2e7d64e79640aaa3cbc9107d8e6d24eb12929783");
  });

  it("gives every tenant the same well-known CI ids over different data, so a leak would show", () => {
    const [acme, globex, initech] = ["acme", "globex", "initech"].map((t) => testEstate(t));
    for (const t of [acme!, globex!, initech!]) {
      const ids = new Set(t.cis.map((c) => c.ci_id));
      for (const id of ["db-prod-01", "svc-orders", "app-orders-api", "host-prod-0001"]) expect(ids.has(id), `${t.tenant} ${id}`).toBe(true);
    }
    const row = (t: Estate, id: string) => JSON.stringify(t.cis.find((c) => c.ci_id === id));
    for (const id of ["db-prod-01", "svc-orders", "host-prod-0001"]) {
      expect(row(globex!, id)).not.toBe(row(acme!, id));
      expect(row(initech!, id)).not.toBe(row(acme!, id));
      expect(row(initech!, id)).not.toBe(row(globex!, id));
    }
    // Different topology and history, not only different rows.
    const edges = (t: Estate) => new Set(t.relationships.map((r) => `${r.source_id}|${r.relation}|${r.target_id}`));
    expect([...edges(globex!)].filter((e) => !edges(acme!).has(e)).length).toBeGreaterThan(100);
    expect(globex!.events.find((e) => e.event_id === "inc-000001")?.ci_id).not.toBe(acme!.events.find((e) => e.event_id === "inc-000001")?.ci_id);
  });

  it("makes the extra tenants smaller than the default one and counts every tenant in the estate's totals", () => {
    const full = generateEstate({ seed: 1, scale: 1 });
    const [acme, globex, initech] = full.tenants.map(tenantCounts);
    expect(globex!.cis).toBeLessThan(acme!.cis);
    expect(initech!.cis).toBeLessThan(globex!.cis);
    expect(estateCounts(full).cis).toBe(acme!.cis + globex!.cis + initech!.cis);
    expect(full.tenants.map((t) => t.seed)).toEqual([1, expect.any(Number), expect.any(Number)]);
    expect(new Set(full.tenants.map((t) => t.seed)).size).toBe(3);
  });
});
