import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { createToolRegistry, type ToolRegistry } from "../../src/tools/registry.js";
import { opsTools, type OpsDatabase } from "../../tools/index.js";
import { ANSWER_ESTATES } from "../tools/harness.js";

/**
 * examples/ops-service-hosts-cpu.json (for_each over a sub-plan: per service, its hosts, then
 * their CPU) must tell the truth: its answer is rebuilt here from SQL written by hand against the
 * schema, not through the tools, and must equal the rendered answer word for word.
 */
type Row = Record<string, any>;
let db: OpsDatabase;
let registry: ToolRegistry;
const r2 = (v: number) => Math.round(v * 100) / 100;

/**
 * Every SQL statement of this check, in one place. Each reads configuration items through `cis`
 * (aliased `c`); every one is scoped to tenant `acme`, the tenant local runs are for.
 */
const SQL = {
  /** CIs one relation away from `$1`, of type `$3`: targets (`forward`) or sources. */
  forward: `SELECT DISTINCT r.target_id AS id FROM ops.ci_relationships r JOIN ops.cis c ON c.tenant = r.tenant AND c.ci_id = r.target_id
             WHERE r.tenant = 'acme' AND r.source_id = ANY($1::text[]) AND r.relation = ANY($2::text[]) AND c.type = $3 ORDER BY 1`,
  backward: `SELECT DISTINCT r.source_id AS id FROM ops.ci_relationships r JOIN ops.cis c ON c.tenant = r.tenant AND c.ci_id = r.source_id
              WHERE r.tenant = 'acme' AND r.target_id = ANY($1::text[]) AND r.relation = ANY($2::text[]) AND c.type = $3 ORDER BY 1`,
  names: `SELECT c.ci_id, c.name FROM ops.cis c WHERE c.tenant = 'acme' AND c.ci_id = ANY($1::text[])`,
  /** p95 CPU over the last day (288 five-minute samples) per host, busiest first, ties by ci_id. */
  cpu: `SELECT s.ci_id, percentile_cont(0.95) WITHIN GROUP (ORDER BY v)::float8 AS p95
          FROM ops.metric_series s JOIN ops.cis c ON c.tenant = s.tenant AND c.ci_id = s.ci_id, unnest(s.recent_5m[1:288]) AS v
         WHERE s.tenant = 'acme' AND s.metric = 'cpu_pct' AND s.ci_id = ANY($1::text[]) GROUP BY s.ci_id ORDER BY p95 DESC, s.ci_id COLLATE "C"`,
};

const sql = async (text: string, params: unknown[] = []): Promise<Row[]> => db.client.query<Row>(text, params);
const edges = async (from: string[], relations: string[], type: string, forward: boolean) =>
  (await sql(forward ? SQL.forward : SQL.backward, [from, relations, type])).map((r) => r.id as string);

/** Hosts under a service: its apps' hosts, directly or through the VMs they run on. */
async function hostsOf(service: string): Promise<string[]> {
  const apps = await edges([service], ["composed_of"], "app", true);
  const direct = await edges(apps, ["runs_on"], "host", true);
  const vms = await edges(apps, ["runs_on"], "vm", true);
  return [...new Set([...direct, ...(await edges(vms, ["hosted_on"], "host", true))])];
}

async function cpu(hosts: string[]): Promise<{ top: Row; total: number }> {
  const rows = await sql(SQL.cpu, [hosts]);
  return { top: rows[0]!, total: rows.length };
}

describe.each(ANSWER_ESTATES)("ops-service-hosts-cpu is true of $name", (estate) => {
  let close: () => Promise<void>;
  beforeAll(async () => {
    const opened = await estate.open();
    ({ db } = opened);
    close = opened.close;
    registry = createToolRegistry(opsTools({ database: db }));
  }, 240_000);
  afterAll(async () => close?.());

  it("for each service on db-prod-01 a sub-plan finds its hosts, then their busiest CPU", async () => {
    const services = await edges(await edges(["db-prod-01"], ["connects_to"], "app", false), ["composed_of"], "service", false);
    services.sort((a, b) => (a < b ? -1 : 1));
    expect(services.length).toBeGreaterThan(2);
    const names = new Map((await sql(SQL.names, [services])).map((r) => [r.ci_id, r.name]));
    const [second, last] = [services[1]!, services.at(-1)!];
    const [secondHosts, lastHosts] = [await hostsOf(second), await hostsOf(last)];
    const [secondCpu, lastCpu] = [await cpu(secondHosts), await cpu(lastHosts)];
    const plan = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../examples/ops-service-hosts-cpu.json"), "utf8"));
    const result = await runPlan(plan, { registry });
    expect(result.errors).toEqual({});
    expect(result.warnings).toEqual([]);
    expect(result.items!.per_service).toMatchObject({ total: services.length, done: services.length, failed: 0 });
    const list = result.results.per_service as Array<{ hosts: { data: { ids: string[] } } }>;
    expect(list.map((element) => [...element.hosts.data.ids].sort())).toEqual(await Promise.all(services.map(async (s) => (await hostsOf(s)).sort())));
    expect(result.answer).toBe(
      `${services.length} services depend on db-prod-01; each ran its own sub-plan (hosts, then CPU). ` +
        `The second, ${second} (${names.get(second)}), runs on ${secondHosts.length} hosts, ${secondCpu.total} of which report CPU; the busiest by p95 over 24 h is ${secondCpu.top.ci_id} at ${r2(secondCpu.top.p95)}%. ` +
        `The last, ${last}, runs on ${lastHosts.length} hosts; its busiest is ${lastCpu.top.ci_id} at ${r2(lastCpu.top.p95)}%.`,
    );
  }, 120_000);
});
