import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { fileSchema, type McpServerSettings } from "../../src/config/file-schema.js";
import { type McpSettings, resolveMcpSettings } from "../../src/config/mcp-settings.js";
import { freePort, waitFor } from "../cli/run-cli.js";
import { startChild, type TestChild } from "../support/child-processes.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";

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
  readonly dir = makeTempDir("mcp-docs-");

  constructor(files: Record<string, string> = { "notes.txt": "the launch code is 4711" }) {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(this.dir, name), text);
  }

  server(name = "files"): Pick<McpServerSettings, "name"> & Partial<McpServerSettings> {
    return { name, command: process.execPath, args: [FILESYSTEM_SERVER, this.dir] };
  }

  cleanup(): void {
    removeTempDir(this.dir);
  }
}

/** The reference "everything" server on a free local port: Streamable HTTP, or (`sse`) the older HTTP+SSE. */
export class EverythingServer {
  #child: TestChild | undefined;
  port = 0;

  constructor(readonly mode: "streamableHttp" | "sse" = "streamableHttp") {}

  get url(): string {
    return `http://127.0.0.1:${this.port}/${this.mode === "sse" ? "sse" : "mcp"}`;
  }

  async start(): Promise<this> {
    this.port = await freePort();
    const child = startChild(process.execPath, [EVERYTHING_SERVER, this.mode], {
      env: { ...process.env, PORT: String(this.port) },
    });
    this.#child = child;
    await waitFor(
      () => /listening on port|running on port/.test(child.stdout + child.stderr),
      "the everything server to listen",
    );
    return this;
  }

  server(name = "everything"): Pick<McpServerSettings, "name"> & Partial<McpServerSettings> {
    return { name, url: this.url };
  }

  async stop(): Promise<void> {
    const child = this.#child;
    if (!child || child.hasExited) return;
    child.signal("SIGTERM");
    await child.waitForExit("the everything server");
  }
}
