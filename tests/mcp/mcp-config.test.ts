import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { z } from "zod";
import { matchesPattern, policyOf, selectTools } from "../../src/agent/tool-selection.js";
import { defineTool, toToolSpec } from "../../src/agent/tools.js";
import { loadConfig } from "../../src/config/load-config.js";
import { ConfigError } from "../../src/errors.js";
import { ExpertRegistry } from "../../src/experts/expert-registry.js";
import { wireName } from "../../src/mcp/wire-names.js";
import { makeTempDir, removeTempDir } from "../support/temp-dirs.js";

let dir: string;
beforeEach(() => {
  dir = makeTempDir("mcp-config-");
});
afterEach(() => removeTempDir(dir));

function load(lines: string[], env: Record<string, string> = {}) {
  writeFileSync(join(dir, "gateway.yml"), `${lines.join("\n")}\n`);
  return loadConfig({ env: { GATEWAY_CONFIG: "gateway.yml", GATEWAY_MODEL: "m", ...env }, cwd: dir });
}

function refusal(lines: string[]): string {
  try {
    load(lines);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message;
  }
  throw new Error("expected a config error");
}

const example = [
  "mcp_servers:",
  "  - name: files",
  "    command: node",
  "    args: [./server.js, ./docs]",
  "    env_from: { GITHUB_TOKEN: GH_TOKEN }",
  "  - name: tracker",
  "    url: https://mcp.example.com/mcp",
  "    headers_from: { Authorization: TRACKER_AUTH }",
  "experts:",
  "  - name: ops",
  "    tools: [current_time, files.*, tracker.create_issue]",
  '    tool_policies: { "files.write_*": deny }',
];

describe("mcp_servers in the YAML", () => {
  it("reads the issue's example: stdio and HTTP servers, values taken from the environment", () => {
    const config = load(example, { GH_TOKEN: "ghp_secret", TRACKER_AUTH: "Bearer t0ken" });
    const [files, tracker] = config.mcp.servers;
    expect(files).toMatchObject({
      name: "files",
      transport: {
        kind: "stdio",
        command: "node",
        args: ["./server.js", "./docs"],
        cwd: dir,
        env: { GITHUB_TOKEN: "ghp_secret" },
      },
      timeoutMs: 60_000,
      maxOutputChars: 20_000,
      missing: [],
    });
    expect(tracker).toMatchObject({ transport: { kind: "http", headers: { Authorization: "Bearer t0ken" } } });
    expect(config.mcp.secrets().sort()).toEqual(["Bearer t0ken", "ghp_secret"]);
    expect(config.experts[0]?.tool_policies).toEqual({ "files.write_*": "deny" });
    const experts = new ExpertRegistry(config, new Set(["current_time"]));
    expect(experts.require("ops").toolPolicies).toEqual({ "files.write_*": "deny" });
  });

  it("notes variables that are unset instead of refusing to start", () => {
    const config = load(example);
    expect(config.mcp.servers.map((server) => server.missing)).toEqual([["GH_TOKEN"], ["TRACKER_AUTH"]]);
    expect(config.mcp.secrets()).toEqual([]);
  });

  it("names the line of a tool pattern whose server is not configured", () => {
    const lines = [...example];
    lines[10] = "    tools: [current_time, files.*, jira.create_issue]";
    expect(refusal(lines)).toMatch(
      /gateway\.yml:11: experts\.0\.tools\.2: unknown MCP server "jira" \(mcp_servers: files, tracker\)/,
    );
  });

  it("refuses a server with both or neither of command and url, and a name used twice", () => {
    expect(refusal(["mcp_servers:", "  - name: x"])).toContain("needs either command (stdio) or url");
    expect(refusal(["mcp_servers:", "  - { name: x, command: a }", "  - { name: x, command: b }"])).toContain(
      '"x" is used twice',
    );
    expect(refusal(["mcp_servers:", "  - { name: a__b, command: a }"])).toContain("mcp_servers.0.name");
  });

  it("an Expert naming an unknown server is refused by the registry too (configs built without YAML)", () => {
    const build = () =>
      new ExpertRegistry(
        {
          experts: [{ name: "x", description: "", instructions: "", tools: ["nope.*"], memory: true }],
          model: { defaultModel: "m", baseUrl: "", apiKey: undefined, timeoutMs: 1, maxReplyChars: 20_000 },
        },
        new Set(["current_time"]),
      );
    expect(build).toThrow('Expert "x": unknown MCP server "nope"');
  });
});

describe("tool names, patterns and policies", () => {
  const tool = (name: string) =>
    defineTool({ name, description: "", parameters: z.object({}), run: async () => ({ ok: true, content: "" }) });

  it("matches * globs and nothing else as special", () => {
    expect(matchesPattern("files.*", "files.read_text_file")).toBe(true);
    expect(matchesPattern("files.*", "filesystem.read")).toBe(false);
    expect(matchesPattern("files.read_?", "files.read_x")).toBe(false);
    expect(matchesPattern("*_time", "current_time")).toBe(true);
  });

  it("prefers an exact policy, then the longest pattern; unnamed tools run", () => {
    const policies = { "files.*": "auto", "files.write_*": "deny", "files.write_log": "ask" } as const;
    expect(policyOf("files.write_file", policies)).toBe("deny");
    expect(policyOf("files.write_log", policies)).toBe("ask");
    expect(policyOf("files.read", policies)).toBe("auto");
    expect(policyOf("other.x", {})).toBe("auto");
  });

  it("selects what the patterns match and hides what a policy denies", () => {
    const available = ["current_time", "files.read", "files.write_file", "tracker.create_issue"].map(tool);
    const chosen = selectTools(["current_time", "files.*"], { "files.write_*": "deny" }, available);
    expect(chosen.map((t) => t.name)).toEqual(["current_time", "files.read"]);
  });

  it("gives every tool a wire name the API accepts, distinct even when names differ only in refused characters", () => {
    expect(wireName("files", "read_text_file")).toBe("files__read_text_file");
    const dotted = wireName("db", "query.run");
    const slashed = wireName("db", "query/run");
    for (const name of [dotted, slashed, wireName("x", "a".repeat(80))]) expect(name).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
    expect(dotted).not.toBe(slashed);
  });

  it("sends an MCP tool's JSON Schema to the model as given", () => {
    const schema = { type: "object", properties: { path: { type: "string", pattern: "^/" } }, required: ["path"] };
    const spec = toToolSpec({
      name: "files.read",
      wireName: "files__read",
      description: "d",
      parameters: { jsonSchema: schema },
      run: async () => ({ ok: true, content: "" }),
    });
    expect(spec).toEqual({ name: "files__read", description: "d", parameters: schema });
  });
});
