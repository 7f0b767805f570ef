import { describe, expect, it } from "vitest";
import { prepare, rejection } from "../core/helpers.js";
import { elementTools, fanOutPlan } from "./support.js";

const tools = () => elementTools().tools;
const withStep = (step: Record<string, unknown>) => ({ steps: [{ id: "list", tool: "rows", params: { rows: [] } }, { id: "each", tool: "visit", ...step }] });

describe("for_each is checked before anything runs", () => {
  it("accepts a for_each step and fixes its fan-out (as, policy, max_items from the limits)", () => {
    const prepared = prepare(fanOutPlan([], { on_item_error: "collect", max_concurrency: 4 }), tools(), { maxItemsPerStep: 50 });
    const each = prepared.steps.get("each")!;
    expect(each.forEach).toMatchObject({ as: "item", onItemError: "collect", maxConcurrency: 4, maxItems: 50 });
    expect(each.deps).toEqual(["list"]);
    // The element names are not dependencies.
    expect(each.references.map((r) => r.step)).toEqual(["list"]);
  });

  it("rejects a for_each path that is not a list in the source's output schema, naming the step and the path", () => {
    rejection(() => prepare(withStep({ for_each: "{list.data.count}", params: { id: "{item}" } }), tools()), {
      code: "FOR_EACH_NOT_LIST",
      path: "$.steps[1].for_each",
      step: "each",
      message: /\{list\.data\.count\} is not a list/,
    });
  });

  it("rejects a for_each path that is not in the source's output schema", () => {
    rejection(() => prepare(withStep({ for_each: "{list.data.rowz}", params: { id: "{item}" } }), tools()), { code: "REFERENCE_NOT_IN_SCHEMA", step: "each", message: /rowz/ });
  });

  it("checks {item.x} against the list's element schema", () => {
    rejection(() => prepare(withStep({ for_each: "{list.data.rows}", params: { id: "{item.nme}" } }), tools()), {
      code: "REFERENCE_NOT_IN_SCHEMA",
      step: "each",
      message: /\{item\.nme\}.*elements of \{list\.data\.rows\}.*no field 'nme'/,
    });
  });

  it("checks the element's type against the parameter it feeds: {item.ms} and {item_index} are numbers", () => {
    rejection(() => prepare(withStep({ for_each: "{list.data.rows}", params: { id: "{item.ms}", ms: 1, fail: false, index: 0 } }), tools()), {
      code: "REFERENCE_TYPE_MISMATCH",
      path: "$.steps[1].params.id",
      message: /parameter 'id'.*takes a string, but \{item\.ms\} is a number/,
    });
    rejection(() => prepare(withStep({ for_each: "{list.data.rows}", params: { id: "{item_index}", ms: 1, fail: false, index: 0 } }), tools()), {
      code: "REFERENCE_TYPE_MISMATCH",
      path: "$.steps[1].params.id",
    });
  });

  it("a renamed element ('as') is referenced by its name", () => {
    const prepared = prepare(withStep({ for_each: "{list.data.rows}", as: "row", params: { id: "{row.id}", ms: "{row.ms}", fail: false, index: "{item_index}" } }), tools());
    expect(prepared.steps.get("each")!.forEach!.as).toBe("row");
    rejection(() => prepare(withStep({ for_each: "{list.data.rows}", as: "list", params: { id: "x" } }), tools()), { code: "BAD_FOR_EACH", path: "$.steps[1].as", message: /also a step/ });
    rejection(() => prepare(withStep({ for_each: "{list.data.rows}", as: "9 bad", params: { id: "x" } }), tools()), { code: "BAD_FOR_EACH", path: "$.steps[1].as" });
  });

  it("rejects {item} and {item_index} in a step without for_each", () => {
    rejection(() => prepare({ steps: [{ id: "a", tool: "echo", params: { x: "{item}" } }] }), { code: "BAD_FOR_EACH", step: "a", message: /\{item\}.*only a step with "for_each"/ });
    rejection(() => prepare({ steps: [{ id: "a", tool: "echo", params: { x: "n={item_index}" } }] }), { code: "BAD_FOR_EACH", step: "a" });
    // With "as", the element has that name only.
    rejection(() => prepare(withStep({ for_each: "{list.data.rows}", as: "row", params: { id: "{item.id}" } }), tools()), {
      code: "BAD_FOR_EACH",
      step: "each",
      message: /\{item\.id\}.*names its element 'row'/,
    });
  });

  it("rejects for_each that is not one whole reference, and fan-out fields without for_each", () => {
    rejection(() => prepare(withStep({ for_each: "rows: {list.data.rows}", params: { id: "x" } }), tools()), { code: "BAD_FOR_EACH", path: "$.steps[1].for_each" });
    rejection(() => prepare(withStep({ for_each: "{nope.rows}", params: { id: "x" } }), tools()), { code: "UNKNOWN_STEP", path: "$.steps[1].for_each" });
    rejection(() => prepare(withStep({ max_concurrency: 2, params: { id: "x" } }), tools()), { code: "BAD_FOR_EACH", path: "$.steps[1].max_concurrency" });
  });

  it("checks references into a for_each step against the tool's output schema wrapped as a list", () => {
    const plan = fanOutPlan([]);
    const ok = { ...plan, steps: [...plan.steps, { id: "pick", tool: "echo", params: { a: "{each[2].data.id}", b: "{each[-1]}" } }] };
    expect(prepare(ok, tools()).steps.get("pick")!.deps).toEqual(["each"]);
    const bad = { ...plan, steps: [...plan.steps, { id: "pick", tool: "echo", params: { a: "{each.data.id}" } }] };
    rejection(() => prepare(bad, tools()), { code: "REFERENCE_NOT_IN_SCHEMA", step: "pick", message: /is an array/ });
  });
});
