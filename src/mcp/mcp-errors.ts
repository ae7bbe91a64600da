import { GatewayError } from "../errors.js";

/**
 * An MCP server could not be reached or a call to it failed. `MCP_UNAVAILABLE`: not connected;
 * `MCP_TIMEOUT`: no answer in time; `MCP_CLOSED`: the connection ended during the call;
 * `MCP_MALFORMED`: the answer was not a valid tool result; `MCP_CANCELLED`: the turn was stopped.
 */
export class McpServerError extends GatewayError {
  readonly server: string;

  constructor(
    code: "MCP_UNAVAILABLE" | "MCP_TIMEOUT" | "MCP_CLOSED" | "MCP_MALFORMED" | "MCP_CANCELLED" | "MCP_FAILED",
    server: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.server = server;
  }
}
