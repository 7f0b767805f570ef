import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tempWorkspace } from "../core/helpers.js";
import { spawnCli } from "./support.js";

let ws: ReturnType<typeof tempWorkspace>;
let toolsModule: string;

beforeAll(() => {
  ws = tempWorkspace();
  // A tool that ignores its abort signal and holds a 60 s timer: the process must not wait for it.
  toolsModule = ws.file(
    "stubborn.mjs",
    `import { tool } from "@langchain/core/tools";
import { z } from "zod";
export default [
  tool(async () => { await new Promise((r) => setTimeout(r, 60_000)); return { data: "late" }; },
    { name: "stubborn", description: "Ignores its abort signal.", schema: z.object({}) }),
];
`,
  );
});
afterAll(() => ws.cleanup());

describe("cli (real process): a tool that ignores its abort signal", () => {
  it("exits as soon as the result is out and names the abandoned step and tool on stderr", async () => {
    const plan = ws.file("hold.json", { steps: [{ id: "hold", tool: "stubborn", timeout_ms: 300 }, { id: "quick", tool: "echo", params: { v: 1 } }] });
    const { code, out, err, ms } = await spawnCli(["run", plan, "--tools", toolsModule, "--json"], { timeoutMs: 70_000 });
    expect(code).toBe(1);
    const result = JSON.parse(out);
    expect(result.error_codes.hold).toBe("TOOL_TIMEOUT");
    expect(result.results.quick).toEqual({ data: { v: 1 } });
    expect(err).toMatch(/abandoned: step 'hold' \(tool 'stubborn', timed out\)/);
    // Process start (tsx compiling the sources) takes a few seconds; the timer holds 60.
    expect(ms).toBeLessThan(30_000);
  }, 80_000);

  it("reports nothing abandoned when the timed-out tool honours its signal", async () => {
    const plan = ws.file("sleep.json", { steps: [{ id: "nap", tool: "sleep", params: { ms: 60_000 }, timeout_ms: 300 }] });
    const { code, err } = await spawnCli(["run", plan], { timeoutMs: 70_000 });
    expect(code).toBe(1);
    expect(err).not.toContain("abandoned");
  }, 80_000);

  it("reads the plan piped into `run -`", async () => {
    const { code, out } = await spawnCli(["run", "-", "--json"], { input: JSON.stringify({ steps: [{ id: "a", tool: "echo", params: { piped: true } }] }) });
    expect(code).toBe(0);
    expect(JSON.parse(out).results.a).toEqual({ data: { piped: true } });
  }, 60_000);
});
