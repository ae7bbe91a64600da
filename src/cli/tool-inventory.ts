import { matchesPattern, toolPolicy } from "../agent/tool-selection.js";
import type { Tool } from "../agent/tools.js";
import type { ToolPolicy } from "../config/file-schema.js";
import type { Expert } from "../experts/expert-registry.js";
import type { McpServerStatus } from "../mcp/mcp-connection.js";
import type { AgentRuntime } from "./composition-root.js";

/** One tool as `tools list` and `doctor` show it. */
export interface ToolEntry {
  tool: Tool;
  /** `builtin` or the MCP server it comes from. */
  source: string;
}

/** Every tool the gateway knows right now: built-ins, and each server's after one connection attempt. */
export interface ToolInventory {
  tools: ToolEntry[];
  servers: McpServerStatus[];
}

export async function toolInventory(runtime: AgentRuntime): Promise<ToolInventory> {
  const report = await runtime.mcp.report();
  return {
    tools: [
      ...[...runtime.tools.values()].map((tool) => ({ tool, source: "builtin" })),
      ...report.flatMap(({ status, tools }) => tools.map((tool) => ({ tool, source: status.name }))),
    ],
    servers: report.map(({ status }) => status),
  };
}

/** The tools an Expert's patterns match, each with its policy (denied ones included, marked). */
export function toolsOfExpert(expert: Expert, inventory: ToolInventory): { entry: ToolEntry; policy: ToolPolicy }[] {
  return inventory.tools
    .filter(({ tool }) => expert.tools.some((pattern) => matchesPattern(pattern, tool.name)))
    .map((entry) => ({ entry, policy: toolPolicy(entry.tool, expert.toolPolicies) }));
}

/**
 * What an operator should look at: patterns that match no tool (a typo, or a server that is down).
 */
export function toolWarnings(experts: readonly Expert[], inventory: ToolInventory): string[] {
  const warnings: string[] = [];
  const down = new Set(inventory.servers.filter((server) => server.state !== "connected").map((server) => server.name));
  for (const expert of experts) {
    for (const pattern of expert.tools) {
      if (inventory.tools.some(({ tool }) => matchesPattern(pattern, tool.name))) continue;
      const server = pattern.includes(".") ? pattern.slice(0, pattern.indexOf(".")) : undefined;
      const why = server && down.has(server) ? ` (server "${server}" is not connected)` : "";
      warnings.push(`Expert "${expert.name}": tools pattern "${pattern}" matches no tool${why}`);
    }
  }
  return warnings;
}
