import { describe, expect, it } from "vitest";
import { isTruthy, jsonEqual } from "../../src/conditions/index.js";
import { parseError, run } from "./helpers.js";

const value = (text: string) => run(text).value;

describe("evaluateCondition: equality", () => {
  it("== and != compare numbers, strings, booleans and null", () => {
    expect(value("{primary.data.total} == 12")).toBe(true);
    expect(value("{primary.data.total} != 12")).toBe(false);
    expect(value(`{topology.data.rows[0].status} == "ok"`)).toBe(true);
    expect(value(`{topology.data.rows[0].status} == 'ok'`)).toBe(true);
    expect(value("{flags.data.ok} == true")).toBe(true);
    expect(value("{primary.data.nil} == null")).toBe(true);
    expect(value("{primary.data.nil} != null")).toBe(false);
  });

  it("never coerces types", () => {
    expect(value(`12 == "12"`)).toBe(false);
    expect(value(`{flags.data.version} == 1.1`)).toBe(false);
    expect(value("0 == false")).toBe(false);
    expect(value(`"" == null`)).toBe(false);
    expect(value("1 == true")).toBe(false);
    expect(value(`12 != "12"`)).toBe(true);
  });

  it("is deep JSON equality for arrays and objects, ignoring key order", () => {
    expect(value(`{topology.data.rows[0].neighbours} == {topology.data.rows[0].neighbours}`)).toBe(true);
    expect(jsonEqual({ a: 1, b: [1, { c: null }] }, { b: [1, { c: null }], a: 1 })).toBe(true);
    expect(jsonEqual([1, 2], [2, 1])).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false);
    expect(jsonEqual({ a: 1, b: undefined }, { a: 1 })).toBe(true);
    expect(jsonEqual([], {})).toBe(false);
    expect(jsonEqual(null, undefined)).toBe(true);
  });

  it("handles deep and cyclic values without overflowing", () => {
    let deepA: unknown = 1;
    let deepB: unknown = 1;
    for (let i = 0; i < 50_000; i++) {
      deepA = [deepA];
      deepB = [deepB];
    }
    expect(jsonEqual(deepA, deepB)).toBe(true);
    const x: Record<string, unknown> = { n: 1 };
    x.self = x;
    const y: Record<string, unknown> = { n: 1 };
    y.self = y;
    expect(jsonEqual(x, y)).toBe(true);
  });
});

describe("evaluateCondition: ordering", () => {
  it("compares numbers with numbers", () => {
    expect(value("{primary.data.total} > 0")).toBe(true);
    expect(value("{primary.data.total} >= 12")).toBe(true);
    expect(value("{primary.data.total} < 12")).toBe(false);
    expect(value("{primary.data.total} <= 12")).toBe(true);
    expect(value("-1 < -0.5")).toBe(true);
  });

  it("compares strings with strings lexicographically (by code unit)", () => {
    expect(value(`"abc" < "abd"`)).toBe(true);
    expect(value(`{flags.data.version} > "1.9"`)).toBe(false);
    expect(value(`"Z" < "a"`)).toBe(true);
    expect(value(`"b" >= "b"`)).toBe(true);
  });

  it("is false for any other pairing, and says why", () => {
    for (const text of [`12 > "1"`, `{primary.data.nil} < 1`, `true > false`, `{primary.data.rows} > 0`, `{flags.data.tags} >= {flags.data.tags}`]) {
      expect(value(text)).toBe(false);
    }
    expect(value(`!({primary.data.nil} < 1)`)).toBe(true);
    expect(run(`12 > "1"`).explanation).toBe(`12 > "1" → false (12 > "1" is false: a number and a string are not ordered)`);
    expect(run(`{primary.data.nil} >= 0`).explanation).toContain("null >= 0 is false: a null and a number are not ordered");
    expect(run(`true > false`).explanation).toContain("boolean values are not ordered");
  });
});

