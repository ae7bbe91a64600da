import type { Config } from "../config/config.js";
import { describeError } from "../errors.js";
import { createAgentRuntime } from "./composition-root.js";
import type { CheckLine } from "./config-checks.js";
import { oneLine } from "./output.js";
import { toolInventory, toolWarnings } from "./tool-inventory.js";

/** `gateway doctor` on tools: each MCP server, whether it connected and its tools; patterns that match nothing. */
export async function mcpDoctorLines(config: Config): Promise<CheckLine[]> {
  let runtime: ReturnType<typeof createAgentRuntime>;
  try {
    runtime = createAgentRuntime(config);
  } catch (error) {
    // The experts check reports a broken Expert already.
    return [{ level: "warn", name: "tools", detail: `not checked: ${describeError(error)}` }];
  }
  try {
    const inventory = await toolInventory(runtime);
    const lines: CheckLine[] = inventory.servers.map((server) => {
      const transport = config.mcp.servers.find((s) => s.name === server.name)?.transport;
      const where = transport?.kind === "http" ? transport.url : transport ? `stdio: ${transport.command}` : "";
      if (server.state !== "connected") {
        return { level: "fail", name: `mcp ${server.name}`, detail: `${where}: ${server.error ?? server.state}` };
      }
      const names = server.tools.map((tool) => `${server.name}.${tool.name}`).join(", ");
      return {
        level: "ok",
        name: `mcp ${server.name}`,
        detail: `${where}, ${server.tools.length} tools: ${oneLine(names, 300) || "(none)"}`,
      };
    });
    for (const warning of toolWarnings(runtime.experts.list(), inventory)) {
      lines.push({ level: "warn", name: "tools", detail: warning });
    }
    return lines;
  } finally {
    await runtime.mcp.close();
  }
}
