import { describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { RunResultSchema } from "../../src/model/result.js";
import { cpuRows, perServicePlan, serviceTools, type Service } from "./support.js";

const estate: Service[] = [
  { name: "checkout", hosts: ["web-1", "web-22"] },
  { name: "billing", hosts: ["db-333"] },
  { name: "search", hosts: ["idx-4444", "idx-55555"] },
];

describe("sub-plans: for each element, a nested plan", () => {
  it("runs the inner steps once per element; the output is a list of objects keyed by inner step", async () => {
    const log = serviceTools(estate);
    const result = await runPlan(perServicePlan(), { tools: log.tools });
    expect(result.status).toBe("completed");
    expect(result.results.per_service).toEqual(
      estate.map((s) => ({ hosts: { data: { hosts: s.hosts } }, cpu: { data: { rows: cpuRows(s.hosts) } } })),
    );
    // {per_service[0].cpu.data.rows} reads element 0's inner step 'cpu'.
    expect(result.results.report).toEqual({ data: { first: cpuRows(estate[0]!.hosts) } });
    expect(log.calls.filter((c) => c.startsWith("hosts_of:")).sort()).toEqual(estate.map((s) => `hosts_of:${s.name}`).sort());
    expect(log.calls.filter((c) => c.startsWith("cpu_of:"))).toHaveLength(3);
    expect(result.items!.per_service).toMatchObject({ total: 3, done: 3, failed: 0 });
    expect(result.timings.per_service!.end_ms).toBeLessThanOrEqual(result.timings.report!.start_ms);
    expect(RunResultSchema.safeParse(result).success).toBe(true);
  });

  it("is eager inside each element: an element's second step starts when its first ends, not when every element's has", async () => {
    const slowEstate: Service[] = [
      { name: "fast", hosts: ["f1"] },
      { name: "slow", hosts: ["s1"], slow: 300 },
    ];
    const log = serviceTools(slowEstate, 10);
    const result = await runPlan(perServicePlan(), { tools: log.tools });
    expect(result.status).toBe("completed");
    const fastCpu = log.spans.get("cpu_of:f1")!;
    const slowHosts = log.spans.get("hosts_of:slow")!;
    expect(fastCpu[1]).toBeLessThan(slowHosts[1]);
  });

  it("max_concurrency bounds the elements running at once", async () => {
    const log = serviceTools(estate, 15);
    const result = await runPlan(perServicePlan({ max_concurrency: 1 }), { tools: log.tools });
    expect(result.status).toBe("completed");
    expect(log.maxActive).toBe(1);
  });

  it("the run's maxConcurrency bounds the inner tool calls of every element", async () => {
    const log = serviceTools(estate, 15);
    const result = await runPlan(perServicePlan(), { tools: log.tools, maxConcurrency: 1 });
    expect(result.status).toBe("completed");
    expect(log.maxActive).toBe(1);
    expect(log.calls).toHaveLength(1 + 3 * 2);
  });

  it("an empty list gives [] and the dependents run", async () => {
    const log = serviceTools([]);
    const plan = perServicePlan();
    plan.steps[2] = { id: "report", tool: "echo", params: { n: "{per_service}" } } as never;
    const result = await runPlan(plan, { tools: log.tools });
    expect(result.status).toBe("completed");
    expect(result.results.per_service).toEqual([]);
    expect(result.results.report).toEqual({ data: { n: [] } });
  });
});

describe("sub-plans: failed elements", () => {
  const broken: Service[] = [estate[0]!, { name: "billing", hosts: ["db-333"], broken: "db-333" }, estate[2]!];

  it('"fail" (default): the step fails naming the element and its inner step, outer[1].inner', async () => {
    const log = serviceTools(broken);
    const result = await runPlan(perServicePlan(), { tools: log.tools });
    expect(result.status).toBe("failed");
    expect(result.errors.per_service).toMatch(/index 1\b/);
    // The inner tool call is named by element and inner step, so elements' calls never share a name.
    expect(result.errors.per_service).toContain("step 'per_service[1].cpu' (tool 'cpu_of') failed");
    expect(result.errors.per_service).toContain("db-333 does not answer");
    expect(result.skipped).toContain("report");
    // The other elements still ran to the end.
    expect(log.calls).toContain(`cpu_of:${estate[2]!.hosts.join(",")}`);
  });

  it('"collect": the failed element is null and item_errors names its inner step', async () => {
    const log = serviceTools(broken);
    const result = await runPlan(perServicePlan({ on_item_error: "collect" }), { tools: log.tools });
    expect(result.status).toBe("completed");
    const list = result.results.per_service as unknown[];
    expect(list[1]).toBeNull();
    expect(list[0]).toEqual({ hosts: { data: { hosts: estate[0]!.hosts } }, cpu: { data: { rows: cpuRows(estate[0]!.hosts) } } });
    expect(result.item_errors!.per_service!["1"]!.message).toContain("per_service[1].cpu");
  });

  it('"skip": the failed element is left out with a warning', async () => {
    const log = serviceTools(broken);
    const result = await runPlan(perServicePlan({ on_item_error: "skip" }), { tools: log.tools });
    expect(result.status).toBe("completed");
    expect((result.results.per_service as unknown[]).length).toBe(2);
    expect(result.warnings.join("\n")).toMatch(/per_service': element 1 failed/);
  });
});

describe("sub-plans without for_each", () => {
  const plan = (inner: Record<string, unknown>[] = [], decisions: unknown[] = []) => ({
    steps: [
      { id: "svc", tool: "services" },
      {
        id: "sub",
        steps: [{ id: "hosts", tool: "hosts_of", params: { service: "{svc.data.rows[1].name}" } }, { id: "cpu", tool: "cpu_of", params: { hosts: "{hosts.data.hosts}" } }, ...inner],
        ...(decisions.length ? { decisions } : {}),
      },
      { id: "after", tool: "echo", params: { rows: "{sub.cpu.data.rows}" } },
    ],
  });

  it("its output is one object keyed by inner step: {sub.cpu.data.rows}", async () => {
    const log = serviceTools(estate);
    const result = await runPlan(plan(), { tools: log.tools });
    expect(result.status).toBe("completed");
    expect(result.results.sub).toEqual({ hosts: { data: { hosts: ["db-333"] } }, cpu: { data: { rows: cpuRows(["db-333"]) } } });
    expect(result.results.after).toEqual({ data: { rows: cpuRows(["db-333"]) } });
    // The sub-plan waits for the outer step its inner steps read (an inferred edge).
    expect(result.order).toEqual([["svc"], ["sub"], ["after"]]);
  });

  it("an inner step's failure fails the step, named outer.inner", async () => {
    const log = serviceTools([estate[0]!, { name: "billing", hosts: ["db-333"], broken: "db-333" }]);
    const result = await runPlan(plan(), { tools: log.tools });
    expect(result.status).toBe("failed");
    expect(result.errors.sub).toContain("sub.cpu");
    expect(result.errors.sub).toContain("db-333 does not answer");
    expect(result.skipped).toContain("after");
  });

  it("an inner decision's untaken branch is skipped; its key holds null", async () => {
    const log = serviceTools(estate);
    const decisions = [{ id: "many", after: ["hosts"], condition: "{hosts.data.hosts[1]} != null", then: ["pair"], else: ["single"] }];
    const extra = [
      { id: "pair", tool: "echo", params: { two: "{hosts.data.hosts[1]}" } },
      { id: "single", tool: "echo", params: { one: "{hosts.data.hosts[0]}" } },
    ];
    const result = await runPlan(plan(extra, decisions), { tools: log.tools });
    expect(result.status).toBe("completed");
    expect(result.results.sub).toMatchObject({ pair: null, single: { data: { one: "db-333" } } });
  });
});

describe("sub-plans: size", () => {
  it("a sub-plan longer than its outer plan runs to the end (LangGraph's recursion limit covers its subgraph)", async () => {
    const chain = Array.from({ length: 150 }, (_, i) => ({ id: `s${i}`, tool: "echo", params: { n: i, ...(i ? { prev: `{s${i - 1}.data.n}` } : {}) } }));
    const result = await runPlan({ steps: [{ id: "sub", steps: chain }] });
    expect(result.errors).toEqual({});
    expect(result.status).toBe("completed");
    expect((result.results.sub as Record<string, { data: { n: number } }>).s149!.data.n).toBe(149);
  });
});

describe("sub-plans: an inner for_each", () => {
  it("an inner step may fan out over an inner list; its elements are kept under outer#i/inner#j", async () => {
    const { MemoryCompletionStore } = await import("../../src/durability/completion-store.js");
    const { prepare, scheduler } = await import("../engine/support.js");
    const log = serviceTools(estate);
    const plan = {
      steps: [
        { id: "svc", tool: "services" },
        {
          id: "per",
          for_each: "{svc.data.rows}",
          steps: [
            { id: "hosts", tool: "hosts_of", params: { service: "{item.name}" } },
            { id: "each_cpu", tool: "cpu_of", for_each: "{hosts.data.hosts}", as: "host", output_mapping: { hosts: ["{host}"] } },
          ],
        },
      ],
    };
    const store = new MemoryCompletionStore();
    const run = scheduler(prepare(plan, log.tools), { store });
    await run.whenSettled("per");
    expect(run.stepRecord("per")!.output).toEqual(
      estate.map((s) => ({ hosts: { data: { hosts: s.hosts } }, each_cpu: s.hosts.map((h) => ({ data: { rows: cpuRows([h]) } })) })),
    );
    const keys = Object.keys((await store.load("test-run")).steps);
    expect(keys).toEqual(expect.arrayContaining(["per#0", "per#0/hosts", "per#0/each_cpu", "per#0/each_cpu#0", "per#0/each_cpu#1", "per#2/each_cpu#1"]));
  });
});

describe("sub-plans in every run mode", () => {
  for (const mode of [{ sequential: true }, { lazy: true }, { enableOrchestration: false }] as const) {
    it(`runs them with ${JSON.stringify(mode)}`, async () => {
      const log = serviceTools(estate);
      const result = await runPlan(perServicePlan(), { tools: log.tools, ...mode });
      expect(result.status).toBe("completed");
      expect(result.results.report).toEqual({ data: { first: cpuRows(estate[0]!.hosts) } });
      if ("sequential" in mode) expect(log.maxActive).toBe(1);
    });
  }
});

describe("sub-plans behind an outer decision", () => {
  it("a sub-plan on the branch not taken is skipped, its inner steps never called, and the run ends", async () => {
    const log = serviceTools(estate);
    const plan = {
      steps: [
        { id: "svc", tool: "services" },
        { id: "sub", steps: [{ id: "hosts", tool: "hosts_of", params: { service: "{svc.data.rows[0].name}" } }] },
        { id: "other", tool: "echo", params: { why: "no services" } },
      ],
      decisions: [{ id: "none", after: ["svc"], condition: "{svc.data.rows[0]} == null", then: ["other"], else: ["sub"] }],
    };
    const taken = await runPlan(plan, { tools: log.tools });
    expect(taken.status).toBe("completed");
    expect(taken.results.sub).toEqual({ hosts: { data: { hosts: estate[0]!.hosts } } });
    const empty = serviceTools([]);
    const skipped = await runPlan(plan, { tools: empty.tools });
    expect(skipped.status).toBe("completed");
    expect(skipped.skipped).toContain("sub");
    expect(empty.calls).toEqual(["services"]);
  });

  it("a sub-plan whose dependency failed is skipped naming it; its subgraph node still ends", async () => {
    const log = serviceTools(estate);
    const plan = { steps: [{ id: "broken", tool: "fail" }, { id: "sub", depends_on: ["broken"], steps: [{ id: "hosts", tool: "hosts_of", params: { service: "x" } }] }] };
    const result = await runPlan(plan, { tools: log.tools });
    expect(result.status).toBe("failed");
    expect(result.skipped).toContain("sub");
    expect(result.skip_reasons.sub).toMatch(/'broken' failed/);
    expect(log.calls).toEqual([]);
  });
});
