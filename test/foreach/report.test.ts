import { describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { compilePlan } from "../../src/api/compile-plan.js";
import { planGraphView } from "../../src/analysis/view.js";
import { renderReport } from "../../src/report/index.js";
import { elementTools, fanOutPlan } from "./support.js";

describe("HTML report: a for_each step's elements", () => {
  it("draws one segment per element at its own span and counts done / failed on the bar", async () => {
    const log = elementTools();
    const plan = fanOutPlan([0, 1, 2].map((i) => ({ id: `e${i}`, ms: 5 + i * 10, fail: i === 2 })), { on_item_error: "collect" });
    const result = await runPlan(plan, { tools: log.tools });
    const graph = planGraphView(compilePlan(plan, { tools: log.tools }).prepared);
    const html = renderReport({ title: "fan-out", generatedAt: new Date(0).toISOString(), graph, result });
    expect(html.match(/class="el-bar o-(done|failed)" data-element="\d"/g)).toEqual([
      'class="el-bar o-done" data-element="0"',
      'class="el-bar o-done" data-element="1"',
      'class="el-bar o-failed" data-element="2"',
    ]);
    expect(html).toContain('title="2 of 3 elements done, 1 failed">2/3 ✗1</span>');
    const e1 = result.items!.each!.elements[1]!;
    expect(html).toMatch(new RegExp(`each\\[1\\]: done, ${Math.round(e1.start_ms!)} ms`));
  });
});
