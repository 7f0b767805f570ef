/**
 * Issue 12 finding 13: errors never echo whole inputs. A 100,000-character id used to be printed
 * in full (100–200 KB of stderr) and text-direction controls (U+202E) reached terminals raw.
 * Every message that quotes user input shows at most 64 characters of it, then "…(N more)", with
 * control and bidi characters written as \u{…}.
 *
 * Reproduce: npx vitest run test/reliability/echoed-input.test.ts
 */
import { afterAll, describe, expect, it } from "vitest";
import { echo } from "../../src/model/echo.js";
import { PlangraphError, PlanValidationError } from "../../src/model/errors.js";
import { cli, tempWorkspace } from "../core/helpers.js";
import { prepare } from "./support/tools.js";

const LONG = "x".repeat(100_000);
const RLO = "\u202e";
/** Any raw control, bidi or separator character a terminal would act on. */
const RAW_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ufeff]/;

function issuesOf(plan: unknown): readonly PlangraphError[] {
  try {
    prepare(plan);
  } catch (error) {
    expect(error).toBeInstanceOf(PlangraphError);
    return error instanceof PlanValidationError ? error.issues : [error as PlangraphError];
  }
  throw new Error("expected the plan to be rejected");
}

function expectSafe(issues: readonly PlangraphError[]): void {
  expect(issues.length).toBeGreaterThan(0);
  for (const issue of issues) {
    expect(issue.message.length, issue.message.slice(0, 200)).toBeLessThan(1_000);
    expect(issue.message).not.toMatch(RAW_UNSAFE);
    expect((issue.path ?? "").length).toBeLessThanOrEqual(300);
    expect(issue.path ?? "").not.toMatch(RAW_UNSAFE);
    expect((issue.step ?? "").length).toBeLessThanOrEqual(100);
    expect(JSON.stringify(issue.toJSON()).length).toBeLessThan(1_500);
  }
}

describe("echo: how messages quote user input", () => {
  it("returns short plain text unchanged", () => {
    expect(echo("primary")).toBe("primary");
    expect(echo("x".repeat(64))).toBe("x".repeat(64));
  });

  it("shows 64 characters, then how many more there were", () => {
    expect(echo(LONG)).toBe(`${"x".repeat(64)}…(99936 more)`);
    expect(echo("abcdef", 3)).toBe("abc…(3 more)");
  });

  it("counts characters, not UTF-16 units, and never splits a surrogate pair", () => {
    expect(echo("😀".repeat(100))).toBe(`${"😀".repeat(64)}…(36 more)`);
    expect(echo("😀")).toBe("😀");
  });

  it("escapes controls, bidi overrides and isolates, separators and lone surrogates as \\u{…}", () => {
    expect(echo(`evil${RLO}txt.exe`)).toBe("evil\\u{202e}txt.exe");
    expect(echo("a\u0000b\u001b[31mc\u0085d\u2066e\u2069f\u200fg\u2028h")).toBe("a\\u{0}b\\u{1b}[31mc\\u{85}d\\u{2066}e\\u{2069}f\\u{200f}g\\u{2028}h");
    expect(echo("lone \ud800 high, lone \udc00 low")).toBe("lone \\u{d800} high, lone \\u{dc00} low");
    expect(echo("tab\tline\n")).toBe("tab\\u{9}line\\u{a}");
  });
});

