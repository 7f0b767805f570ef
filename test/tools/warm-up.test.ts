import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { runPlan } from "../../src/api/run-plan.js";
import { createToolRegistry } from "../../src/tools/registry.js";
import { toolTraits } from "../../src/tools/traits.js";
import { warmUpTools } from "../../src/tools/warm-up.js";
import { OPS_TOOL_NAMES, closeOpsDatabase, opsTools } from "../../tools/index.js";

/**
 * Issue 12 finding 11: the estate was built inside the first tool call, so a first run on an empty
 * data directory failed a step with `timeout_ms: 3000`. The ops tools now declare a warm-up that
 * opens (or builds) the estate before the run's clock starts.
 */

const scratch = mkdtempSync(join(tmpdir(), "plangraph-warm-up-test-"));
const previousDataDir = process.env.PLANGRAPH_DATA_DIR;
afterAll(async () => {
  await closeOpsDatabase();
  if (previousDataDir === undefined) delete process.env.PLANGRAPH_DATA_DIR;
  else process.env.PLANGRAPH_DATA_DIR = previousDataDir;
  rmSync(scratch, { recursive: true, force: true });
});

describe("the ops tools' warm-up", () => {
  it("is one function shared by all five tools, so a run warms the estate up once", () => {
    const tools = opsTools({ databaseUrl: null });
    const warmUps = new Set(tools.map((t) => toolTraits(t).warmUp));
    expect(tools.map((t) => t.name)).toEqual([...OPS_TOOL_NAMES]);
    expect(warmUps.size).toBe(1);
    expect([...warmUps][0]).toBeTypeOf("function");
  });

  it(
    "builds the estate of an empty PLANGRAPH_DATA_DIR before the run, with progress on stderr, so a step with timeout_ms 3000 succeeds",
    async () => {
      process.env.PLANGRAPH_DATA_DIR = join(scratch, "estate"); // nothing there yet: a first run
      const tools = opsTools({ databaseUrl: null });
      const registry = createToolRegistry(tools);
      const plan = {
        goal: "Which database is db-prod-01?",
        steps: [{ id: "db", tool: "ci_search", params: { query: "db-prod-01", type: "database", limit: 1 }, timeout_ms: 3000 }],
        answer: "{db.data.rows[0].name}",
      };

      const stderr: string[] = [];
      const write = vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
        stderr.push(String(chunk));
        return true;
      });
      let report;
      try {
        report = await warmUpTools(registry.list().map((r) => r.tool)); // as runPlan does, before its clock starts
      } finally {
        write.mockRestore();
      }
      expect(report.warnings).toEqual([]);
      expect(report.ms).toBeGreaterThan(3000); // the build alone is longer than the step's budget
      expect(stderr.join("")).toMatch(new RegExp(`plangraph: building the sample ops estate .* in ${process.env.PLANGRAPH_DATA_DIR} \\(first run only`));
      expect(stderr.join("")).toMatch(/plangraph: estate ready in [\d.]+ s/);

      const result = await runPlan(plan, { registry });
      expect(result.errors).toEqual({});
      expect(result.status).toBe("completed");
      expect(result.answer).toBe("orders-core (postgresql primary)");
    },
    240_000,
  );

  it("stops waiting when its signal aborts", async () => {
    const tools = opsTools({ database: () => new Promise(() => undefined) }); // an open that never finishes
    const controller = new AbortController();
    const warming = toolTraits(tools[0]!).warmUp!(controller.signal);
    controller.abort(new Error("cancelled by the caller"));
    await expect(warming).rejects.toThrow("cancelled by the caller");
  });
});
