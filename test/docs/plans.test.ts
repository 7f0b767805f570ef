import { afterAll, describe, expect, it } from "vitest";
import { preparePlan } from "../../src/analysis/prepare.js";
import { runPlan } from "../../src/api/run-plan.js";
import { cliRegistry, closeCliResources } from "../../src/cli/registry.js";
import { docFiles, isPlan, jsonBlocks } from "./markdown.js";

const blocks = docFiles().flatMap(jsonBlocks);
const plans = blocks.filter((b) => isPlan(b.value));
const where = (b: { file: string; line: number }) => `${b.file}:${b.line}`;

afterAll(() => closeCliResources());

describe("docs: every plan shown in README.md and docs/ is a valid plan", () => {
  it("finds the plans (the extractor is not silently empty)", () => {
    const count = (file: string) => plans.filter((p) => p.file === file).length;
    expect(count("README.md")).toBeGreaterThanOrEqual(3);
    expect(count("docs/PLAN-FORMAT.md")).toBeGreaterThanOrEqual(5);
  });

  it("has only JSON in ```json blocks", () => {
    for (const block of blocks) expect(block.error, where(block)).toBeUndefined();
  });

  for (const block of plans) {
    it(`validates the plan at ${where(block)} against the shipped tools`, async () => {
      const registry = await cliRegistry();
      expect(() => preparePlan(block.value, { registry }), where(block)).not.toThrow();
    });
  }

  const loops = plans.filter((b) => ((b.value as { decisions?: Array<{ max_iterations?: number }> }).decisions ?? []).some((d) => d.max_iterations !== undefined));

  it("shows at least one loop", () => expect(loops.length).toBeGreaterThan(0));

  for (const block of loops) {
    it(`really loops: the loop at ${where(block)} runs more than one pass on the sample estate, without warnings`, async () => {
      const registry = await cliRegistry();
      const result = await runPlan(block.value as never, { registry, chatModel: null });
      expect(result.status, where(block)).toBe("completed");
      expect(result.warnings, where(block)).toEqual([]);
      const looping = (block.value as { decisions: Array<{ id: string; max_iterations?: number }> }).decisions.filter((d) => d.max_iterations !== undefined);
      for (const decision of looping) {
        const passes = result.decisions[decision.id]?.iterations ?? 0;
        expect(passes, `${where(block)} decision '${decision.id}'`).toBeGreaterThan(1);
        expect(passes, `${where(block)} decision '${decision.id}' leaves before max_iterations`).toBeLessThan(decision.max_iterations!);
      }
    }, 180_000);
  }
});
