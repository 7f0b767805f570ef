import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { DAY_MS, HOUR_MS } from "../../tools/ops/estate/model.js";
import { BACKENDS, run, testEstate, toolsFor, type TestDatabase } from "./harness.js";
import { byCodePoint, walk } from "./expectations.js";

/**
 * Issue 13 finding 4 (tool side): a tool that finds nothing for a valid request says why in
 * `data.note`, one reason per cause, computed here from the in-memory estate, not from SQL.
 */

const iso = (ms: number) => new Date(ms).toISOString().replace(".000Z", "Z");

describe.each(BACKENDS)("why an ops tool found nothing, on $name", (backend) => {
  let handle: TestDatabase;
  let t: Record<string, StructuredToolInterface>;
  const e = testEstate();
  const first = (pred: (c: (typeof e.cis)[number]) => boolean) => {
    const ci = e.cis.filter(pred).sort((a, b) => byCodePoint(a.ci_id, b.ci_id))[0];
    if (!ci) throw new Error("the test estate has no such CI");
    return ci;
  };
  const lb = first((c) => c.type === "load_balancer");
  const retiredHost = first((c) => c.type === "host" && c.status === "retired");
  const liveHosts = e.cis.filter((c) => c.type === "host" && c.status !== "retired").map((c) => c.ci_id).sort(byCodePoint).slice(0, 2);
  const hasIncoming = new Set(e.relationships.map((r) => r.target_id));
  const noDependents = first((c) => !hasIncoming.has(c.ci_id));

  beforeAll(async () => {
    if (backend.skip) return;
    handle = await backend.open();
    t = toolsFor(handle.db);
  });
  afterAll(async () => handle?.close());

  describe.skipIf(backend.skip)("ci_metric", () => {
    it("says that a load balancer has no latency series, and for which CI types latency is recorded", async () => {
      const out = await run(t.ci_metric!, { metric: "latency_ms", ci_id: lb.ci_id });
      expect(out.data).toMatchObject({ rows: [], total: 0, in_scope: 1 });
      expect(out.data.note).toBe("none of the 1 CIs in scope has a latency_ms series (1 load_balancer: latency_ms is recorded only for database CIs)");
    });

    it("says that retired CIs report no metrics", async () => {
      const out = await run(t.ci_metric!, { metric: "cpu_pct", ci_id: retiredHost.ci_id });
      expect(out.data.note).toBe("none of the 1 CIs in scope has a cpu_pct series (1 host retired: retired CIs report no metrics)");
    });

    it("counts the CIs in scope without the metric next to the rows of those with it", async () => {
      const out = await run(t.ci_metric!, { metric: "cpu_pct", ci_ids: [...liveHosts, lb.ci_id] });
      expect(out.data).toMatchObject({ total: 2, in_scope: 3 });
      expect(out.data.ids.sort(byCodePoint)).toEqual(liveHosts);
      expect(out.data.note).toBe("1 of the 3 CIs in scope have no cpu_pct series (1 load_balancer: cpu_pct is recorded only for host, vm, database CIs)");
      const complete = await run(t.ci_metric!, { metric: "cpu_pct", ci_ids: liveHosts });
      expect(complete.data.note).toBeNull();
    });

    it("says when the scope is empty, names unknown ids, and says when the window lies outside the history", async () => {
      expect((await run(t.ci_metric!, { metric: "cpu_pct", ci_ids: [] })).data.note).toMatch(/^ci_ids is an empty list, so no CI is in scope/);
      expect((await run(t.ci_metric!, { metric: "cpu_pct", ci_id: "host-nope" })).data.note).toBe('none of the 1 given ci_ids is a CI: "host-nope"');
      const from = iso(e.clock.hourlyStart - 3 * DAY_MS);
      const to = iso(e.clock.hourlyStart - 2 * DAY_MS);
      const out = await run(t.ci_metric!, { metric: "cpu_pct", ci_ids: liveHosts, from, to });
      expect(out.data.rows).toEqual([]);
      expect(out.data.note).toBe(`the window ${from} – ${to} lies outside the stored metric history (${iso(e.clock.hourlyStart)} – ${iso(e.clock.now)})`);
    });
  });

  describe.skipIf(backend.skip)("ci_search and ci_aggregate", () => {
    it("name the filter that matches nothing", async () => {
      const out = await run(t.ci_search!, { query: "zz-no-such-ci", type: "database" });
      expect(out.data).toMatchObject({ rows: [], total: 0, note: 'no CI matches query "zz-no-such-ci"' });
      const agg = await run(t.ci_aggregate!, { query: "zz-no-such-ci", group_by: "type" });
      expect(agg.data).toMatchObject({ rows: [], total_cis: 0, note: 'no CI matches query "zz-no-such-ci"' });
    });

    it("say when only the combination of filters is empty, with what each matches alone", async () => {
      const out = await run(t.ci_search!, { type: "load_balancer", attributes: { engine: "postgresql" } });
      const lbs = e.cis.filter((c) => c.type === "load_balancer").length;
      const pg = e.cis.filter((c) => c.attributes.engine === "postgresql").length;
      expect(out.data.note).toBe(
        `no CI matches all the filters together, though each matches some on its own (type load_balancer: ${lbs}; attributes {"engine":"postgresql"}: ${pg})`,
      );
    });

    it("ci_search says when the offset is past the last match", async () => {
      const services = e.cis.filter((c) => c.type === "service").length;
      const out = await run(t.ci_search!, { type: "service", offset: 5000 });
      expect(out.data.note).toBe(`offset 5000 is past the last of the ${services} matching CIs`);
      expect((await run(t.ci_search!, { type: "service", limit: 1 })).data.note).toBeNull();
    });

    it("ci_aggregate says when no CI in scope has relationships in the direction measured", async () => {
      const out = await run(t.ci_aggregate!, { ci_ids: [noDependents.ci_id], measure: "dependents", group_by: "ci_id" });
      expect(out.data.rows).toMatchObject([{ ci_id: noDependents.ci_id, value: 0 }]);
      expect(out.data.note).toBe("none of the 1 CIs has dependents (relationships pointing to them)");
      expect((await run(t.ci_aggregate!, { ci_ids: ["db-prod-01"], measure: "dependents" })).data.note).toBeNull();
    });
  });

  describe.skipIf(backend.skip)("ci_graph", () => {
    it("says that the start CI has nothing in that direction", async () => {
      const out = await run(t.ci_graph!, { ci_id: noDependents.ci_id, direction: "dependents" });
      expect(out.data).toMatchObject({ rows: [], total: 0, note: `${noDependents.ci_id} has no dependents (no relationship points to it)` });
      const through = await run(t.ci_graph!, { ci_id: "db-prod-01", direction: "dependents", relation_types: "peers_with" });
      expect(through.data.note).toBe("db-prod-01 has no dependents through peers_with (no relationship points to it)");
    });

    it("says what the walk reached when none of it is of the wanted types", async () => {
      const reached = walk(e, ["db-prod-01"], "dependents", 1);
      const types = new Map<string, number>();
      for (const id of reached.keys()) {
        const type = e.cis.find((c) => c.ci_id === id)!.type;
        types.set(type, (types.get(type) ?? 0) + 1);
      }
      expect(types.has("network_device")).toBe(false);
      const seen = [...types].sort((a, b) => b[1] - a[1]).map(([type, n]) => `${n} ${type}`).join(", ");
      const out = await run(t.ci_graph!, { ci_id: "db-prod-01", direction: "dependents", depth: 1, node_types: "network_device" });
      expect(out.data.note).toBe(`the walk reached ${reached.size} CIs within 1 hop, none of type network_device (reached: ${seen})`);
    });

    it("says when no start id is a CI, or there is no start at all", async () => {
      expect((await run(t.ci_graph!, { ci_ids: ["nope-1", "nope-2"] })).data.note).toBe('none of the start ids is a CI: "nope-1", "nope-2"');
      expect((await run(t.ci_graph!, { ci_ids: [] })).data.note).toMatch(/^ci_ids is an empty list, so the walk has no start/);
      expect((await run(t.ci_graph!, { ci_id: "db-prod-01", direction: "dependents", depth: 1 })).data.note).toBeNull();
    });
  });

  describe.skipIf(backend.skip)("ci_history", () => {
    it("says that no event is in the window and when the latest matching one was", async () => {
      const events = e.events.filter((ev) => ev.ci_id === "db-prod-01").sort((a, b) => b.started_at - a.started_at);
      expect(events.length).toBeGreaterThan(0);
      const from = iso(e.clock.now - 30 * DAY_MS);
      const to = iso(e.clock.now - 30 * DAY_MS + HOUR_MS);
      expect(events.some((ev) => ev.started_at >= Date.parse(from) && ev.started_at < Date.parse(to))).toBe(false);
      const out = await run(t.ci_history!, { ci_id: "db-prod-01", from, to });
      expect(out.data.note).toBe(
        `no matching event started in the window ${from} – ${to}; ${events.length} matching events lie outside it, the latest started ${iso(events[0]!.started_at)}`,
      );
    });

    it("says when nothing matches in the whole history, names unknown CIs, and the offset past the end", async () => {
      const quiet = await run(t.ci_history!, { ci_id: "db-prod-01", query: "zz-never-happened" });
      expect(quiet.data.note).toMatch(/^no matching event started in the window .*, nor in the estate's whole history$/);
      expect((await run(t.ci_history!, { ci_ids: ["nope"] })).data.note).toBe('none of the 1 given ci_ids is a CI: "nope"');
      expect((await run(t.ci_history!, { ci_ids: [] })).data.note).toMatch(/^ci_ids is an empty list/);
      const all = await run(t.ci_history!, { ci_id: "db-prod-01", window: "30d" });
      const past = await run(t.ci_history!, { ci_id: "db-prod-01", window: "30d", offset: 9999 });
      expect(past.data.note).toBe(`offset 9999 is past the last of the ${all.data.total} matching events`);
      expect(all.data.note).toBeNull();
    });
  });
});
