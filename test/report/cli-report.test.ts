/**
 * `run --report` end to end, in a real process: the engine records each step's input as its tool
 * was called, the result carries it, and the page shows it — the failed step's call included —
 * with the plan's answer first and nothing of the environment's secrets.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { RunResultSchema } from "../../src/model/result.js";
import { escapeHtml } from "../../src/report/index.js";

const run = promisify(execFile);
const BIN = resolve(import.meta.dirname, "../../bin/plangraph.mjs");
const dir = mkdtempSync(join(tmpdir(), "plangraph-report-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SECRET = "sk-report-test-5f2a9c0e71";
const PLAN = {
  goal: "Echo a host, then fail on purpose with what the first step said.",
  steps: [
    { id: "first", tool: "echo", params: { host: "db-prod-01", token: SECRET } },
    { id: "second", tool: "fail", output_mapping: { message: "backend refused {first.data.host}" } },
    { id: "third", tool: "echo", depends_on: ["second"] },
  ],
  answer: "host {first.data.host}",
};

describe("step inputs in the result", () => {
  it("records each step's input as its tool was called, references resolved, failed steps included", async () => {
    const result = await runPlan(PLAN);
    expect(RunResultSchema.strict().safeParse(result).error).toBeUndefined();
    expect(result.inputs).toEqual({ first: { host: "db-prod-01", token: SECRET }, second: { message: "backend refused db-prod-01" } });
    expect(result.inputs).not.toHaveProperty("third");
  });
});

describe("run --report", () => {
  it("writes the answer, every step's call and the failed call, and no secret of the environment", async () => {
    const plan = join(dir, "plan.json");
    const report = join(dir, "report.html");
    writeFileSync(plan, JSON.stringify(PLAN));
    const outcome = await run(process.execPath, [BIN, "run", plan, "--report", report, "--json"], {
      env: { ...process.env, OPENAI_API_KEY: SECRET, PLANGRAPH_MCP_CONFIG: "" },
    }).catch((error: { code: number; stdout: string }) => error);
    expect((outcome as { code?: number }).code).toBe(1);
    const html = readFileSync(report, "utf8");
    expect(html).toContain(`<p class="answer-text">host db-prod-01</p>`);
    expect(html).toContain(`called <code class="inline-json"><span class="call-tool">fail</span> ${escapeHtml('{ "message": "backend refused db-prod-01" }')}</code>`);
    expect(html).toContain("Called <code>fail</code> with");
    expect(html).toContain(escapeHtml("skipped — 'second' failed"));
    expect(html).not.toContain(SECRET);
    expect(html).toContain("[redacted: OPENAI_API_KEY]");
  }, 60_000);
});
