import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fileSchema, type McpServerSettings } from "../../src/config/file-schema.js";
import { type McpSettings, resolveMcpSettings } from "../../src/config/mcp-settings.js";
import { freePort, waitFor } from "../cli/run-cli.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
export const FILESYSTEM_SERVER = join(root, "node_modules/@modelcontextprotocol/server-filesystem/dist/index.js");
export const EVERYTHING_SERVER = join(root, "node_modules/@modelcontextprotocol/server-everything/dist/index.js");
export const FAKE_SERVER = join(root, "tests/fakes/fake-mcp-server.mjs");

/** `mcp_servers` entries as the YAML would give them, defaults filled in by the real schema. */
export function mcpSettings(
  servers: (Pick<McpServerSettings, "name"> & Partial<McpServerSettings>)[],
  env: Record<string, string | undefined> = {},
): McpSettings {
  const parsed = fileSchema.parse({ mcp_servers: servers });
  return resolveMcpSettings(parsed.mcp_servers, env, root);
}

/** A temp folder with a file in it, served by the reference filesystem server. */
export class DocsFolder {
  readonly dir = mkdtempSync(join(tmpdir(), "mcp-docs-"));

  constructor(files: Record<string, string> = { "notes.txt": "the launch code is 4711" }) {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(this.dir, name), text);
  }

  server(name = "files"): Pick<McpServerSettings, "name"> & Partial<McpServerSettings> {
    return { name, command: process.execPath, args: [FILESYSTEM_SERVER, this.dir] };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The reference "everything" server on a free local port: Streamable HTTP, or (`sse`) the older HTTP+SSE. */
export class EverythingServer {
  #child: ChildProcess | undefined;
  port = 0;

  constructor(readonly mode: "streamableHttp" | "sse" = "streamableHttp") {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/${this.mode === "sse" ? "sse" : "mcp"}`;
  }

  async start(): Promise<this> {
    this.port = await freePort();
    let output = "";
    const child = spawn(process.execPath, [EVERYTHING_SERVER, this.mode], {
      env: { ...process.env, PORT: String(this.port) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.#child = child;
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      output += chunk.toString();
    });
    await waitFor(() => /listening on port|running on port/.test(output), "the everything server to listen", 60_000);
    return this;
  }

  server(name = "everything"): Pick<McpServerSettings, "name"> & Partial<McpServerSettings> {
    return { name, url: this.url };
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    await exited;
  }
}