describe("evaluateCondition: logic and truthiness", () => {
  it("treats null, false, 0, \"\", [] and {} as falsy and everything else as truthy", () => {
    for (const falsy of [null, undefined, false, 0, -0, Number.NaN, "", [], {}]) expect(isTruthy(falsy)).toBe(false);
    for (const truthy of [true, 1, -1, "0", "false", " ", [0], [null], { a: null }]) expect(isTruthy(truthy)).toBe(true);
    for (const path of ["empty", "none", "zero", "blank", "nil"]) expect(value(`{primary.data.${path}}`)).toBe(false);
    expect(value("{primary.data.rows}")).toBe(true);
    expect(value("{flags.data.tags}")).toBe(true);
  });

  it("! negates truthiness", () => {
    expect(value("!{flags.data.ok}")).toBe(false);
    expect(value("!{primary.data.empty}")).toBe(true);
    expect(value("!!{primary.data.rows}")).toBe(true);
    expect(value("!0")).toBe(true);
    expect(value(`!"x"`)).toBe(false);
  });

  it("&& and || combine truthiness and yield booleans", () => {
    expect(value("true && 1")).toBe(true);
    expect(value("true && 0")).toBe(false);
    expect(value("0 || {primary.data.empty}")).toBe(false);
    expect(value(`0 || "x"`)).toBe(true);
    expect(value("(0 || 5) == 5")).toBe(false);
    expect(value("(0 || 5) == true")).toBe(true);
    expect(value("true || false && false")).toBe(true);
    expect(value("(true || false) && false")).toBe(false);
  });

  it("short-circuits: references on the skipped side are not read", () => {
    const a = run("false && {primary.data.missing} == 1");
    expect(a.value).toBe(false);
    expect(a.missing).toEqual([]);
    expect(a.explanation).toBe("false && {primary.data.missing} == 1 → false && … → false");
    const b = run("{flags.data.ok} || {metrics.x}");
    expect(b.value).toBe(true);
    expect(b.missing).toEqual([]);
  });

  it("uses the truthiness of the whole expression as the result", () => {
    expect(value("{primary.data.total}")).toBe(true);
    expect(value(`{topology.data.rows[1].status}`)).toBe(true);
    expect(value("null")).toBe(false);
  });
});

describe("evaluateCondition: missing references", () => {
  it("reads a missing path as null and reports it", () => {
    const result = run("{primary.data.nope} == null");
    expect(result.value).toBe(true);
    expect(result.missing).toHaveLength(1);
    expect(result.missing[0]!.ref.text).toBe("{primary.data.nope}");
    expect(result.explanation).toContain("{primary.data.nope}: 'primary.data' has no 'nope', read as null");
  });

  it("reads a step with no output as null and reports it", () => {
    const result = run("{metrics.data.cpu} > 90");
    expect(result.value).toBe(false);
    expect(result.missing.map((m) => m.message)).toEqual(["{metrics.data.cpu}: step 'metrics' has no output"]);
  });

  it("never walks the prototype chain at run time", () => {
    const result = run("{flags.data.tags.toString} == null", { flags: { data: { tags: {} } } });
    expect(result.value).toBe(true);
    expect(result.missing).toHaveLength(1);
  });
});

describe("evaluateCondition: explanations", () => {
  it("shows the condition, the values and the result", () => {
    expect(run("{primary.data.total} > 0").explanation).toBe("{primary.data.total} > 0 → 12 > 0 → true");
  });

  it("reduces && / || operands before the result", () => {
    expect(run(`{primary.data.total} > 0 && ({topology.data.rows[0].status} == "degraded" || !{flags.data.ok})`).explanation).toBe(
      `{primary.data.total} > 0 && ({topology.data.rows[0].status} == "degraded" || !{flags.data.ok}) → 12 > 0 && ("ok" == "degraded" || !true) → true && (false || false) → false`,
    );
  });

  it("summarises long values", () => {
    const rows = Array.from({ length: 50 }, (_, i) => ({ id: i }));
    expect(run("{primary.data.rows}", { primary: { data: { rows } } }).explanation).toBe("{primary.data.rows} → […50 items] → true");
  });

  it("does not repeat identical stages", () => {
    expect(run("1 == 1").explanation).toBe("1 == 1 → true");
  });
});

describe("evaluateCondition: explanations quote tool output safely (issue 12 finding 13)", () => {
  it("escapes text-direction controls from a step's output in the reason", () => {
    const result = run(`{primary.data.name} == "x"`, { primary: { data: { name: "ok\u202egnp.exe" } } });
    expect(result.explanation).toContain("ok\\u{202e}gnp.exe");
    expect(result.explanation).not.toContain("\u202e");
  });

  it("names a long string literal shortened in a syntax error", () => {
    const long = "y".repeat(1_500);
    const error = parseError(`"z" "${long}"`);
    expect(error.message).toContain(`value "${"y".repeat(64)}…(1436 more)"`);
    expect(error.message.length).toBeLessThan(600);
  });
});
