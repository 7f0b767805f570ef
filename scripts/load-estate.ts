/**
 * Loads the sample ops estate into a PostgreSQL database (server mode).
 *
 *   npx tsx scripts/load-estate.ts --database-url postgres://user:pass@127.0.0.1:5432/db [--seed 1] [--scale 1] [--force] [--if-missing]
 *
 * Creates (or replaces) the schema `ops` in one transaction. Without --database-url it uses DATABASE_URL.
 * --force replaces an `ops` schema that is not a plangraph estate; --if-missing keeps an estate that
 * is already there with the same seed, scale and digest.
 */
import { parseArgs } from "node:util";
import { describeError } from "../src/model/errors.js";
import { ensureServerEstate, openPostgres } from "../tools/index.js";
import { redactUrl } from "../tools/ops/db/open.js";

const USAGE = "usage: npx tsx scripts/load-estate.ts --database-url postgres://… [--seed N] [--scale X] [--force] [--if-missing]";

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        "database-url": { type: "string" },
        seed: { type: "string", default: "1" },
        scale: { type: "string", default: "1" },
        force: { type: "boolean", default: false },
        "if-missing": { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    console.error(`${describeError(error)}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const url = values["database-url"] ?? process.env.DATABASE_URL;
  const seed = Number(values.seed);
  const scale = Number(values.scale);
  if (!url) {
    console.error(`no database: give --database-url or set DATABASE_URL\n${USAGE}`);
    return 2;
  }
  if (!Number.isInteger(seed) || seed < 0 || !(scale >= 0.05 && scale <= 4)) {
    console.error(`--seed must be a non-negative integer and --scale between 0.05 and 4\n${USAGE}`);
    return 2;
  }
  const started = performance.now();
  const log = (message: string) => console.error(`[${((performance.now() - started) / 1000).toFixed(1)} s] ${message}`);
  let client;
  try {
    client = await openPostgres(url, { max: 1 });
  } catch (error) {
    console.error(`cannot connect to ${redactUrl(url)}: ${describeError(error)}`);
    return 1;
  }
  try {
    log(`loading the sample ops estate (seed ${seed}, scale ${scale}) into ${redactUrl(url)}`);
    const meta = await ensureServerEstate(client, { seed, scale, force: values.force, reload: !values["if-missing"], onProgress: log });
    const c = meta.counts;
    log(`done: ${c.cis} CIs, ${c.relationships} relationships, ${c.metric_series} metric series, ${c.events} events (digest ${meta.digest.slice(0, 12)})`);
    return 0;
  } catch (error) {
    console.error(`load failed: ${describeError(error)}`);
    return 1;
  } finally {
    await client.close();
  }
}

process.exitCode = await main();
