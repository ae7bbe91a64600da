import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../src/logger.js";
import { McpServers } from "../../src/mcp/mcp-servers.js";
import { DocsFolder, EverythingServer, mcpSettings } from "./mcp-world.js";

const context = { sessionId: "s", expert: "ops", now: Date.now };

describe("the published reference MCP servers", () => {
  const docs = new DocsFolder();
  const everything = new EverythingServer();
  let servers: McpServers;

  beforeAll(async () => {
    await everything.start();
    servers = new McpServers(mcpSettings([docs.server(), everything.server()]), createLogger("silent"));
  }, 90_000);

  afterAll(async () => {
    await servers?.close();
    await everything.stop();
    docs.cleanup();
  });

  it("lists the filesystem server's tools (stdio) under the server's name, with their schemas as given", async () => {
    const { tools, notes } = await servers.toolsFor(["files.*"]);
    expect(notes).toEqual([]);
    const read = tools.find((tool) => tool.name === "files.read_text_file");
    expect(read?.wireName).toBe("files__read_text_file");
    expect(read?.parameters).toMatchObject({
      jsonSchema: { type: "object", properties: { path: { type: "string" } } },
    });
    expect(tools.every((tool) => tool.name.startsWith("files."))).toBe(true);
  }, 60_000);

  it("calls a filesystem tool and maps its text result", async () => {
    const { tools } = await servers.toolsFor(["files.read_text_file"]);
    const read = tools.find((tool) => tool.name === "files.read_text_file");
    if (!read) throw new Error("no read_text_file");
    const result = await read.run(
      { path: `${docs.dir}/notes.txt` },
      { ...context, signal: new AbortController().signal },
    );
    expect(result).toEqual({ ok: true, content: "the launch code is 4711" });
  }, 60_000);

  it("gives a tool error the model can read when the server refuses (a path outside its root)", async () => {
    const { tools } = await servers.toolsFor(["files.*"]);
    const read = tools.find((tool) => tool.name === "files.read_text_file");
    const result = await read?.run({ path: "/etc/passwd" }, { ...context, signal: new AbortController().signal });
    expect(result?.ok).toBe(false);
  }, 60_000);

  it("calls the everything server over Streamable HTTP: echo, and an image mapped to an image part", async () => {
    const { tools, notes } = await servers.toolsFor(["everything.*"]);
    expect(notes).toEqual([]);
    const echo = tools.find((tool) => tool.name === "everything.echo");
    const image = tools.find((tool) => tool.name === "everything.get-tiny-image");
    expect(echo?.wireName).toBe("everything__echo");
    const signal = new AbortController().signal;
    expect(await echo?.run({ message: "hi there" }, { ...context, signal })).toEqual({
      ok: true,
      content: "Echo: hi there",
    });
    const shown = await image?.run({}, { ...context, signal });
    expect(shown?.ok && shown.images?.[0]?.mimeType).toBe("image/png");
  }, 60_000);
});

describe("a server that only speaks the older HTTP+SSE transport", () => {
  const everything = new EverythingServer("sse");

  afterAll(() => everything.stop());

  it("is reached through the SSE fallback after the Streamable HTTP attempt is refused", async () => {
    await everything.start();
    const servers = new McpServers(mcpSettings([everything.server("old")]), createLogger("silent"));
    try {
      const { tools, notes } = await servers.toolsFor(["old.echo"]);
      expect(notes).toEqual([]);
      const echo = tools.find((tool) => tool.name === "old.echo");
      const signal = new AbortController().signal;
      expect(await echo?.run({ message: "over sse" }, { ...context, signal })).toEqual({
        ok: true,
        content: "Echo: over sse",
      });
    } finally {
      await servers.close();
    }
  }, 90_000);
});
