/**
 * MCP tools for plangraph: servers listed in a config file (stdio or HTTP) join the tool catalogue
 * through @langchain/mcp-adapters, so plans, `createPlanTool` and the ops agent can call them.
 */
export { loadMcpTools, mcpOutputAsData, type McpTools } from "./load.js";
export { McpConfigSchema, MCP_CONFIG_ENV, parseMcpConfig, readMcpConfig, type McpConfig, type McpConfigInput } from "./config.js";
