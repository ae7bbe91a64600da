import { createAgentRuntime } from "./composition-root.js";
import { oneLine, printJson, printTable } from "./output.js";
import { type ToolEntry, toolInventory, toolsOfExpert } from "./tool-inventory.js";

/**
 * `gateway tools list [--expert NAME] [--json]`: every tool (built-ins and each MCP server's, connecting
 * them once), or the tools one Expert gets with their policies. Servers that could not connect are listed
 * with the reason, so a missing tool has an explanation.
 */
export async function listToolsCommand(options: { expert?: string; json?: boolean }): Promise<number> {
  const runtime = createAgentRuntime();
  try {
    const expert = options.expert !== undefined ? runtime.experts.require(options.expert) : undefined;
    const inventory = await toolInventory(runtime);
    const rows = expert
      ? toolsOfExpert(expert, inventory).map(({ entry, policy }) => ({ entry, policy }))
      : inventory.tools.map((entry) => ({ entry, policy: undefined }));
    const unavailable = inventory.servers.filter((server) => server.state !== "connected");
    if (options.json) {
      printJson({
        ...(expert ? { expert: expert.name } : {}),
        tools: rows.map(({ entry, policy }) => ({ ...toolJson(entry), ...(policy ? { policy } : {}) })),
        servers: inventory.servers.map((server) => ({
          name: server.name,
          state: server.state,
          error: server.error ?? null,
          tools: server.tools.length,
        })),
      });
      return unavailable.length > 0 ? 1 : 0;
    }
    printTable([
      ["NAME", "SOURCE", ...(expert ? ["POLICY"] : []), "DESCRIPTION"],
      ...rows.map(({ entry, policy }) => [
        entry.tool.name,
        entry.source,
        ...(policy ? [policy] : []),
        oneLine(entry.tool.description, 70),
      ]),
    ]);
    if (expert?.memory) process.stdout.write("(plus the memory and session tools, when memory is on)\n");
    for (const server of unavailable) {
      process.stdout.write(`server ${server.name}: ${server.error ?? server.state}; its tools are not listed\n`);
    }
    return unavailable.length > 0 ? 1 : 0;
  } finally {
    await runtime.mcp.close();
  }
}

function toolJson({ tool, source }: ToolEntry) {
  return {
    name: tool.name,
    wire_name: tool.wireName ?? tool.name,
    source,
    description: tool.description,
  };
}
