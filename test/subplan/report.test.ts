import { describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { compilePlan } from "../../src/api/compile-plan.js";
import { planGraphView } from "../../src/analysis/view.js";
import { ProgressDisplay } from "../../src/cli/progress.js";
import type { RunEvent } from "../../src/engine/scheduler.js";
import { renderReport } from "../../src/report/index.js";
import { perServicePlan, serviceTools, type Service } from "./support.js";

const estate: Service[] = [
  { name: "checkout", hosts: ["web-1"] },
  { name: "billing", hosts: ["db-2"], broken: "db-2" },
];

describe("a sub-plan step in the report and the CLI's live table", () => {
  it("the HTML report draws its elements and their outcome, and shows no tool input for it", async () => {
    const log = serviceTools(estate);
    const plan = perServicePlan({ on_item_error: "collect" });
    const result = await runPlan(plan, { tools: log.tools });
    const graph = planGraphView(compilePlan(plan, { tools: log.tools }).prepared);
    const html = renderReport({ title: "sub-plans", generatedAt: new Date(0).toISOString(), graph, result });
    expect(html.match(/class="el-bar o-(done|failed)" data-element="\d"/g)).toEqual(['class="el-bar o-done" data-element="0"', 'class="el-bar o-failed" data-element="1"']);
    expect(html).toContain('title="1 of 2 elements done, 1 failed">1/2 ✗1</span>');
    const section = html.slice(html.indexOf('id="step-per_service"'), html.indexOf('id="step-report"'));
    expect(section).not.toContain("Input");
    // The graph labels the sub-plan's node with its inner steps.
    expect(html).toContain("sub-plan: hosts → cpu");
  });

  it("the live table shows the step's elements as they end, and the step as done", async () => {
    let screen = "";
    const display = new ProgressDisplay((text) => (screen = text), true, () => 0);
    const events: RunEvent[] = [];
    const log = serviceTools(estate);
    await runPlan(perServicePlan({ on_item_error: "collect" }), { tools: log.tools, onEvent: (event) => (events.push(event), display.onEvent(event)) });
    display.finish();
    expect(events.filter((e) => e.type === "item_end" && e.step === "per_service").map((e) => (e as { status: string }).status).sort()).toEqual(["done", "failed"]);
    expect(screen).toMatch(/✓ per_service .* 1\/2 done, 1 failed/);
  });
});
