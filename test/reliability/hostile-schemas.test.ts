/**
 * Issue 12, findings 5 and 7. A tool's own code that throws where plangraph calls it — its input
 * schema's `refine`, `transform(JSON.parse)` or error-message function, a synchronous `invoke`,
 * an output getter, a thrown value nothing can describe or a proxy that breaks `instanceof` — fails only that step with a typed error
 * naming the step and the tool, for literal and referenced inputs alike; the process survives and
 * the rest of the plan runs. And the output cap counts UTF-8 bytes, not UTF-16 characters.
 *
 * Reproduce: npx vitest run test/reliability/hostile-schemas.test.ts
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { runPlan } from "../../src/api/run-plan.js";
import { callTool, utf8BytesOver } from "../../src/engine/tool-call.js";
import { defineTool } from "../../src/tools/define.js";
import { createToolRegistry } from "../../src/tools/registry.js";
import hostileSchemaTools from "./support/hostile-schema-tools.js";

const REPO = resolve(import.meta.dirname, "../..");
const TOOLS_MODULE = join(REPO, "test/reliability/support/hostile-schema-tools.ts");
const quiet = { chatModel: null, telemetry: false } as const;

const plan = {
  steps: [
    { id: "src", tool: "echo", params: { q: "x", doc: "not json", good: '{"a":1}', n: "text" } },
    { id: "refine_lit", tool: "refine_throws", params: { q: "x" } },
    { id: "refine_ref", tool: "refine_throws", output_mapping: { q: "{src.data.q}" } },
    { id: "json_lit", tool: "transform_json", params: { doc: "not json" } },
    { id: "json_ref", tool: "transform_json", output_mapping: { doc: "{src.data.doc}" } },
    { id: "json_good", tool: "transform_json", output_mapping: { doc: "{src.data.good}" } },
    { id: "msg_lit", tool: "message_throws", params: { n: "text" } },
    { id: "msg_ref", tool: "message_throws", output_mapping: { n: "{src.data.n}" } },
    { id: "sync_invoke", tool: "invoke_throws", params: {} },
    { id: "getter", tool: "getter_throws", params: {} },
    { id: "undescribable", tool: "undescribable", params: {} },
    { id: "proto_trap", tool: "proto_trap", params: {} },
    { id: "after_refine", tool: "echo", output_mapping: { x: "{refine_ref.data}" } },
    { id: "healthy_end", tool: "echo", params: { done: true }, depends_on: ["json_good", "sync_invoke"], optional_depends_on: ["sync_invoke"] },
  ],
};

/** Each hostile step's typed error: its code, and a message naming the step, the tool and the cause. */
const EXPECTED: Record<string, { code: string; message: RegExp }> = {
  refine_lit: { code: "TOOL_INPUT_INVALID", message: /step 'refine_lit'.*tool 'refine_throws'.*refine exploded/ },
  refine_ref: { code: "TOOL_INPUT_INVALID", message: /step 'refine_ref'.*tool 'refine_throws'.*refine exploded/ },
  json_lit: { code: "TOOL_INPUT_INVALID", message: /step 'json_lit'.*tool 'transform_json'.*JSON/ },
  json_ref: { code: "TOOL_INPUT_INVALID", message: /step 'json_ref'.*tool 'transform_json'.*JSON/ },
  msg_lit: { code: "TOOL_INPUT_INVALID", message: /step 'msg_lit'.*tool 'message_throws'.*message exploded/ },
  msg_ref: { code: "TOOL_INPUT_INVALID", message: /step 'msg_ref'.*tool 'message_throws'.*message exploded/ },
  sync_invoke: { code: "TOOL_FAILED", message: /step 'sync_invoke' \(tool 'invoke_throws'\) failed: invoke exploded synchronously/ },
  getter: { code: "OUTPUT_NOT_SERIALIZABLE", message: /step 'getter'.*getter exploded/ },
  undescribable: { code: "TOOL_FAILED", message: /step 'undescribable' \(tool 'undescribable'\) failed: \(an error that could not be described\)/ },
  proto_trap: { code: "TOOL_FAILED", message: /step 'proto_trap' \(tool 'proto_trap'\) failed/ },
};

