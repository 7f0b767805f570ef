import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { describeError, PlangraphError } from "../model/errors.js";

/** A server started as a child process, speaking MCP on stdin/stdout. */
const StdioServerSchema = z
  .object({
    transport: z.literal("stdio").optional(),
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).optional(),
    /** Working directory of the server; relative to the config file's directory (the default). */
    cwd: z.string().optional(),
  })
  .strict();

/** A server reached over HTTP (streamable HTTP, falling back to SSE) or SSE. */
const HttpServerSchema = z
  .object({
    transport: z.enum(["http", "sse"]).optional(),
    url: z.url(),
    headers: z.record(z.string(), z.string()).optional(),
  })
  .strict();

/**
 * The MCP config file: the servers whose tools join plangraph's catalogue. The shape is the common
 * `mcpServers` map (as in Claude Desktop and @langchain/mcp-adapters), plus naming options.
 *
 *     { "mcpServers": {
 *         "inventory": { "command": "node", "args": ["./inventory-server.mjs"] },
 *         "tickets":   { "url": "http://127.0.0.1:8931/mcp" } },
 *       "prefixToolNames": false }
 */
export const McpConfigSchema = z
  .object({
    mcpServers: z.record(z.string().regex(/^[A-Za-z0-9_-]+$/, "server names use letters, digits, '_' and '-'"), z.union([StdioServerSchema, HttpServerSchema])),
    /** Name tools `<server>__<tool>` (default false: the tool's own name). */
    prefixToolNames: z.boolean().default(false),
    /** Per-call timeout in ms for every MCP tool (a plan step's own `timeout_ms` still applies). */
    toolTimeoutMs: z.number().int().positive().optional(),
  })
  .strict();
export type McpConfig = z.output<typeof McpConfigSchema>;
export type McpConfigInput = z.input<typeof McpConfigSchema>;

/** The environment variable naming the MCP config file for graphs served by the LangGraph server. */
export const MCP_CONFIG_ENV = "PLANGRAPH_MCP_CONFIG";

/**
 * Parses an MCP config (an object, or the file's text). Relative stdio `cwd`s are resolved against
 * `baseDir`, and a server without `cwd` runs in `baseDir`, so `args` may name files next to the config.
 */
export function parseMcpConfig(value: unknown, baseDir = process.cwd(), source = "MCP config"): McpConfig {
  let data = value;
  if (typeof value === "string") {
    try {
      data = JSON.parse(value);
    } catch (error) {
      throw new PlangraphError("USAGE", `${source} is not valid JSON: ${describeError(error)}`);
    }
  }
  const parsed = McpConfigSchema.safeParse(data);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.length ? `$.${issue.path.join(".")}` : "$"}: ${issue.message}`);
    throw new PlangraphError("USAGE", `${source} is invalid: ${problems.join("; ")}`);
  }
  const config = parsed.data;
  for (const server of Object.values(config.mcpServers)) {
    if ("command" in server) server.cwd = server.cwd === undefined ? baseDir : isAbsolute(server.cwd) ? server.cwd : resolve(baseDir, server.cwd);
  }
  return config;
}

/** Reads and parses an MCP config file. */
export async function readMcpConfig(path: string): Promise<McpConfig> {
  const file = resolve(process.cwd(), path);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new PlangraphError("USAGE", `cannot read MCP config '${path}': ${describeError(error)}`);
  }
  return parseMcpConfig(text, dirname(file), `MCP config '${path}'`);
}
