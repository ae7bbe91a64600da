import type { AvailableTools, ToolSource } from "../agent/tool-source.js";
import type { Tool } from "../agent/tools.js";
import { serverOf } from "../config/file-schema.js";
import type { McpSettings } from "../config/mcp-settings.js";
import type { Logger } from "../logger.js";
import { McpConnection, type McpServerStatus, type McpToolInfo } from "./mcp-connection.js";
import { mcpTool } from "./mcp-tool.js";

/** How long a turn waits for a server that is still connecting before it goes on without its tools. */
const TURN_WAIT_MS = 30_000;

/**
 * Every configured MCP server: started with the gateway (`start`) or on first need (the CLI), their tools
 * offered to the Experts that name them, and closed on shutdown. A server that fails leaves the others
 * and the gateway running; its tools are missing and the model is told why.
 */
export class McpServers implements ToolSource {
  readonly #connections: Map<string, McpConnection>;
  readonly #tools = new WeakMap<readonly McpToolInfo[], Tool[]>();

  constructor(settings: McpSettings, logger: Logger) {
    const secrets = settings.secrets().filter((value) => value.length >= 4);
    const scrub = (text: string) => secrets.reduce((out, secret) => out.split(secret).join("[redacted]"), text);
    this.#connections = new Map(
      settings.servers.map((server) => [
        server.name,
        new McpConnection(server, logger.child({ mcp: server.name }), scrub),
      ]),
    );
  }

  get names(): string[] {
    return [...this.#connections.keys()];
  }

  /** Connects every server in the background; a turn that needs one waits for it (bounded). */
  start(): void {
    for (const connection of this.#connections.values()) connection.ensure().catch(() => undefined);
  }

  async toolsFor(patterns: readonly string[], signal?: AbortSignal): Promise<AvailableTools> {
    const named = new Set(patterns.flatMap((pattern) => serverOf(pattern) ?? []));
    const connections = [...this.#connections.values()].filter((connection) => named.has(connection.config.name));
    await Promise.all(connections.map((connection) => bounded(connection.ensure(), TURN_WAIT_MS, signal)));
    const tools: Tool[] = [];
    const notes: string[] = [];
    for (const connection of connections) {
      const status = connection.status();
      if (status.state === "connected") tools.push(...this.#toolsOf(connection, status.tools));
      else {
        const why = status.state === "connecting" ? "it is still starting" : (status.error ?? "it is not connected");
        notes.push(
          `The tools of the MCP server "${status.name}" are unavailable right now (${why}). If the user asks for something that needs them, say so instead of guessing.`,
        );
      }
    }
    return { tools, notes };
  }

  /** Every server after one connection attempt each, with its tools (for `doctor` and `tools list`). */
  async report(): Promise<{ status: McpServerStatus; tools: Tool[] }[]> {
    const connections = [...this.#connections.values()];
    await Promise.all(connections.map((connection) => connection.ensure()));
    return connections.map((connection) => {
      const status = connection.status();
      return { status, tools: status.state === "connected" ? this.#toolsOf(connection, status.tools) : [] };
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.#connections.values()].map((connection) => connection.close()));
  }

  /** Built once per listed version, so the agent's spec cache keeps working between turns. */
  #toolsOf(connection: McpConnection, infos: readonly McpToolInfo[]): Tool[] {
    let tools = this.#tools.get(infos);
    if (!tools) {
      tools = infos.map((info) => mcpTool(connection, info));
      this.#tools.set(infos, tools);
    }
    return tools;
  }
}

function bounded(work: Promise<void>, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    signal?.addEventListener("abort", done, { once: true });
    work.then(done, done);
  });
}
