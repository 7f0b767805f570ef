import { randomUUID } from "node:crypto";
import { MultiServerMCPClient } from "@langchain/mcp-adapters";
import { tool as defineLangChainTool, type StructuredToolInterface } from "@langchain/core/tools";
import type { RunnableConfig } from "@langchain/core/runnables";
import { isToolMessage } from "@langchain/core/messages";
import { describeError, PlangraphError } from "../model/errors.js";
import { declareToolTraits } from "../tools/traits.js";
import { readMcpConfig, parseMcpConfig, type McpConfig, type McpConfigInput } from "./config.js";

/** Tools loaded from MCP servers, and the way to stop those servers. */
export interface McpTools {
  tools: StructuredToolInterface[];
  /** Closes every connection (stdio servers exit). */
  close(): Promise<void>;
}

/**
 * Connects to every server of an MCP config (a file path, or a config object) through
 * @langchain/mcp-adapters and returns its tools, ready for a plangraph registry:
 *
 * - a step's output is plain JSON data: the tool's `structuredContent` when the server sends one,
 *   else its text parsed as JSON when it is JSON, else the text;
 * - an MCP error result fails the step (TOOL_FAILED) with the server's message;
 * - MCP annotations become traits: a tool is side-effecting unless `readOnlyHint` is true
 *   (so it is never cached, nor retried unless `idempotentHint` is true).
 *
 * A server that cannot be started or reached is an error naming it; nothing is left running.
 */
export async function loadMcpTools(source: string | McpConfigInput): Promise<McpTools> {
  const config: McpConfig = typeof source === "string" ? await readMcpConfig(source) : parseMcpConfig(source);
  const client = new MultiServerMCPClient({
    mcpServers: config.mcpServers as never,
    prefixToolNameWithServerName: config.prefixToolNames,
    throwOnLoadError: true,
    onConnectionError: "throw",
    useStandardContentBlocks: false,
    ...(config.toolTimeoutMs ? { defaultToolTimeout: config.toolTimeoutMs } : {}),
  });
  let loaded: StructuredToolInterface[];
  try {
    loaded = (await client.getTools()) as unknown as StructuredToolInterface[];
  } catch (error) {
    // Best-effort clean-up of the servers that did start: the load error below is the one to report.
    await client.close().catch(() => undefined);
    throw new PlangraphError("USAGE", `could not load MCP tools (${Object.keys(config.mcpServers).join(", ")}): ${describeError(error)}`, { cause: error });
  }
  return { tools: loaded.map(asPlanTool), close: () => client.close() };
}

/** An MCP tool whose invoke returns JSON data (see loadMcpTools), with its annotations as traits. */
function asPlanTool(mcpTool: StructuredToolInterface): StructuredToolInterface {
  const wrapped = defineLangChainTool(
    async (args: Record<string, unknown>, config: RunnableConfig) => {
      const message = await mcpTool.invoke({ type: "tool_call", id: randomUUID(), name: mcpTool.name, args } as never, config);
      return mcpOutputAsData(message);
    },
    { name: mcpTool.name, description: mcpTool.description, schema: mcpTool.schema as never },
  ) as unknown as StructuredToolInterface;
  const annotations = (mcpTool as { metadata?: { annotations?: { readOnlyHint?: boolean; idempotentHint?: boolean } } }).metadata?.annotations;
  return declareToolTraits(wrapped, { sideEffects: annotations?.readOnlyHint !== true, idempotent: annotations?.idempotentHint === true });
}

/** The data of an MCP tool's answer: structured content, else JSON text, else text (or content blocks). */
export function mcpOutputAsData(message: unknown): unknown {
  const content = isToolMessage(message as never) ? (message as { content: unknown }).content : message;
  const artifact = isToolMessage(message as never) ? (message as { artifact?: unknown }).artifact : undefined;
  if (Array.isArray(artifact)) {
    const structured = artifact.find((a) => (a as { type?: string })?.type === "mcp_structured_content") as { data?: unknown } | undefined;
    if (structured?.data !== undefined) return structured.data;
  }
  if (typeof content === "string") return parseJsonText(content);
  if (Array.isArray(content)) {
    const texts = content.filter((b) => (b as { type?: string })?.type === "text").map((b) => String((b as { text?: unknown }).text ?? ""));
    if (texts.length === content.length) return parseJsonText(texts.join(""));
    return { content };
  }
  if (content && typeof content === "object" && (content as { structuredContent?: unknown }).structuredContent !== undefined) {
    return (content as { structuredContent: unknown }).structuredContent;
  }
  return content;
}

function parseJsonText(text: string): unknown {
  const trimmed = text.trim();
  if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return text;
  try {
    return JSON.parse(trimmed);
  } catch {
    return text;
  }
}
