/**
 * Tools served by MCP servers join plangraph's catalogue through @langchain/mcp-adapters: a small
 * MCP server written for these tests (test/mcp/fixtures/inventory-server.mjs) runs over stdio and
 * over streamable HTTP on 127.0.0.1; plans and the ops agent call its tools.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { HumanMessage } from "@langchain/core/messages";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createOpsAgent, OPS_PLAN_TOOL } from "../../src/agents/index.js";
import { loadMcpTools, parseMcpConfig, type McpTools } from "../../src/mcp/index.js";
import { runPlan } from "../../src/api/run-plan.js";
import { toolTraits } from "../../src/tools/traits.js";
import { createToolRegistry } from "../../src/tools/registry.js";
import { PlangraphError } from "../../src/model/errors.js";
import { reply, requestText } from "../support/openai-stub.js";
import { stubModel } from "../agents/support.js";

const SERVER = resolve(import.meta.dirname, "fixtures/inventory-server.mjs");
const dir = mkdtempSync(join(tmpdir(), "plangraph-mcp-"));
let stdio: McpTools;

beforeAll(async () => {
  // Written the way a user would: args relative to the config file's directory.
  writeFileSync(join(dir, "inventory-server.mjs"), `import ${JSON.stringify(SERVER)};\n`);
  writeFileSync(join(dir, "mcp.json"), JSON.stringify({ mcpServers: { inventory: { command: process.execPath, args: ["./inventory-server.mjs"] } } }));
  stdio = await loadMcpTools(join(dir, "mcp.json"));
});

afterAll(async () => {
  await stdio?.close();
  rmSync(dir, { recursive: true, force: true });
});

const HEALTH_PLAN = {
  steps: [
    { id: "lookup", tool: "host_lookup", params: { name: "web-01" } },
    { id: "health", tool: "host_health", output_mapping: { host: "{lookup.host}" } },
    { id: "page", tool: "page_oncall", output_mapping: { message: "web-01 in rack {lookup.rack} at {health.cpu}% cpu" } },
  ],
  answer: "{lookup.host} ({lookup.ip}) healthy={health.healthy}",
};

describe("MCP tools over stdio, from a config file", () => {
  it("lists the server's tools with their descriptions and input schemas", () => {
    expect(stdio.tools.map((t) => t.name).sort()).toEqual(["broken", "host_health", "host_lookup", "page_oncall"]);
    const lookup = stdio.tools.find((t) => t.name === "host_lookup")!;
    expect(lookup.description).toMatch(/Find a host/);
    expect(JSON.stringify(lookup.schema)).toContain('"name"');
  });

  it("runs a plan across MCP tools: JSON text and structured content become data references can walk", async () => {
    const result = await runPlan(HEALTH_PLAN, { tools: stdio.tools, chatModel: null });
    expect(result.status).toBe("completed");
    expect(result.results).toEqual({
      lookup: { host: "web-01", ip: "10.0.0.7", rack: "r-6" },
      health: { host: "web-01", healthy: true, cpu: 42 },
      page: "paged on-call: web-01 in rack r-6 at 42% cpu",
    });
    expect(result.answer).toBe("web-01 (10.0.0.7) healthy=true");
    expect(result.order).toEqual([["lookup"], ["health"], ["page"]]);
  });

  it("fails the step with the server's message when the tool reports an error", async () => {
    const result = await runPlan({ steps: [{ id: "bad", tool: "broken" }, { id: "ok", tool: "host_lookup", params: { name: "db" } }] }, { tools: stdio.tools, chatModel: null });
    expect(result.status).toBe("failed");
    expect(result.errors.bad).toMatch(/disk on fire/);
    expect(result.results.ok).toMatchObject({ host: "db" });
  });

  it("maps MCP annotations to traits: only read-only tools are free of side effects", () => {
    const traits = Object.fromEntries(stdio.tools.map((t) => [t.name, toolTraits(t)]));
    expect(traits.host_lookup).toMatchObject({ sideEffects: false });
    expect(traits.host_health).toMatchObject({ sideEffects: false, idempotent: true });
    expect(traits.page_oncall).toMatchObject({ sideEffects: true });
  });

  it("puts MCP tools in the ops agent's catalogue, so its plans can call them", async () => {
    const { stub, model } = await stubModel();
    try {
      const agent = createOpsAgent({ registry: createToolRegistry(stdio.tools), model });
      stub.enqueue(reply.toolCall(OPS_PLAN_TOOL, HEALTH_PLAN), reply.text("web-01 is healthy (42% cpu); on-call paged."));
      const state = await agent.invoke({ messages: [new HumanMessage("Is web-01 healthy? Page on-call with the numbers.")] });
      expect(requestText(stub.requests[0]!)).toContain("host_health");
      expect(JSON.stringify(stub.requests[0]!.tools)).toContain('"page_oncall"');
      expect(state.result).toMatchObject({ status: "completed", results: { health: { cpu: 42 } } });
      expect(state.messages.at(-1)!.content).toBe("web-01 is healthy (42% cpu); on-call paged.");
    } finally {
      await stub.close();
    }
  });
});

describe("MCP tools over streamable HTTP", () => {
  let child: ChildProcess;
  let url: string;

  beforeAll(async () => {
    child = spawn(process.execPath, [SERVER, "--http", "0"], { stdio: ["ignore", "pipe", "inherit"] });
    const port = await new Promise<number>((done, fail) => {
      let text = "";
      child.stdout!.on("data", (chunk: Buffer) => {
        text += chunk.toString("utf8");
        const match = /listening (\d+)/.exec(text);
        if (match) done(Number(match[1]));
      });
      child.once("exit", (code) => fail(new Error(`MCP HTTP server exited (${code})`)));
    });
    url = `http://127.0.0.1:${port}/mcp`;
  });

  afterAll(() => {
    child?.kill();
  });

  it("loads the tools of an HTTP server and runs a plan with them", async () => {
    const http = await loadMcpTools({ mcpServers: { remote: { url, transport: "http" } }, prefixToolNames: true });
    try {
      expect(http.tools.map((t) => t.name)).toContain("remote__host_health");
      const result = await runPlan({ steps: [{ id: "h", tool: "remote__host_health", params: { host: "sick-01" } }] }, { tools: http.tools, chatModel: null });
      expect(result.results.h).toEqual({ host: "sick-01", healthy: false, cpu: 49 });
    } finally {
      await http.close();
    }
  });
});

describe("MCP config errors", () => {
  it("rejects a config that is not the mcpServers shape, naming the field", () => {
    const caught = (() => {
      try {
        parseMcpConfig({ mcpServers: { inventory: { command: "" } } });
      } catch (error) {
        return error;
      }
    })();
    expect(caught).toBeInstanceOf(PlangraphError);
    expect((caught as PlangraphError).code).toBe("USAGE");
    expect((caught as PlangraphError).message).toMatch(/mcpServers\.inventory/);
  });

  it("names the server that cannot be started, and leaves nothing running", async () => {
    await expect(loadMcpTools({ mcpServers: { ghost: { command: join(dir, "no-such-server") } } })).rejects.toThrow(/ghost/);
  });

  it("resolves a stdio server's cwd against the config file's directory", () => {
    const config = parseMcpConfig({ mcpServers: { a: { command: "node", args: ["x.mjs"] }, b: { command: "node", cwd: "sub" } } }, "/srv/plangraph");
    expect(config.mcpServers.a).toMatchObject({ cwd: "/srv/plangraph" });
    expect(config.mcpServers.b).toMatchObject({ cwd: "/srv/plangraph/sub" });
  });
});
