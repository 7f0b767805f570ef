import { afterEach, describe, expect, it, vi } from "vitest";
import fc from "fast-check";
import { runPlan } from "../../src/api/run-plan.js";
import { cpuRows, perServicePlan, serviceTools, type Service } from "./support.js";

afterEach(() => vi.useRealTimers());

// Replay a failure with the `{ seed, path }` fast-check prints, in the fc.assert options.
describe("for_each sub-plan properties (random lists, failures, caps; fake time)", () => {
  it("every element's inner steps run once, outputs keep element order, caps hold, policies apply to whole elements", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ hosts: fc.integer({ min: 1, max: 3 }), slow: fc.integer({ min: 0, max: 200 }), broken: fc.boolean() }), { maxLength: 12 }),
        fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined }),
        fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
        fc.constantFrom("fail" as const, "skip" as const, "collect" as const),
        async (specs, cap, runCap, policy) => {
          vi.useFakeTimers();
          try {
            const services: Service[] = specs.map((s, i) => {
              const hosts = Array.from({ length: s.hosts }, (_, h) => `s${i}-h${h}`);
              return { name: `s${i}`, hosts, slow: s.slow, ...(s.broken ? { broken: hosts[0]! } : {}) };
            });
            const log = serviceTools(services, 20);
            const running = runPlan(perServicePlan({ on_item_error: policy, ...(cap ? { max_concurrency: cap } : {}) }), {
              tools: log.tools,
              clock: { now: () => Date.now() },
              ...(runCap ? { maxConcurrency: runCap } : {}),
            });
            await vi.runAllTimersAsync();
            const result = await running;
            // Each element's two inner steps, once each (the broken one fails on its CPU read, after its hosts).
            expect(log.calls.filter((c) => c.startsWith("hosts_of:")).sort()).toEqual(services.map((s) => `hosts_of:${s.name}`).sort());
            expect(log.calls.filter((c) => c.startsWith("cpu_of:")).sort()).toEqual(services.map((s) => `cpu_of:${s.hosts.join(",")}`).sort());
            // Elements within max_concurrency, every tool call within the run's cap.
            expect(log.maxActive).toBeLessThanOrEqual(Math.min(cap ?? Infinity, runCap ?? Infinity));
            const failed = services.flatMap((s, i) => (s.broken ? [i] : []));
            const ok = (s: Service) => ({ hosts: { data: { hosts: s.hosts } }, cpu: { data: { rows: cpuRows(s.hosts) } } });
            expect(result.items!.per_service).toMatchObject({ total: services.length, failed: failed.length, done: services.length - failed.length });
            if (policy === "fail" && failed.length) {
              expect(result.errors.per_service).toContain(`per_service[${failed[0]}].cpu`);
              expect(result.skipped).toContain("report");
            } else if (policy === "skip") {
              expect(result.results.per_service).toEqual(services.filter((s) => !s.broken).map(ok));
            } else {
              expect(result.results.per_service).toEqual(services.map((s) => (s.broken ? null : ok(s))));
              for (const i of failed) expect(result.item_errors!.per_service![String(i)]!.message).toContain(`per_service[${i}].cpu`);
            }
            // The dependent starts no earlier than the last element's end.
            if (result.timings.report) expect(result.timings.report.start_ms).toBeGreaterThanOrEqual(result.timings.per_service!.end_ms);
          } finally {
            vi.useRealTimers();
          }
        },
      ),
      { numRuns: 40 },
    );
  }, 120_000);
});