function expectIsolated(result: { results: Record<string, unknown>; errors: Record<string, string>; error_codes?: Record<string, string>; skipped: string[] }) {
  for (const [step, want] of Object.entries(EXPECTED)) {
    expect(result.errors[step], step).toMatch(want.message);
    if (result.error_codes) expect(result.error_codes[step], step).toBe(want.code);
  }
  expect(result.results.src).toEqual({ data: plan.steps[0]!.params });
  // A transform runs once: the tool gets the parsed document, not a second parse of its own output.
  expect(result.results.json_good).toEqual({ data: { doc: { a: 1 } } });
  expect(result.results.healthy_end).toEqual({ data: { done: true } });
  expect(result.skipped).toContain("after_refine");
}

describe("a tool whose own code throws fails only its step (finding 5)", () => {
  it("in process: every case gets its typed error, nothing escapes as an uncaught exception", async () => {
    const escaped: unknown[] = [];
    const onEscape = (error: unknown) => escaped.push(error);
    process.on("uncaughtException", onEscape);
    process.on("unhandledRejection", onEscape);
    try {
      const result = await runPlan(plan, { tools: hostileSchemaTools, ...quiet });
      expect(result.status).toBe("failed");
      expectIsolated(result);
      await new Promise((r) => setTimeout(r, 20));
      expect(escaped).toEqual([]);
    } finally {
      process.off("uncaughtException", onEscape);
      process.off("unhandledRejection", onEscape);
    }
  });

  const dir = mkdtempSync(join(tmpdir(), "plangraph-hostile-schemas-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("in a real process: `plangraph run --tools` exits 1 with every typed error in its JSON", () => {
    const planFile = join(dir, "plan.json");
    writeFileSync(planFile, JSON.stringify(plan));
    const child = spawnSync(process.execPath, [join(REPO, "bin/plangraph.mjs"), "run", planFile, "--tools", TOOLS_MODULE, "--json"], {
      cwd: REPO,
      encoding: "utf8",
      timeout: 60_000,
      env: { ...process.env, OPENAI_API_KEY: "" },
    });
    expect(child.stderr).not.toMatch(/internal error|Uncaught|at .*\(.*:\d+:\d+\)/);
    expect(child.status).toBe(1);
    const result = JSON.parse(child.stdout);
    expect(result.status).toBe("failed");
    expectIsolated(result);
  }, 70_000);
});

describe("the output cap counts UTF-8 bytes (finding 7)", () => {
  const emitter = (text: string) =>
    defineTool({ name: "emit", description: "Returns `text`.", input: z.object({}), run: () => ({ data: text }) });
  const call = (text: string, maxOutputBytes: number) => {
    const tool = createToolRegistry([emitter(text)]).get("emit")!;
    return callTool({ stepId: "big", tool, input: {}, signal: new AbortController().signal, maxOutputBytes });
  };

  it("refuses '€' text whose characters fit the cap but whose bytes do not", async () => {
    // 400 characters, 1,200 bytes of '€' (3 bytes each), plus the 11 bytes of JSON around it.
    const result = await call("€".repeat(400), 1_000);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toMatchObject({ code: "OUTPUT_TOO_LARGE", message: expect.stringMatching(/step 'big' returned 1211 bytes; the cap per step is 1000/) });
  });

  it("refuses astral characters by their four bytes each, and accepts them under the cap", async () => {
    const astral = "😀".repeat(300); // 600 UTF-16 units, 1,200 bytes
    expect((await call(astral, 1_000)).ok).toBe(false);
    const fits = await call(astral, 1_300);
    expect(fits.ok && fits.output).toEqual({ data: astral });
  });

  it("measures only outputs between the two bounds a character count gives", () => {
    expect(utf8BytesOver("a".repeat(333), 1_000)).toBeUndefined();
    expect(utf8BytesOver("a".repeat(1_001), 1_000)).toBe(1_001);
    expect(utf8BytesOver("€".repeat(334), 1_000)).toBe(1_002);
    expect(utf8BytesOver("€".repeat(333), 1_000)).toBeUndefined();
  });

  it("still refuses a 14.7 MB '€' output under the default 5 MB cap, through a run", async () => {
    const big = "€".repeat(4_900_000);
    const result = await runPlan({ steps: [{ id: "big", tool: "emit", params: {} }, { id: "small", tool: "echo", params: {} }] }, { tools: [emitter(big)], ...quiet });
    expect(result.errors.big).toMatch(/returned 14700011 bytes; the cap per step is 5000000/);
    expect(result.results.small).toEqual({ data: {} });
  }, 30_000);
});
