/**
 * The SDK's runtime parts, loaded only when a server is first connected: importing them costs every CLI
 * command about a quarter of a second, and most commands never talk to a server.
 */
export { Client } from "@modelcontextprotocol/sdk/client/index.js";
export { StreamableHTTPError } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
export { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
export { openTransport } from "./mcp-transport.js";
