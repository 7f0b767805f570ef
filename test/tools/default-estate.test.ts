import { afterAll, describe, expect, it } from "vitest";
import { closeOpsDatabase, defaultDataDir, openOpsDatabase } from "../../tools/index.js";
import { directorySize } from "../../tools/ops/db/open.js";
import { ESTATE_NOW, ESTATE_VERSION } from "../../tools/ops/estate/model.js";

afterAll(() => closeOpsDatabase());

describe("the default estate (seed 1) in the default data directory", () => {
  it(
    "holds every tenant, the default one with at least 5,000 CIs and 20,000 relationships, in at most 250 MB",
    async () => {
      const progress: string[] = [];
      const db = await openOpsDatabase({ databaseUrl: null, onProgress: (m) => progress.push(m) });
      if (progress.length > 0) console.info(`[ops tools] built the default estate:\n  ${progress.join("\n  ")}`);
      expect(db.location).toBe(defaultDataDir());
      expect(db.meta).toMatchObject({ version: ESTATE_VERSION, seed: 1, scale: 1, now: ESTATE_NOW });
      expect(Object.keys(db.meta.tenants)).toEqual(["acme", "globex", "initech"]);
      for (const tenant of Object.keys(db.meta.tenants)) {
        const [counts] = await db.client.query<Record<string, number>>(
          `SELECT (SELECT count(*) FROM ops.cis WHERE tenant = $1)::int AS cis, (SELECT count(*) FROM ops.ci_relationships WHERE tenant = $1)::int AS relationships,
                  (SELECT count(*) FROM ops.metric_series WHERE tenant = $1)::int AS metric_series, (SELECT count(*) FROM ops.ci_events WHERE tenant = $1)::int AS events`,
          [tenant],
        );
        expect(counts, tenant).toEqual(db.meta.tenants[tenant]);
        const types = await db.client.query<{ type: string; n: number }>("SELECT type, count(*)::int AS n FROM ops.cis WHERE tenant = $1 GROUP BY type", [tenant]);
        expect(types, tenant).toHaveLength(7);
      }
      expect(db.meta.tenants.acme!.cis).toBeGreaterThanOrEqual(5000);
      expect(db.meta.tenants.acme!.relationships).toBeGreaterThanOrEqual(20000);
      expect(directorySize(db.location)).toBeLessThanOrEqual(250 * 1024 * 1024);
    },
    240_000,
  );
});
