import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { planGraphView, preparePlan, runPlan } from "../../src/index.js";
import { renderReport, sensitiveParts } from "../../src/report/index.js";
import { createToolRegistry } from "../../src/tools/registry.js";
import { main, type CliIO } from "../../src/cli/main.js";
import { telemetrySetup } from "../telemetry/support.js";
import tools, { PLANTED, REDACTION_PLAN } from "./fixtures/redaction-tools.js";

const ENV_SECRETS = {
  OPENAI_API_KEY: "sk-planted-openai-0c1d2e3f",
  PLANGRAPH_AUTH_JWT_SECRET: "jwt-planted-secret-7a8b9c",
  DATABASE_URL: "postgres://ops:pg-planted-password-4411@127.0.0.1:1/none",
};
const PLANTED_ENV = ["sk-planted-openai-0c1d2e3f", "jwt-planted-secret-7a8b9c", "pg-planted-password-4411"];
const EVERY_PLANTED = [...Object.values(PLANTED), ...PLANTED_ENV];

const saved: Record<string, string | undefined> = {};
beforeEach(() => {
  for (const [name, value] of Object.entries(ENV_SECRETS)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});
const dir = mkdtempSync(join(tmpdir(), "plangraph-redaction-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Everything a span exports: name, attributes, events, status, as one string to scan. */
function exported(spans: readonly ReadableSpan[]): string {
  return JSON.stringify(spans.map((s) => ({ name: s.name, attributes: s.attributes, events: s.events, status: s.status })));
}
const statusOf = (spans: readonly ReadableSpan[], step: string) => spans.find((s) => s.attributes["plangraph.step.id"] === step)?.status.message;

describe("redaction of sensitive steps and environment secrets", () => {
  it("keeps every planted value out of the run's spans, while the run itself saw them", async () => {
    const { exporter, telemetry } = telemetrySetup();
    const result = await runPlan(REDACTION_PLAN, { tools, chatModel: null, telemetry });
    // The values really went through the run: the spans had them to leak.
    expect(result.results.creds).toMatchObject({ data: { password: PLANTED.output } });
    expect(result.errors.login).toContain(PLANTED.output);
    expect(result.errors.env).toContain(PLANTED_ENV[0]);
    expect(result.decisions.is_svc?.branch).toBe("then");
    const spans = exporter.getFinishedSpans();
    const text = exported(spans);
    for (const value of EVERY_PLANTED) expect(text, value).not.toContain(value);
    // What is shown instead: the sensitive steps' messages withheld, the others scrubbed.
    expect(statusOf(spans, "direct")).toBe("[redacted]");
    expect(statusOf(spans, "sealed")).toBe("[redacted]");
    expect(statusOf(spans, "login")).toMatch(/login refused for password \[redacted\]$/);
    expect(statusOf(spans, "env")).toContain("upstream said key=[redacted: OPENAI_API_KEY] jwt=[redacted: PLANGRAPH_AUTH_JWT_SECRET] db=postgres://ops:[redacted: DATABASE_URL password]@127.0.0.1:1/none");
    expect(spans.find((s) => s.attributes["plangraph.decision.id"] === "is_svc")?.attributes["plangraph.decision.reason"]).toBe("[redacted]");
  });

  it("finds the sensitive parts of a plan: marked steps, steps of sensitive tools, their readers, decisions and the answer", () => {
    const prepared = preparePlan(REDACTION_PLAN, { registry: createToolRegistry(tools) });
    expect(sensitiveParts(prepared)).toEqual({ steps: ["creds", "direct", "sealed"], inputs: ["copy", "login"], decisions: ["is_svc"], answer: true });
  });

  it("keeps every planted value out of the HTML report and shows [redacted] in their place", async () => {
    const prepared = preparePlan(REDACTION_PLAN, { registry: createToolRegistry(tools) });
    const result = await runPlan(prepared, { chatModel: null, telemetry: false });
    const html = renderReport({ title: "redaction", generatedAt: new Date().toISOString(), graph: planGraphView(prepared), result, sensitive: sensitiveParts(prepared) });
    for (const value of EVERY_PLANTED) expect(html, value).not.toContain(value);
    expect(html).toContain("[redacted]");
    expect(html).toContain("[redacted: OPENAI_API_KEY]");
    // Ids, tools and the graph stay: only values are withheld.
    for (const id of ["creds", "copy", "login", "direct", "sealed", "env", "gated", "lookup_credentials", "vault_read"]) expect(html).toContain(id);
  });

  it("plangraph run --report writes a report without any planted value", async () => {
    const plan = join(dir, "plan.json");
    const report = join(dir, "report.html");
    writeFileSync(plan, JSON.stringify(REDACTION_PLAN));
    let out = "";
    const io: CliIO = { out: (t) => void (out += t), err: () => undefined, stderrIsTTY: false, stdinIsTTY: true, env: { PLANGRAPH_AUDIT_DB: join(dir, "audit.sqlite") }, liveHandles: () => [] };
    const code = await main(["run", plan, "--tools", resolve(import.meta.dirname, "fixtures/redaction-tools.ts"), "--report", report, "--json"], io);
    expect(code).toBe(1);
    expect(JSON.parse(out).errors.login).toContain(PLANTED.output);
    const html = readFileSync(report, "utf8");
    expect(html).toContain("[redacted]");
    for (const value of EVERY_PLANTED) expect(html, value).not.toContain(value);
  });
});
