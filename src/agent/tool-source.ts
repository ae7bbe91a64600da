import type { Tool } from "./tools.js";

/** Tools an Expert may use right now, and what the model should know about those it cannot. */
export interface AvailableTools {
  tools: Tool[];
  /** One line per unavailable source (a server that is down), told to the model with the instructions. */
  notes: string[];
}

/** Tools that come from outside the gateway (MCP servers), resolved per turn because they come and go. */
export interface ToolSource {
  /** Every tool of the sources `patterns` name (`files.*` names the server `files`), connecting them if needed. */
  toolsFor(patterns: readonly string[], signal?: AbortSignal): Promise<AvailableTools>;
}
