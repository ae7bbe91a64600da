import type { Tool } from "../agent/tools.js";
import type { McpConnection, McpToolInfo } from "./mcp-connection.js";
import { McpServerError } from "./mcp-errors.js";
import { toToolResult } from "./mcp-result.js";
import { wireName } from "./wire-names.js";

/** Longest tool description sent to the model: a server's prose should not eat the context. */
const MAX_DESCRIPTION = 2000;

/**
 * A server's tool as the agent runs it: named `server.tool`, called on the wire `server__tool`, its JSON
 * Schema passed as given. Every failure (timeout, dead server, malformed answer) becomes a tool error
 * the model reads, never a thrown error that would end the turn.
 */
export function mcpTool(connection: McpConnection, info: McpToolInfo): Tool {
  const server = connection.config.name;
  return {
    name: `${server}.${info.name}`,
    wireName: wireName(server, info.name),
    description: info.description.slice(0, MAX_DESCRIPTION),
    parameters: { jsonSchema: objectSchema(info.inputSchema) },
    // A server's tool may change things unless the server says it only reads: ask first by default.
    defaultPolicy: info.readOnly ? "auto" : "ask",
    async run(args, context) {
      try {
        const result = await connection.callTool(info.name, args as Record<string, unknown>, context.signal);
        return toToolResult(result, connection.config.maxOutputChars);
      } catch (error) {
        const message = error instanceof McpServerError ? error.message : String((error as Error)?.message ?? error);
        return { ok: false, error: `${server}.${info.name} failed: ${message}` };
      }
    },
  };
}

/** The API wants an object schema; a server that sends none (or a bare `{}`) takes no arguments. */
function objectSchema(schema: Record<string, unknown>): Record<string, unknown> {
  return schema.type === "object" ? schema : { type: "object", properties: {}, ...schema };
}
