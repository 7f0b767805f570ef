import { afterAll, describe, expect, it } from "vitest";
import { closeOpsDatabase, defaultDataDir, openOpsDatabase } from "../../tools/index.js";
import { directorySize } from "../../tools/ops/db/open.js";
import { ESTATE_NOW } from "../../tools/ops/estate/model.js";

afterAll(() => closeOpsDatabase());

describe("the default estate (seed 1) in the default data directory", () => {
  it(
    "holds at least 5,000 CIs and 20,000 relationships in at most 250 MB",
    async () => {
      const progress: string[] = [];
      const db = await openOpsDatabase({ databaseUrl: null, onProgress: (m) => progress.push(m) });
      if (progress.length > 0) console.info(`[ops tools] built the default estate:\n  ${progress.join("\n  ")}`);
      expect(db.location).toBe(defaultDataDir());
      expect(db.meta).toMatchObject({ version: 1, seed: 1, scale: 1, now: ESTATE_NOW });
      const [counts] = await db.client.query<Record<string, number>>(
        `SELECT (SELECT count(*) FROM ops.cis)::int AS cis, (SELECT count(*) FROM ops.ci_relationships)::int AS relationships,
                (SELECT count(*) FROM ops.metric_series)::int AS metric_series, (SELECT count(*) FROM ops.ci_events)::int AS events`,
      );
      expect(counts).toEqual(db.meta.counts);
      expect(counts!.cis).toBeGreaterThanOrEqual(5000);
      expect(counts!.relationships).toBeGreaterThanOrEqual(20000);
      const types = await db.client.query<{ type: string; n: number }>("SELECT type, count(*)::int AS n FROM ops.cis GROUP BY type");
      expect(types).toHaveLength(7);
      expect(directorySize(db.location)).toBeLessThanOrEqual(250 * 1024 * 1024);
    },
    240_000,
  );
});