describe("plan errors quote hostile input shortened and escaped", () => {
  it("a 100,000-character step id", () => {
    const issues = issuesOf({ steps: [{ id: LONG, tool: "echo" }, { id: "b", tool: "echo", depends_on: [LONG] }] });
    expectSafe(issues);
    expect(issues[0]!.code).toBe("BAD_ID");
    expect(issues[0]!.message).toContain(`${"x".repeat(64)}…(99936 more)`);
  });

  it("a 100,000-character tool name, parameter name and unknown reference", () => {
    const issues = issuesOf({
      steps: [
        { id: "a", tool: LONG },
        { id: "b", tool: "fail", params: { [LONG]: 1 } },
        { id: "c", tool: "echo", output_mapping: { x: `{${LONG}.data}`, y: `{a.${LONG}}`, z: `{a.data${"[0]".repeat(30_000)}}` } },
      ],
    });
    expectSafe(issues);
    expect(issues.map((i) => i.code)).toEqual(expect.arrayContaining(["UNKNOWN_TOOL", "TOOL_INPUT_INVALID", "UNKNOWN_STEP", "LIMIT_EXCEEDED"]));
  });

  it("text-direction controls in ids, tools, keys, references and conditions", () => {
    const issues = issuesOf({
      steps: [
        { id: `a${RLO}b`, tool: `ec${RLO}ho` },
        { id: "c", tool: "fail", params: { [`k${RLO}`]: 1 } },
        { id: "d", tool: "echo", output_mapping: { x: `{zz${RLO}.data}`, [`m${RLO}`]: "{c.data[*]}" } },
      ],
      decisions: [{ id: "gate", after: ["c"], condition: `{c.data} == '${RLO}' &&`, then: ["d"] }],
    });
    expectSafe(issues);
    expect(issues.some((i) => i.message.includes("\\u{202e}"))).toBe(true);
  });

  it("a hostile key deep in params shows in the error's path shortened", () => {
    const issues = issuesOf({ steps: [{ id: "a", tool: "echo" }, { id: "b", tool: "echo", params: { [LONG]: { [`${RLO}k`]: "{a.data[*]}" } } }] });
    expectSafe(issues);
    expect(issues[0]!.path).toBe(`$.steps[1].params["${"x".repeat(64)}…(99936 more)"]["\\u{202e}k"]`);
  });
});

describe("the CLI prints a hostile plan's errors in a few lines", () => {
  const workspace = tempWorkspace();
  afterAll(() => workspace.cleanup());

  it("validate: a 100,000-character id and a U+202E id give short, escaped stderr and exit 2", async () => {
    const file = workspace.file("hostile.json", { steps: [{ id: LONG, tool: "echo" }, { id: `evil${RLO}`, tool: "echo" }] });
    const { code, err, out } = await cli(["validate", file]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err.length).toBeLessThan(2_000);
    expect(err).toContain("…(99936 more)");
    expect(err).toContain("evil\\u{202e}");
    expect(err).not.toMatch(RAW_UNSAFE);
    expect(err).not.toMatch(/internal error|RangeError|at .*\.ts:\d+/);
  });

  it("validate --json: the same plan's errors are short in JSON too", async () => {
    const file = workspace.file("hostile-json.json", { steps: [{ id: LONG, tool: "echo" }] });
    const { code, out } = await cli(["validate", file, "--json"]);
    expect(code).toBe(2);
    expect(out.length).toBeLessThan(2_000);
    const parsed = JSON.parse(out) as { error: { problems: Array<{ code: string; step?: string }> } };
    expect(parsed.error.problems[0]!.code).toBe("BAD_ID");
    expect(parsed.error.problems[0]!.step).toBe(`${"x".repeat(64)}…(99936 more)`);
  });

  it("validate: params nested 3,000 deep are a typed LIMIT_EXCEEDED naming the path, exit 2, no stack trace", async () => {
    const text = `{"steps":[{"id":"a","tool":"echo","params":{"deep":${"[".repeat(3_000)}${"]".repeat(3_000)}}}]}`;
    const file = workspace.file("deep.json", text);
    const { code, err } = await cli(["validate", file]);
    expect(code).toBe(2);
    expect(err).toMatch(/LIMIT_EXCEEDED/);
    expect(err).toMatch(/\$\.steps\[0\]\.params\.deep\[0\]/);
    expect(err).not.toMatch(/internal error|RangeError|Maximum call stack/);
  });
});
