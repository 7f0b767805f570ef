import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { join } from "node:path";
import { tempWorkspace } from "../core/helpers.js";
import { runCli } from "./support.js";

let ws: ReturnType<typeof tempWorkspace>;
let toolsModule: string;

beforeAll(() => {
  ws = tempWorkspace();
  toolsModule = ws.file(
    "tools.mjs",
    `import { tool } from "@langchain/core/tools";
import { z } from "zod";
export default [
  tool(async ({ target }) => ({ data: { deployed: target } }), { name: "deploy", description: "Deploys a target.", schema: z.object({ target: z.string() }) }),
];
`,
  );
});
afterAll(() => ws.cleanup());

const answerPlan = { steps: [{ id: "stats", tool: "echo", params: { p95: 120 } }], answer: "worst p95 latency yesterday: {stats.data.host} at {stats.data.p95} ms" };

describe("cli: a plan from stdin", () => {
  it("runs `run -` on the plan piped in", async () => {
    const { code, out } = await runCli(["run", "-", "--json"], { stdin: JSON.stringify({ steps: [{ id: "a", tool: "echo", params: { x: 5 } }] }) });
    expect(code).toBe(0);
    expect(JSON.parse(out).results.a).toEqual({ data: { x: 5 } });
  });

  it("validates and draws `-` too", async () => {
    const plan = JSON.stringify({ steps: [{ id: "a", tool: "echo" }, { id: "b", tool: "echo", depends_on: ["a"] }] });
    expect((await runCli(["validate", "-"], { stdin: plan })).out).toMatch(/valid: 2 steps/);
    expect((await runCli(["draw", "-"], { stdin: plan })).out).toContain("a --> b;");
  });

  it("refuses `-` when stdin is a terminal or empty, with exit 2", async () => {
    const tty = await runCli(["run", "-"]);
    expect(tty.code).toBe(2);
    expect(tty.err).toContain("stdin is a terminal");
    const empty = await runCli(["run", "-"], { stdin: "  \n" });
    expect(empty.code).toBe(2);
    expect(empty.err).toContain("stdin was empty");
  });
});

describe("cli: exit status follows errors", () => {
  it("exits 1 when a step was rejected, though the status stays completed, and the summary says why", async () => {
    const plan = ws.file("reject.json", { steps: [{ id: "build", tool: "echo", params: { target: "web" } }, { id: "ship", tool: "deploy", requires_approval: true, output_mapping: { target: "{build.data.target}" } }] });
    const db = join(ws.dir, "reject.sqlite");
    expect((await runCli(["run", plan, "--tools", toolsModule, "--thread", "r1", "--db", db])).code).toBe(3);
    const json = await runCli(["resume", "--thread", "r1", "--db", db, "--tools", toolsModule, "--reject", "ship", "--json"]);
    expect(json.code).toBe(1);
    const result = JSON.parse(json.out);
    expect(result.status).toBe("completed");
    expect(result.error_codes.ship).toBe("STEP_REJECTED");
  });

  it("says in the human summary that a completed run with errors exits 1", async () => {
    const plan = ws.file("reject2.json", { steps: [{ id: "ship", tool: "deploy", requires_approval: true, params: { target: "x" } }] });
    const db = join(ws.dir, "reject2.sqlite");
    await runCli(["run", plan, "--tools", toolsModule, "--thread", "r2", "--db", db]);
    const human = await runCli(["resume", "--thread", "r2", "--db", db, "--tools", toolsModule, "--reject", "ship"]);
    expect(human.code).toBe(1);
    expect(human.out).toMatch(/^COMPLETED/);
    expect(human.out).toContain("exit 1: 1 error above (a rejected step counts), although the run completed");
  });
});

describe("cli: an interrupted run", () => {
  it("prints the resume commands with its thread and file, and no blank answer", async () => {
    const plan = ws.file("pause.json", { steps: [{ id: "build", tool: "echo", params: { target: "web" } }, { id: "ship", tool: "deploy", requires_approval: true, output_mapping: { target: "{build.data.target}" } }], answer: "deployed {ship.data.deployed}" });
    const db = join(ws.dir, "pause.sqlite");
    const paused = await runCli(["run", plan, "--tools", toolsModule, "--thread", "p1", "--db", db]);
    expect(paused.code).toBe(3);
    expect(paused.out).toContain(`plangraph resume --thread p1 --db ${db} --approve ship`);
    expect(paused.out).toContain(`plangraph resume --thread p1 --db ${db} --reject ship`);
    expect(paused.out).not.toMatch(/deployed\s*$/);
    const json = await runCli(["resume", "--thread", "p1", "--db", db, "--tools", toolsModule, "--json"]);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.out).answer).toBeUndefined();
    expect(JSON.parse(json.out).warnings).toEqual([]);
    const done = await runCli(["resume", "--thread", "p1", "--db", db, "--tools", toolsModule, "--approve", "ship", "--json"]);
    expect(JSON.parse(done.out).answer).toBe("deployed web");
  });
});

