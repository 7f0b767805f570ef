import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolve } from "node:path";
import { tempWorkspace } from "../core/helpers.js";
import { catalogueText, toolCatalogue } from "../../src/agents/catalogue.js";
import { cliRegistry, closeCliResources } from "../../src/cli/registry.js";
import { runCli } from "./support.js";

let ws: ReturnType<typeof tempWorkspace>;
let toolsModule: string;

beforeAll(() => {
  ws = tempWorkspace();
  toolsModule = ws.file(
    "tools.mjs",
    `import { z } from "zod";
import { defineTool } from ${JSON.stringify(resolve("src/tools/define.ts"))};
export default [
  defineTool({ name: "restart_vm", description: "Restarts a VM.", input: z.object({ ci_id: z.string() }),
    output: z.object({ data: z.object({ restarted: z.boolean() }) }), sideEffects: true, run: async () => ({ data: { restarted: true } }) }),
  defineTool({ name: "tag_ci", description: "Sets a tag; setting it twice is harmless.", input: z.object({ ci_id: z.string(), tag: z.string() }),
    sideEffects: true, idempotent: true, run: async () => ({ data: {} }) }),
];
`,
  );
});
afterAll(() => ws.cleanup());

type Entry = { name: string; description: string; input: { properties?: Record<string, unknown> }; output?: { properties?: Record<string, unknown> }; side_effects: boolean; idempotent: boolean };

describe("cli: plangraph tools", () => {
  it("lists every tool a plan may call with its JSON Schemas and side-effect trait (--json)", async () => {
    const { code, out } = await runCli(["tools", "--tools", toolsModule, "--json"]);
    expect(code).toBe(0);
    const entries = JSON.parse(out) as Entry[];
    const byName = new Map(entries.map((e) => [e.name, e]));
    for (const name of ["echo", "sleep", "fail", "ci_search", "ci_aggregate", "ci_graph", "ci_metric", "ci_history", "restart_vm", "tag_ci"]) expect(byName.has(name), name).toBe(true);
    expect(byName.get("ci_graph")!.input.properties).toHaveProperty("direction");
    expect(byName.get("ci_search")!.output!.properties).toHaveProperty("data");
    expect(byName.get("restart_vm")).toMatchObject({ side_effects: true, idempotent: false, input: { properties: { ci_id: { type: "string" } } }, output: { properties: { data: expect.any(Object) } } });
    expect(byName.get("tag_ci")).toMatchObject({ side_effects: true, idempotent: true });
    expect(byName.get("tag_ci")!.output).toBeUndefined();
    expect(byName.get("ci_search")).toMatchObject({ side_effects: false });
  });

  it("is the catalogue the chat agent's planner is given", async () => {
    const registry = await cliRegistry(toolsModule);
    try {
      const { out } = await runCli(["tools", "--tools", toolsModule, "--json"]);
      expect(JSON.parse(out)).toEqual(JSON.parse(JSON.stringify(toolCatalogue(registry))));
      const prompt = catalogueText(registry, 1_000_000);
      expect(prompt).toContain("- restart_vm [side effects]: Restarts a VM.");
      expect(prompt).toContain("- tag_ci [side effects, idempotent]:");
    } finally {
      await closeCliResources();
    }
  });

  it("prints one block per tool for people, saying which are read-only", async () => {
    const { code, out } = await runCli(["tools", "--tools", toolsModule]);
    expect(code).toBe(0);
    expect(out).toContain("restart_vm — side effects (never retried or cached)");
    expect(out).toContain("tag_ci — side effects (idempotent: may be retried)");
    expect(out).toContain("ci_search — read-only");
    expect(out).toMatch(/restart_vm[^\n]*\n[^\n]*\n  input: +\{.*"ci_id"/);
  });

  it("takes no positional argument", async () => {
    const { code, err } = await runCli(["tools", "extra"]);
    expect(code).toBe(2);
    expect(err).toContain("'tools' takes no arguments");
  });
});
