import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { createToolRegistry, type ToolRegistry } from "../../src/tools/registry.js";
import { opsTools, type OpsDatabase } from "../../tools/index.js";
import { ANSWER_ESTATES } from "../tools/harness.js";

/**
 * examples/ops-per-service-cpu.json (for_each twice: each service's hosts, then each host list's
 * CPU) must tell the truth: its answer is rebuilt here from SQL written by hand against the
 * schema, not through the tools, and must equal the rendered answer word for word. The plan runs
 * as the default tenant, so the SQL reads only `tenant = 'acme'` rows.
 */
type Row = Record<string, any>;
let db: OpsDatabase;
let registry: ToolRegistry;
const sql = async (text: string, params: unknown[] = []): Promise<Row[]> => db.client.query<Row>(text, params);
const ids = async (text: string, params: unknown[] = []) => (await sql(text, params)).map((r) => r.id as string);
const r2 = (v: number) => Math.round(v * 100) / 100;
const edges = (from: string[], relations: string[], type: string, forward: boolean) =>
  ids(
    forward
      ? `SELECT DISTINCT r.target_id AS id FROM ops.ci_relationships r JOIN ops.cis c ON c.tenant = 'acme' AND c.ci_id = r.target_id WHERE r.tenant = 'acme' AND r.source_id = ANY($1::text[]) AND r.relation = ANY($2::text[]) AND c.type = $3 ORDER BY 1`
      : `SELECT DISTINCT r.source_id AS id FROM ops.ci_relationships r JOIN ops.cis c ON c.tenant = 'acme' AND c.ci_id = r.source_id WHERE r.tenant = 'acme' AND r.target_id = ANY($1::text[]) AND r.relation = ANY($2::text[]) AND c.type = $3 ORDER BY 1`,
    [from, relations, type],
  );
/** Hosts under a service: its apps' hosts, directly or through the VMs they run on. */
async function hostsOf(service: string): Promise<string[]> {
  const apps = await edges([service], ["composed_of"], "app", true);
  const direct = await edges(apps, ["runs_on"], "host", true);
  const vms = await edges(apps, ["runs_on"], "vm", true);
  return [...new Set([...direct, ...(await edges(vms, ["hosted_on"], "host", true))])];
}
/** The busiest host by p95 CPU over the last day (288 five-minute samples), ties by ci_id, and how many report CPU. */
async function cpu(hosts: string[]): Promise<{ top: Row; total: number }> {
  const rows = await sql(
    `SELECT s.ci_id, percentile_cont(0.95) WITHIN GROUP (ORDER BY v)::float8 AS p95
       FROM ops.metric_series s, unnest(s.recent_5m[1:288]) AS v
      WHERE s.tenant = 'acme' AND s.metric = 'cpu_pct' AND s.ci_id = ANY($1::text[]) GROUP BY s.ci_id ORDER BY p95 DESC, s.ci_id COLLATE "C"`,
    [hosts],
  );
  return { top: rows[0]!, total: rows.length };
}


describe.each(ANSWER_ESTATES)("ops-per-service-cpu is true of $name", (estate) => {
  let close: () => Promise<void>;
  beforeAll(async () => {
    const opened = await estate.open();
    ({ db } = opened);
    close = opened.close;
    registry = createToolRegistry(opsTools({ database: db }));
  }, 240_000);
  afterAll(async () => close?.());

  it("for each service on db-prod-01: its hosts and their busiest CPU, first and last service", async () => {
    const services = await edges(await edges(["db-prod-01"], ["connects_to"], "app", false), ["composed_of"], "service", false);
    // Services are all two hops away: the tool lists them by ci_id (code point), as the SQL does.
    services.sort((a, b) => (a < b ? -1 : 1));
    expect(services.length).toBeGreaterThan(1);
    const names = new Map((await sql("SELECT ci_id, name FROM ops.cis WHERE tenant = 'acme' AND ci_id = ANY($1::text[])", [services])).map((r) => [r.ci_id, r.name]));
    const [first, last] = [services[0]!, services.at(-1)!];
    const [firstHosts, lastHosts] = [await hostsOf(first), await hostsOf(last)];
    const [firstCpu, lastCpu] = [await cpu(firstHosts), await cpu(lastHosts)];
    const plan = JSON.parse(readFileSync(resolve(import.meta.dirname, "../../examples/ops-per-service-cpu.json"), "utf8"));
    const result = await runPlan(plan, { registry });
    expect(result.errors).toEqual({});
    expect(result.warnings).toEqual([]);
    expect(result.items!.service_hosts).toMatchObject({ total: services.length, done: services.length, failed: 0 });
    expect(result.answer).toBe(
      `${services.length} services have apps that connect to db-prod-01. ` +
        `The first, ${first} (${names.get(first)}), runs on ${firstHosts.length} hosts, ${firstCpu.total} of which report CPU; its busiest by p95 CPU over the last 24 h is ${firstCpu.top.ci_id} at ${r2(firstCpu.top.p95)}%. ` +
        `The last, ${last} (${names.get(last)}), runs on ${lastHosts.length} hosts, ${lastCpu.total} of which report CPU; its busiest is ${lastCpu.top.ci_id} at ${r2(lastCpu.top.p95)}%.`,
    );
  }, 120_000);
});