describe("cli: the answer's references are references", () => {
  it("warns naming each missing reference of the answer", async () => {
    const { code, out } = await runCli(["run", ws.file("answer.json", answerPlan), "--json"]);
    expect(code).toBe(0);
    const result = JSON.parse(out);
    expect(result.answer).toBe("worst p95 latency yesterday:  at 120 ms");
    expect(result.warnings).toEqual(["answer: {stats.data.host}: 'stats.data' has no 'host' (rendered as empty text)"]);
  });

  it("fails the run under --strict with an error entry for $.answer, exit 1, and no answer", async () => {
    const { code, out } = await runCli(["run", ws.file("answer-strict.json", answerPlan), "--json", "--strict"]);
    expect(code).toBe(1);
    const result = JSON.parse(out);
    expect(result.status).toBe("failed");
    expect(result.errors["$.answer"]).toContain("{stats.data.host}");
    expect(result.error_codes["$.answer"]).toBe("MISSING_REFERENCE");
    expect(result.answer).toBeUndefined();
    expect(result.results.stats).toEqual({ data: { p95: 120 } });
  });

  it("names a failed step's reference in the answer's warning", async () => {
    const plan = ws.file("answer-failed.json", { steps: [{ id: "broken", tool: "fail", params: { message: "down" } }], answer: "value: {broken.data.v}" });
    const result = JSON.parse((await runCli(["run", plan, "--json"])).out);
    expect(result.warnings).toContain("answer: {broken.data.v}: step 'broken' has no output (rendered as empty text)");
  });
});

describe("cli: errors under --json and on a terminal", () => {
  it("prints every problem of an invalid plan as { error: { code, message, path, step, problems } }", async () => {
    const plan = ws.file("invalid.json", { steps: [{ id: "a", tool: "echo", depends_on: ["x"] }, { id: "b", tool: "echo", depends_on: ["c"] }] });
    const { code, out } = await runCli(["run", plan, "--json"]);
    expect(code).toBe(2);
    const { error } = JSON.parse(out);
    expect(error.problems.map((p: { code: string; path: string }) => [p.code, p.path]).sort()).toEqual([["UNKNOWN_STEP", "$.steps[0].depends_on[0]"], ["UNKNOWN_STEP", "$.steps[1].depends_on[0]"]]);
    expect([error.code, error.path, error.step]).toEqual([error.problems[0].code, error.problems[0].path, error.problems[0].step]);
    expect(error.message).toContain("(and 1 more problem)");
    expect(error.problems.every((p: { message: string; path: string }) => p.message && p.path.startsWith("$"))).toBe(true);
  });

  it("prints a non-plan PlangraphError as { error } on stdout under --json (missing plan file)", async () => {
    const { code, out } = await runCli(["run", join(ws.dir, "missing.json"), "--json"]);
    expect(code).toBe(2);
    expect(JSON.parse(out)).toEqual({ error: { code: "USAGE", message: expect.stringContaining("missing.json") } });
  });

  it("escapes control and bidi characters and bounds long lines on stderr", async () => {
    const evil = `evil\u202Eid\u001b[2J${"x".repeat(50_000)}`;
    const { code, err } = await runCli(["run", ws.file("evil.json", { steps: [{ id: "a", tool: "echo", depends_on: [evil] }] })]);
    expect(code).toBe(2);
    expect(err).not.toMatch(/[\u202E\u001b]/);
    expect(err).toContain("\\u{202e}");
    expect(err.length).toBeLessThan(5_000);
    expect(err).toMatch(/…\(\d+ more\)/);
  });
});

describe("cli: resume reads an existing run", () => {
  it("refuses a --db file that does not exist, without creating it", async () => {
    const { existsSync } = await import("node:fs");
    const db = join(ws.dir, "typo.sqlite");
    const { code, err } = await runCli(["resume", "--thread", "t", "--db", db]);
    expect(code).toBe(2);
    expect(err).toContain("DATABASE_NOT_FOUND");
    expect(existsSync(db)).toBe(false);
  });
});
