import { resolve } from "node:path";
import type { McpServerSettings } from "./file-schema.js";

/** How the gateway reaches one MCP server. Values read from the environment are secrets: never log them. */
export type McpTransportSettings =
  | {
      kind: "stdio";
      command: string;
      args: string[];
      cwd: string;
      /** Child variable → value read from the gateway's variable named in `env_from`. */
      env: Record<string, string>;
    }
  | {
      kind: "http";
      url: string;
      /** Header → value read from the gateway's variable named in `headers_from`. */
      headers: Record<string, string>;
    };

/** One `mcp_servers` entry with its environment read. */
export interface McpServerConfig {
  name: string;
  transport: McpTransportSettings;
  timeoutMs: number;
  maxOutputChars: number;
  /** Gateway variables `env_from`/`headers_from` name that are unset: the server cannot start without them. */
  missing: string[];
}

/** Every MCP server of the YAML, and the one place their secret values can be listed for redaction. */
export interface McpSettings {
  servers: McpServerConfig[];
  /** Every value read through `env_from` and `headers_from`: to be kept out of logs, errors and storage. */
  secrets(): string[];
}

/** Reads the variables each server names from the gateway's environment; relative paths start at `cwd`. */
export function resolveMcpSettings(
  servers: readonly McpServerSettings[],
  env: Record<string, string | undefined>,
  cwd: string,
): McpSettings {
  const resolved = servers.map((server): McpServerConfig => {
    const missing: string[] = [];
    const read = (from: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(from).flatMap(([target, variable]) => {
          const value = env[variable];
          if (value === undefined || value === "") {
            missing.push(variable);
            return [];
          }
          return [[target, value]];
        }),
      );
    const transport: McpTransportSettings = server.url
      ? { kind: "http", url: server.url, headers: read(server.headers_from) }
      : {
          kind: "stdio",
          command: server.command ?? "",
          args: server.args,
          cwd: resolve(cwd, server.cwd ?? "."),
          env: read(server.env_from),
        };
    return {
      name: server.name,
      transport,
      timeoutMs: Math.round(server.timeout_seconds * 1000),
      maxOutputChars: server.max_output_chars,
      missing,
    };
  });
  return {
    servers: resolved,
    secrets: () =>
      resolved.flatMap((server) =>
        Object.values(server.transport.kind === "http" ? server.transport.headers : server.transport.env),
      ),
  };
}
