import { describe, expect, it } from "vitest";
import { PlangraphError } from "../../src/model/errors.js";
import { escapeHtml, renderReport, ReportInputSchema, buildReportModel, type ReportInput } from "../../src/report/index.js";
import { formatBytes, formatMs } from "../../src/report/escape.js";
import { axisTicks } from "../../src/report/timeline.js";
import { OPS_RUN } from "./fixtures/ops-run.js";
import { runResult } from "./fixtures/result.js";
import { syntheticRun } from "./fixtures/synthetic.js";

const count = (html: string, re: RegExp): number => html.match(re)?.length ?? 0;
const graphNodes = (html: string) => [...html.matchAll(/<g class="node ([^"]*)" data-step="([^"]*)" data-kind="(step|decision)"/g)];
const bars = (html: string) => [...html.matchAll(/<div class="bar ([^"]*)" data-step="([^"]*)"/g)];
const edges = (html: string) => [...html.matchAll(/<g class="(edge[^"]*)" data-from="([^"]*)" data-to="([^"]*)"/g)];

function run(partial: Partial<ReportInput["result"]>, graph: ReportInput["graph"]): ReportInput {
  return { title: "t.plan.json", generatedAt: "2026-01-01T00:00:00Z", graph, result: runResult(partial) };
}

describe("renderReport on the ops fixture", () => {
  const html = renderReport(OPS_RUN);

  it("draws one graph node per step and per decision, decisions as diamonds", () => {
    const nodes = graphNodes(html);
    expect(nodes.filter((m) => m[3] === "step")).toHaveLength(12);
    expect(nodes.filter((m) => m[3] === "decision").map((m) => m[2])).toEqual(["has_hits", "drill"]);
    expect(count(html, /<polygon class="shape"/g)).toBe(2);
  });

  it("colours nodes by outcome", () => {
    const outcome = new Map(graphNodes(html).map((m) => [m[2], m[1]!.split(" ")[1]]));
    expect(outcome.get("primary")).toBe("o-done");
    expect(outcome.get("change_log")).toBe("o-failed");
    expect(outcome.get("fallback_search")).toBe("o-skipped");
    expect(outcome.get("open_ticket")).toBe("o-pending");
  });

  it("draws one timeline bar per step that ran, and a marker per decision", () => {
    const timed = Object.keys(OPS_RUN.result.timings!);
    expect(bars(html).map((m) => m[2]).sort()).toEqual([...timed].sort());
    expect(count(html, /class="diamond[^"]*" data-decision=/g)).toBe(2);
  });

  it("marks the critical path in the graph, its edges, and the timeline", () => {
    const critical = graphNodes(html).filter((m) => m[1]!.split(" ").includes("cp")).map((m) => m[2]);
    expect(critical).toEqual(["primary", "has_hits", "graph", "drill", "neighbour_metrics", "summarize"]);
    const cpEdges = edges(html).filter((m) => m[1]!.split(" ").includes("cp")).map((m) => `${m[2]}>${m[3]}`);
    expect(cpEdges.sort()).toEqual(
      ["primary>has_hits", "has_hits>graph", "graph>drill", "drill>neighbour_metrics", "neighbour_metrics>summarize"].sort(),
    );
    const cpBars = bars(html).filter((m) => m[1]!.split(" ").includes("cp")).map((m) => m[2]);
    expect(cpBars.sort()).toEqual(["graph", "neighbour_metrics", "primary", "summarize"]);
  });

  it("dashes conditional edges with their label, fades the branch not taken, draws loops apart", () => {
    const byPair = new Map(edges(html).map((m) => [`${m[2]}>${m[3]}`, m[1]!.split(" ")]));
    expect(byPair.get("has_hits>graph")).toContain("conditional");
    expect(byPair.get("has_hits>fallback_search")).toEqual(expect.arrayContaining(["conditional", "not-taken"]));
    expect(byPair.get("neighbour_metrics>drill")).toContain("back");
    expect(html).toMatch(/<text class="edge-label"[^>]*>else<\/text>/);
  });

  it("summarises status, shape, time taken and the longest chain of dependent steps in plain words", () => {
    expect(html).toContain(`<span class="status-badge status-interrupted">interrupted</span>`);
    expect(html).toContain("DAG — steps that wait on others");
    expect(html).toContain(">1.46 s<"); // makespan 1458 ms
    expect(html).toContain(">1.45 s<"); // critical path 1454 ms
    expect(html).toContain("Finished in 1.46 s; its longest chain of dependent steps (4) takes 1.45 s: as fast as those dependencies allow.");
    expect(html).not.toMatch(/makespan ÷|÷ critical path|\d×</i);
  });

  it("puts the plan's rendered answer first, before the figures", () => {
    const at = html.indexOf(`<section class="panel answer"`);
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(html.indexOf(`<div class="kpis">`));
    expect(html).toContain("db-prod-01 (CI-00412) is degraded: mean query time rose from 12 ms to 144 ms after 18:50.");
    expect(html).toContain("The run is waiting for an approval: parts of this answer may be missing.");
  });

  it("shows tool warm-up apart from the steps' times", () => {
    expect(html).toMatch(/<div class="kpi kpi-warm"><div class="k">Warm-up<\/div><div class="v">912 ms<\/div>/);
    expect(html).toContain("Warming the tools up took 912 ms more before that, and is not in any step&#39;s time.");
    expect(html).toContain(`<p class="tl-warm">Before 0 ms the tools warmed up for 912 ms (opening databases and connections); that time is not on this axis nor in any bar.</p>`);
    expect(renderReport({ ...OPS_RUN, result: { ...OPS_RUN.result, warm_up_ms: undefined } })).not.toMatch(/class="kpi kpi-warm"|class="tl-warm"/);
    // the first step's bar still starts at 0 and lasts its own 182 ms
    expect(html).toMatch(/data-step="primary" data-critical="true" style="left:0\.000%;width:12\.483%"/);
  });

  it("shows each step's input as its tool was called, and a failed step's call beside its error", () => {
    const errors = html.slice(html.indexOf(`<table class="list errors">`), html.indexOf("</table>", html.indexOf(`<table class="list errors">`)));
    expect(errors).toContain(`called <code class="inline-json"><span class="call-tool">change_history</span> ${escapeHtml('{ "ci_id": "CI-00412", "window": "24h", "kinds": [ "deploy", "config" ] }')}</code>`);
    const details = html.slice(html.indexOf(`id="step-change_log"`), html.indexOf("</details>", html.indexOf(`id="step-change_log"`)));
    expect(details).toContain("Called <code>change_history</code> with");
    expect(details).toContain(`<th scope="row">window</th><td><span class="v-str">24h</span></td>`);
    const primary = html.slice(html.indexOf(`id="step-primary"`), html.indexOf(`id="step-secondary"`));
    expect(primary).toMatch(/<p class="label">Input<\/p>[^]*<th scope="row">query<\/th><td><span class="v-str">db-prod-01<\/span>/);
  });

  it("marks attempts and cache hits", () => {
    expect(html).toMatch(/data-step="change_log"[^]*?×3/);
    expect(html).toMatch(/<span class="pill cached"[^>]*>cached<\/span>/);
  });

  it("lists errors, pending approvals, skipped steps with reasons, decisions and warnings", () => {
    expect(html).toContain("TOOL_TIMEOUT: change_history did not answer within 250 ms (3 attempts)");
    expect(html).toMatch(/Waiting for approval[^]*open_ticket[^]*ticket_create/);
    expect(html).toContain(escapeHtml("decision 'has_hits' took 'then'"));
    expect(html).toContain(escapeHtml("'fallback_search' was skipped"));
    expect(html).toMatch(/<span class="branch">then<\/span><\/td><td>llm<\/td><td class="msg">db-prod-02 shows replication lag/);
    expect(html).toContain("resolved to null (path missing)");
  });

  it("gives every step a collapsible entry, failed steps open, outputs drawn readably with their JSON beside", () => {
    expect(count(html, /<details class="step /g)).toBe(12);
    expect(html).toMatch(/<details class="step o-failed" id="step-change_log" data-step="change_log" open>/);
    const primary = html.slice(html.indexOf(`id="step-primary"`), html.indexOf(`id="step-secondary"`));
    // a list of rows is a table with a column per field; nested fields are compact JSON in their cell
    expect(primary).toContain(`<thead><tr><th class="num">#</th><th>ci_id</th><th>name</th><th>attributes</th><th>status</th></tr></thead>`);
    expect(primary).toContain(`<td><span class="v-str nowrap">CI-00412</span></td>`);
    expect(primary).toContain(`<code class="v-json">${escapeHtml('{ "type": "postgresql", "version": "15.4", "env": "prod", "site": "fra-2" }')}</code>`);
    expect(primary).toMatch(/<details class="raw"><summary>JSON<\/summary><pre class="json">[^]*<span class="j-key">&quot;ci_id&quot;<\/span>: <span class="j-str">&quot;CI-00412&quot;<\/span>/);
  });
});

describe("renderReport edge cases", () => {
  it("renders a plan with no steps", () => {
    const html = renderReport(run({}, { nodes: [], edges: [] }));
    expect(html).toContain("The plan has no steps.");
    expect(html).toContain("Nothing ran.");
    expect(html).not.toContain("<svg");
    expect(html).toContain("</html>");
  });

  it("renders a single step", () => {
    const html = renderReport(
      run(
        { results: { only: { ok: true } }, timings: { only: { start_ms: 0, end_ms: 42 } }, makespan_ms: 42, critical_path_ms: 42, critical_path: ["only"] },
        { nodes: [{ id: "only", kind: "step", tool: "ping" }], edges: [] },
      ),
    );
    expect(graphNodes(html)).toHaveLength(1);
    expect(bars(html)).toHaveLength(1);
    expect(html).toContain("Finished in 42 ms; its longest chain of dependent steps (1) takes 42 ms: as fast as those dependencies allow.");
  });

  it("shows steps without timings as rows without bars", () => {
    const html = renderReport(
      run(
        { status: "failed", errors: { a: "boom" }, skipped: ["b"], skip_reasons: { b: "'a' failed" }, timings: { a: { start_ms: 0, end_ms: 5 } } },
        { nodes: [{ id: "a", kind: "step" }, { id: "b", kind: "step" }, { id: "c", kind: "step" }], edges: [{ from: "a", to: "b" }] },
      ),
    );
    expect(bars(html).map((m) => m[2])).toEqual(["a"]);
    expect(html).toContain(escapeHtml("skipped — 'a' failed"));
    expect(html).toMatch(/data-step="c" role="row">[^]*?not run/);
  });

  it("adds steps the result names but the graph lacks", () => {
    const html = renderReport(run({ timings: { x: { start_ms: 0, end_ms: 1 } }, results: { x: 1 } }, { nodes: [], edges: [] }));
    expect(graphNodes(html).map((m) => m[2])).toEqual(["x"]);
  });

  it("takes the critical path and skip reasons from the result, and infers none of its own", () => {
    const input = run(
      {
        timings: { a: { start_ms: 0, end_ms: 10 }, c: { start_ms: 10, end_ms: 40 } },
        skipped: ["b"],
        makespan_ms: 40,
      },
      {
        nodes: ["a", "b", "c"].map((id) => ({ id, kind: "step" as const })),
        edges: [
          { from: "a", to: "b" },
          { from: "a", to: "c" },
        ],
      },
    );
    const model = buildReportModel(ReportInputSchema.parse(input));
    expect(model.criticalPath).toEqual([]);
    expect(model.nodes.filter((n) => n.critical)).toEqual([]);
    const html = renderReport(input);
    expect(html).toContain("no reason recorded");
    const given = buildReportModel(ReportInputSchema.parse({ ...input, result: { ...input.result, critical_path: ["a", "c"], critical_path_ms: 40 } }));
    expect(given.nodes.filter((n) => n.critical).map((n) => n.id)).toEqual(["a", "c"]);
    expect(given.criticalPathMs).toBe(40);
  });

  it("marks the decision between two critical steps when the given path lists only steps", () => {
    const model = buildReportModel(
      ReportInputSchema.parse({ ...OPS_RUN, result: { ...OPS_RUN.result, critical_path: ["primary", "graph"] } }),
    );
    expect(model.byId.get("has_hits")!.critical).toBe(true);
    expect([...model.criticalEdges].map((k) => k.replace("\u0000", ">")).sort()).toEqual(["has_hits>graph", "primary>has_hits"]);
  });

  it("caps each step's output at 20 KB with a note", () => {
    const big = { rows: Array.from({ length: 5000 }, (_, i) => ({ i, name: `row-${i}`, payload: "x".repeat(40) })) };
    const html = renderReport(
      run({ results: { big }, timings: { big: { start_ms: 0, end_ms: 1 } } }, { nodes: [{ id: "big", kind: "step" }], edges: [] }),
    );
    expect(html.length).toBeLessThan(200_000);
    expect(html).toMatch(/Showing the first 20 KB of \d+(\.\d)? KB\./);
    expect(html).toContain("Showing 50 of 5,000 rows; the raw JSON below has more.");
    expect(html).not.toContain("row-4999");
  });

  it("stops showing outputs once the report's output budget is used up", () => {
    const results = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`s${i}`, { text: "y".repeat(3000) }]));
    const html = renderReport(
      run({ results }, { nodes: Object.keys(results).map((id) => ({ id, kind: "step" as const })), edges: [] }),
      { maxTotalOutputChars: 10_000 },
    );
    expect(html).toContain("the report's size budget for outputs is used up");
    expect(count(html, /y{3000}/g)).toBe(3);
  });

  it("renders 1,000 steps with one node and one bar each", () => {
    const input = syntheticRun(1000);
    const html = renderReport(input);
    expect(graphNodes(html)).toHaveLength(1000);
    expect(bars(html)).toHaveLength(Object.keys(input.result.timings!).length);
    expect(html.length).toBeLessThan(5 * 1024 * 1024);
  });

  it("reports input that breaks the schema as an INTERNAL error naming the field", () => {
    const bad = { ...OPS_RUN, result: { ...OPS_RUN.result, timings: { primary: { start_ms: "soon" } } } } as unknown as ReportInput;
    expect(() => renderReport(bad)).toThrow(PlangraphError);
    try {
      renderReport(bad);
    } catch (err) {
      expect((err as PlangraphError).code).toBe("INTERNAL");
      expect((err as PlangraphError).path).toBe("$.result.timings.primary.start_ms");
    }
  });
});

describe("formatting", () => {
  it("picks round axis ticks", () => {
    expect(axisTicks(1458)).toEqual([0, 200, 400, 600, 800, 1000, 1200, 1400]);
    expect(axisTicks(12)).toEqual([0, 2, 4, 6, 8, 10, 12]);
    expect(axisTicks(0)).toEqual([0]);
    expect(axisTicks(1)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(axisTicks(95_000).length).toBeLessThanOrEqual(10);
  });

  it("writes durations and sizes for people", () => {
    expect(formatMs(0)).toBe("0 ms");
    expect(formatMs(182)).toBe("182 ms");
    expect(formatMs(1458)).toBe("1.46 s");
    expect(formatMs(12_500)).toBe("12.5 s");
    expect(formatMs(125_000)).toBe("2 min 5 s");
    expect(formatBytes(20 * 1024)).toBe("20 KB");
    expect(formatBytes(1_500_000)).toBe("1.4 MB");
  });
});
