import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CONTRACT_KEYS, cli, expectContractShape, tempWorkspace } from "./helpers.js";

let ws: ReturnType<typeof tempWorkspace>;
let toolsModule: string;
/** Each call of a `--tools` tool appends its name and input to this file, across commands. */
let callsFile: string;
const calls = (): string[] => (existsSync(callsFile) ? readFileSync(callsFile, "utf8").trim().split("\n").filter(Boolean) : []);

beforeAll(() => {
  ws = tempWorkspace();
  callsFile = join(ws.dir, "calls.log");
  // A user's tool module, written the way the contract says: LangChain tools as the default export.
  toolsModule = ws.file(
    "tools.mjs",
    `import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { appendFileSync } from "node:fs";
const log = (line) => appendFileSync(${JSON.stringify(callsFile)}, line + "\\n");
export default [
  tool(async ({ n }) => { log("double " + n); return { data: n * 2 }; },
    { name: "double", description: "Doubles n.", schema: z.object({ n: z.number() }) }),
  tool(async ({ target }) => { log("deploy " + target); return { data: { deployed: target } }; },
    { name: "deploy", description: "Deploys a target.", schema: z.object({ target: z.string() }) }),
];
`,
  );
});

afterAll(() => ws.cleanup());

const okPlan = () => ws.file("ok.json", { steps: [{ id: "a", tool: "echo", params: { x: 1 } }, { id: "b", tool: "echo", output_mapping: { y: "{a.data.x}" } }] });

