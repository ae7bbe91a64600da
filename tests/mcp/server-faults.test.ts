import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Tool, ToolResult } from "../../src/agent/tools.js";
import { createLogger } from "../../src/logger.js";
import { McpServers } from "../../src/mcp/mcp-servers.js";
import { waitFor } from "../cli/run-cli.js";
import { FAKE_SERVER, mcpSettings } from "./mcp-world.js";

const context = { sessionId: "s", expert: "ops", now: Date.now };
const SECRET = "s3cret-token-value";

describe("an MCP server that misbehaves", () => {
  const dir = mkdtempSync(join(tmpdir(), "mcp-fake-"));
  const log = join(dir, "calls.log");
  let servers: McpServers;
  let tools: Map<string, Tool>;

  const call = async (name: string, signal = new AbortController().signal, server = "fake"): Promise<ToolResult> => {
    const tool = tools.get(`${server}.${name}`);
    if (!tool) throw new Error(`no tool ${server}.${name}`);
    return tool.run({ text: "x" }, { ...context, signal });
  };
  const refresh = async () => {
    tools = new Map((await servers.toolsFor(["fake.*", "stuck.*"])).tools.map((tool) => [tool.name, tool]));
  };

  beforeAll(async () => {
    const settings = mcpSettings(
      [
        {
          name: "fake",
          command: process.execPath,
          args: [FAKE_SERVER],
          env_from: { FAKE_MCP_LOG: "TEST_MCP_LOG", FAKE_SECRET: "TEST_SECRET" },
          timeout_seconds: 60,
          max_output_chars: 1000,
        },
        // The timeout under test, on a server of its own so that no other call is timed.
        { name: "stuck", command: process.execPath, args: [FAKE_SERVER], timeout_seconds: 1 },
      ],
      { TEST_MCP_LOG: log, TEST_SECRET: SECRET },
    );
    servers = new McpServers(settings, createLogger("silent"));
    await refresh();
  }, 60_000);

  afterAll(async () => {
    await servers?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes env_from values to the child, and lists them as secrets in one place", async () => {
    expect(await call("env")).toEqual({ ok: true, content: `secret length ${SECRET.length}` });
    const settings = mcpSettings(
      [{ name: "x", url: "http://127.0.0.1:9/mcp", headers_from: { Authorization: "AUTH" } }],
      {
        AUTH: "Bearer abc",
      },
    );
    expect(settings.secrets()).toEqual(["Bearer abc"]);
  }, 60_000);

  it("turns a hanging call into a timeout error the model reads", async () => {
    const result = await call("hang", undefined, "stuck");
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining("no answer after 1 s") });
  }, 60_000);

  it("cuts 5 MB of output to the configured size, with a note", async () => {
    const result = await call("big");
    if (!result.ok) throw new Error(result.error);
    expect(result.content.length).toBeLessThan(1500);
    expect(result.content).toContain("[output truncated: the tool returned 5242880 characters");
  }, 60_000);

  it("re-reads the tool list when the server says it changed", async () => {
    expect(tools.has("fake.grown")).toBe(false);
    expect(await call("grow")).toEqual({ ok: true, content: "grown" });
    await waitFor(
      async () => (await servers.toolsFor(["fake.*"])).tools.some((tool) => tool.name === "fake.grown"),
      "the new tool to be listed",
    );
  }, 60_000);

  it("reports a malformed result as a tool error", async () => {
    expect(await call("malformed")).toMatchObject({ ok: false, error: expect.stringContaining("malformed") });
  }, 60_000);

  it("maps isError results and images", async () => {
    expect(await call("fail")).toEqual({ ok: false, error: "the thing is broken" });
    const image = await call("image");
    expect(image).toMatchObject({ ok: true, images: [{ mimeType: "image/png" }] });
  }, 60_000);

  it("cancels a call when the turn is stopped", async () => {
    const abort = new AbortController();
    const pending = call("hang", abort.signal);
    abort.abort();
    expect(await pending).toMatchObject({ ok: false, error: expect.stringContaining("cancelled") });
  }, 60_000);

  it("survives the server exiting mid-call: the call says it may have run, and the server comes back", async () => {
    const result = await call("exit");
    expect(result).toMatchObject({ ok: false, error: expect.stringContaining("may or may not have run") });
    const { notes } = await servers.toolsFor(["fake.*"]);
    expect(notes.join()).toContain('"fake" are unavailable');
    await waitFor(async () => (await servers.toolsFor(["fake.*"])).notes.length === 0, "the server to restart");
    await refresh();
    expect(await call("echo")).toEqual({ ok: true, content: "echo: x" });
    expect(
      readFileSync(log, "utf8")
        .split("\n")
        .filter((line) => line === "exit"),
    ).toHaveLength(1);
  }, 90_000);

  it("reports a server that cannot start as unavailable, with its missing variable, and keeps going", async () => {
    const broken = new McpServers(
      mcpSettings([
        { name: "gone", command: join(dir, "no-such-binary") },
        { name: "needs", command: process.execPath, args: [FAKE_SERVER], env_from: { TOKEN: "UNSET_TOKEN_VAR" } },
      ]),
      createLogger("silent"),
    );
    try {
      const { tools: found, notes } = await broken.toolsFor(["gone.*", "needs.*"]);
      expect(found).toEqual([]);
      expect(notes).toHaveLength(2);
      expect(notes.join("\n")).toContain("UNSET_TOKEN_VAR is not set");
    } finally {
      await broken.close();
    }
  }, 60_000);

  it("says why a child stopped (its last stderr line), with secret values removed", async () => {
    const leaky = new McpServers(
      mcpSettings(
        [
          {
            name: "leaky",
            command: process.execPath,
            args: ["-e", "console.error('refusing token ' + process.env.TOKEN + '!'); process.exit(1)"],
            env_from: { TOKEN: "TEST_SECRET" },
          },
        ],
        { TEST_SECRET: SECRET },
      ),
      createLogger("silent"),
    );
    try {
      const { notes } = await leaky.toolsFor(["leaky.*"]);
      expect(notes.join()).toContain("refusing token [redacted]");
      expect(notes.join()).not.toContain(SECRET);
    } finally {
      await leaky.close();
    }
  }, 60_000);
});
