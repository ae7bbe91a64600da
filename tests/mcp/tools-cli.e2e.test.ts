import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { cliTest, parseJson } from "../cli/run-cli.js";
import { DocsFolder, FAKE_SERVER, FILESYSTEM_SERVER } from "./mcp-world.js";

const SECRET = "tok-very-secret-123";

/** A YAML with the reference filesystem server, the fake server (given a secret) and one that cannot start. */
function writeYaml(dir: string, docs: DocsFolder): string {
  const path = join(dir, "gateway.yml");
  writeFileSync(
    path,
    [
      "mcp_servers:",
      "  - name: files",
      `    command: ${JSON.stringify(process.execPath)}`,
      `    args: [${JSON.stringify(FILESYSTEM_SERVER)}, ${JSON.stringify(docs.dir)}]`,
      "  - name: fake",
      `    command: ${JSON.stringify(process.execPath)}`,
      `    args: [${JSON.stringify(FAKE_SERVER)}]`,
      "    env_from: { FAKE_SECRET: MY_SECRET }",
      "  - name: broken",
      "    command: ./no-such-server",
      "experts:",
      "  - name: ops",
      "    tools: [current_time, files.*, fake.e*, broken.*, nothing_*]",
      '    tool_policies: { "files.write_*": deny, "fake.echo": ask }',
      "",
    ].join("\n"),
  );
  return path;
}

describe("tools from the CLI", () => {
  cliTest(
    "tools list names every server's tools, an Expert's view shows policies, doctor reports each server",
    async ({ cli }) => {
      const docs = new DocsFolder();
      try {
        const env = { GATEWAY_CONFIG: writeYaml(cli.box.dir, docs), MY_SECRET: SECRET };
        const listed = await cli.box.run(["tools", "list", "--json"], env, 60_000);
        const all = parseJson<{
          tools: { name: string; wire_name: string; source: string }[];
          servers: { name: string; state: string; error: string | null }[];
        }>(listed);
        expect(listed.code).toBe(1);
        expect(all.tools).toContainEqual(
          expect.objectContaining({
            name: "files.read_text_file",
            wire_name: "files__read_text_file",
            source: "files",
          }),
        );
        expect(all.tools).toContainEqual(expect.objectContaining({ name: "current_time", source: "builtin" }));
        expect(all.servers.map((s) => [s.name, s.state])).toEqual([
          ["files", "connected"],
          ["fake", "connected"],
          ["broken", "failed"],
        ]);

        const ops = await cli.box.run(["tools", "list", "--expert", "ops"], env, 60_000);
        expect(ops.stdout).toMatch(/files\.read_text_file\s+files\s+auto/);
        expect(ops.stdout).toMatch(/files\.write_file\s+files\s+deny/);
        expect(ops.stdout).toMatch(/fake\.echo\s+fake\s+ask/);
        // No policy names it, and its server does not mark it read-only: it asks by default.
        expect(ops.stdout).toMatch(/files\.create_directory\s+files\s+ask/);
        expect(ops.stdout).not.toContain("fake.hang");
        expect(ops.stdout).toContain("server broken:");

        const doctor = await cli.box.run(["doctor"], env, 60_000);
        const text = doctor.stdout;
        expect(text).toMatch(/^ok\s+mcp files: stdio: .*, \d+ tools: .*files\.read_text_file/m);
        expect(text).toMatch(/^FAIL\s+mcp broken: stdio: \.\/no-such-server: could not connect/m);
        expect(text).toContain(
          'warn  tools: Expert "ops": tools pattern "broken.*" matches no tool (server "broken" is not connected)',
        );
        expect(text).toContain('warn  tools: Expert "ops": tools pattern "nothing_*" matches no tool');
        expect(text).not.toMatch(/runs without asking|: ask"/);
        expect(`${text}${doctor.stderr}${listed.stdout}${listed.stderr}`).not.toContain(SECRET);
      } finally {
        docs.cleanup();
      }
    },
  );

  cliTest("run -p uses an MCP tool; sessions show the call with redacted arguments and the result", async ({ cli }) => {
    const docs = new DocsFolder();
    try {
      const env = { GATEWAY_CONFIG: writeYaml(cli.box.dir, docs), MY_SECRET: SECRET };
      cli.fake.reply(
        {
          kind: "tools",
          calls: [{ name: "fake__echo", arguments: JSON.stringify({ text: `use ${SECRET}`, api_key: "k-123456" }) }],
        },
        { kind: "text", text: "Echoed." },
      );
      const run = await cli.box.run(["run", "-p", "echo it", "--expert", "ops", "--json", "--approve"], env, 60_000);
      expect(run.code).toBe(0);
      const done = run.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { type: string; session_id?: string });
      const sessionId = done.find((event) => event.type === "done")?.session_id ?? "";
      const toolMessage = cli.fake.requests[1]?.messages.find((m) => m.role === "tool");
      expect(toolMessage?.content).toBe(`echo: use ${SECRET}`);
      const shown = await cli.box.run(["sessions", "show", sessionId], env, 60_000);
      expect(shown.stdout).toContain("[tool fake.echo]");
      expect(shown.stdout).toContain('"api_key":"[redacted]"');
      expect(shown.stdout).toContain('"text":"use [redacted]"');
      expect(shown.stdout).toContain("[result] echo: use");
      // The request is recorded, its arguments redacted like the call's.
      expect(shown.stdout).toMatch(/\[approval \d+ of fake\.echo, asked .*: approved by cli \(--approve\)/);
      expect(shown.stdout).not.toContain("k-123456");
    } finally {
      docs.cleanup();
    }
  });
});