describe("cli: exit codes", () => {
  it("exits 0 for a completed run", async () => {
    const { code, out } = await cli(["run", okPlan(), "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(out).status).toBe("completed");
  });

  it("exits 1 when a step failed, still printing the partial results", async () => {
    const plan = ws.file("fails.json", { steps: [{ id: "good", tool: "echo", params: { v: 7 } }, { id: "bad", tool: "fail", params: { message: "no route" } }, { id: "after", tool: "echo", depends_on: ["bad"] }] });
    const { code, out } = await cli(["run", plan, "--json"]);
    expect(code).toBe(1);
    const result = JSON.parse(out);
    expect(result.status).toBe("failed");
    expect(result.results.good).toEqual({ data: { v: 7 } });
    expect(result.errors.bad).toContain("no route");
    expect(result.skipped).toEqual(["after"]);
  });

  it("exits 2 for an invalid plan, with the reason on stderr naming the step and the field", async () => {
    const plan = ws.file("invalid.json", { steps: [{ id: "primary", tool: "echo" }, { id: "b", tool: "echo", depends_on: ["primry"] }] });
    const { code, out, err } = await cli(["run", plan]);
    expect(code).toBe(2);
    expect(out).toBe("");
    expect(err).toContain("UNKNOWN_STEP");
    expect(err).toContain("$.steps[1].depends_on[0]");
    expect(err).toContain("step 'b'");
    expect(err).toContain("did you mean 'primary'?");
  });

  it("exits 2 for a plan that is not JSON, and for a bad reference, naming the field", async () => {
    const notJson = await cli(["run", ws.file("broken.json", '{"steps": [')]);
    expect(notJson.code).toBe(2);
    expect(notJson.err).toMatch(/not valid JSON/);
    const badRef = await cli(["run", ws.file("badref.json", { steps: [{ id: "a", tool: "echo" }, { id: "b", tool: "echo", output_mapping: { v: "{a.data[*]}" } }] })]);
    expect(badRef.code).toBe(2);
    expect(badRef.err).toContain("$.steps[1].output_mapping.v");
    expect(badRef.err).toContain("step 'b'");
  });

  it("exits 2 for usage errors, explaining the usage on stderr", async () => {
    for (const argv of [["run"], ["frobnicate"], ["run", okPlan(), "--no-such-flag"], ["run", okPlan(), "--thread", "t"], ["validate"], ["run", join(ws.dir, "missing.json")]]) {
      const { code, out, err } = await cli(argv);
      expect(code, argv.join(" ")).toBe(2);
      expect(out, argv.join(" ")).toBe("");
      expect(err.length, argv.join(" ")).toBeGreaterThan(10);
    }
  });
});

describe("cli: run --json", () => {
  it("prints exactly one JSON object with every contract key", async () => {
    const { code, out } = await cli(["run", okPlan(), "--json"]);
    expect(code).toBe(0);
    expect(out.endsWith("\n")).toBe(true);
    expect(out.trim().split("\n")).toHaveLength(1);
    const result = JSON.parse(out) as Record<string, unknown>;
    expect(result !== null && typeof result === "object" && !Array.isArray(result)).toBe(true);
    expectContractShape(result);
    for (const key of CONTRACT_KEYS) expect(Object.keys(result)).toContain(key);
    expect(result).toMatchObject({ strategy: "SERIAL", order: [["a"], ["b"]], results: { a: { data: { x: 1 } }, b: { data: { y: 1 } } } });
  });

  it("turns a missing reference into a failed step (exit 1) under --strict, a warning without it", async () => {
    const plan = ws.file("strict.json", { steps: [{ id: "a", tool: "echo" }, { id: "b", tool: "echo", output_mapping: { v: "{a.data.absent}" } }] });
    const lenient = await cli(["run", plan, "--json"]);
    expect(lenient.code).toBe(0);
    expect(JSON.parse(lenient.out).warnings[0]).toContain("{a.data.absent}");
    const strict = await cli(["run", plan, "--json", "--strict"]);
    expect(strict.code).toBe(1);
    expect(JSON.parse(strict.out).errors.b).toContain("{a.data.absent}");
  });

  it("runs --sequential one step at a time with the same results", async () => {
    const { code, out } = await cli(["run", okPlan(), "--json", "--sequential"]);
    expect(code).toBe(0);
    expect(JSON.parse(out).results).toEqual({ a: { data: { x: 1 } }, b: { data: { y: 1 } } });
  });
});

describe("cli: validate and draw", () => {
  it("validates a plan without running it", async () => {
    const { code, out } = await cli(["validate", okPlan()]);
    expect(code).toBe(0);
    expect(out).toMatch(/valid: 2 steps/);
    const json = await cli(["validate", okPlan(), "--json"]);
    expect(JSON.parse(json.out)).toMatchObject({ valid: true, steps: 2, strategy: "SERIAL", order: [["a"], ["b"]] });
  });

  it("exits 2 from validate for an invalid plan", async () => {
    const { code, err } = await cli(["validate", ws.file("cyc.json", { steps: [{ id: "a", tool: "echo", depends_on: ["b"] }, { id: "b", tool: "echo", depends_on: ["a"] }] })]);
    expect(code).toBe(2);
    expect(err).toMatch(/PLAN_CYCLE.*(a → b → a|b → a → b)/);
  });

  it("draws the plan as Mermaid with every step", async () => {
    const plan = ws.file("draw.json", { steps: [{ id: "fetch", tool: "echo" }, { id: "parse", tool: "echo", depends_on: ["fetch"] }, { id: "side", tool: "echo" }] });
    const { code, out } = await cli(["draw", plan]);
    expect(code).toBe(0);
    expect(out).toMatch(/^graph TD;/m);
    for (const id of ["fetch", "parse", "side"]) expect(out).toContain(`${id}(${id})`);
    expect(out).toContain("fetch --> parse;");
  });
});

describe("cli: --tools", () => {
  it("loads a module of LangChain tools and runs them", async () => {
    const before = calls().length;
    const plan = ws.file("tools-plan.json", { steps: [{ id: "twice", tool: "double", params: { n: 21 } }, { id: "again", tool: "double", output_mapping: { n: "{twice.data}" } }] });
    const { code, out } = await cli(["run", plan, "--tools", toolsModule, "--json"]);
    expect(code).toBe(0);
    expect(JSON.parse(out).results).toEqual({ twice: { data: 42 }, again: { data: 84 } });
    expect(calls().slice(before)).toEqual(["double 21", "double 42"]);
  });

  it("knows the module's tools in validate and draw too", async () => {
    const plan = ws.file("tools-validate.json", { steps: [{ id: "twice", tool: "double", params: { n: 1 } }] });
    expect((await cli(["validate", plan, "--tools", toolsModule])).code).toBe(0);
    expect((await cli(["draw", plan, "--tools", toolsModule])).code).toBe(0);
    const without = await cli(["validate", plan]);
    expect(without.code).toBe(2);
    expect(without.err).toContain("unknown tool 'double'");
  });

  it("exits 2 for a module that does not exist", async () => {
    const { code, err } = await cli(["run", okPlan(), "--tools", join(ws.dir, "nope.mjs")]);
    expect(code).toBe(2);
    expect(err).toContain("nope.mjs");
  });
});

describe("cli: human approval", () => {
  const approvalPlan = () =>
    ws.file("approval.json", {
      steps: [
        { id: "build", tool: "echo", params: { target: "web-1" } },
        { id: "ship", tool: "deploy", requires_approval: true, output_mapping: { target: "{build.data.target}" } },
        { id: "announce", tool: "echo", depends_on: ["ship"] },
        { id: "other", tool: "echo" },
      ],
    });
  const deploys = () => calls().filter((c) => c.startsWith("deploy"));

  it("exits 2 naming the step when no --db and no --approve-all is given", async () => {
    const before = deploys().length;
    const { code, err } = await cli(["run", approvalPlan(), "--tools", toolsModule, "--json"]);
    expect(code).toBe(2);
    expect(err).toContain("'ship'");
    expect(err).toMatch(/approv/);
    expect(deploys().length).toBe(before);
  });

  it("runs everything with --approve-all", async () => {
    const before = deploys().length;
    const { code, out } = await cli(["run", approvalPlan(), "--tools", toolsModule, "--json", "--approve-all"]);
    expect(code).toBe(0);
    expect(JSON.parse(out).results.ship).toEqual({ data: { deployed: "web-1" } });
    expect(deploys().length).toBe(before + 1);
  });

  it("runs --approve-all plans on the orchestrated path, without falling back", async () => {
    const { code, out } = await cli(["run", approvalPlan(), "--tools", toolsModule, "--json", "--approve-all"]);
    expect(code).toBe(0);
    expect(JSON.parse(out).warnings).toEqual([]);
  });

  it("pauses with --thread/--db (exit 3, pending with resolved params), and resume --approve completes it, the tool running once", async () => {
    const db = join(ws.dir, "approve.sqlite");
    const before = deploys().length;
    const paused = await cli(["run", approvalPlan(), "--tools", toolsModule, "--thread", "t-approve", "--db", db, "--json"]);
    expect(paused.code).toBe(3);
    const interrupted = JSON.parse(paused.out);
    expect(interrupted.status).toBe("interrupted");
    expect(interrupted.pending).toEqual([{ step: "ship", tool: "deploy", params: { target: "web-1" } }]);
    expect(interrupted.results.build).toEqual({ data: { target: "web-1" } });
    expect(interrupted.results.other).toEqual({ data: {} });
    expect(deploys().length).toBe(before);

    const resumed = await cli(["resume", "--thread", "t-approve", "--db", db, "--tools", toolsModule, "--approve", "ship", "--json"]);
    expect(resumed.code).toBe(0);
    const done = JSON.parse(resumed.out);
    expect(done.status).toBe("completed");
    expect(done.pending).toEqual([]);
    expect(done.results.ship).toEqual({ data: { deployed: "web-1" } });
    expect(done.results.announce).toEqual({ data: {} });
    expect(deploys().slice(before)).toEqual(["deploy web-1"]);
  });

  it("resume --reject reports the step as rejected in errors and skips its dependents", async () => {
    const db = join(ws.dir, "reject.sqlite");
    const before = deploys().length;
    const paused = await cli(["run", approvalPlan(), "--tools", toolsModule, "--thread", "t-reject", "--db", db, "--json"]);
    expect(paused.code).toBe(3);
    const resumed = await cli(["resume", "--thread", "t-reject", "--db", db, "--tools", toolsModule, "--reject", "ship", "--json"]);
    const result = JSON.parse(resumed.out);
    expect(result.errors.ship).toMatch(/reject/);
    expect(result.skipped).toEqual(["announce"]);
    expect(result.results.ship).toBeUndefined();
    expect(result.pending).toEqual([]);
    expect(deploys().length).toBe(before);
  });

  it("does not report the steps waiting behind an approval as skipped", async () => {
    const db = join(ws.dir, "waiting.sqlite");
    const paused = await cli(["run", approvalPlan(), "--tools", toolsModule, "--thread", "t-waiting", "--db", db, "--json"]);
    expect(paused.code).toBe(3);
    expect(JSON.parse(paused.out).skipped).toEqual([]);
  });
});
