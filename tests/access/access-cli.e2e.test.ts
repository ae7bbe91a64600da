import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect } from "vitest";
import { type CliResult, type CliSandbox, cliTest as it, lines, parseJson } from "../cli/run-cli.js";
import { ChildGateway } from "../crash/child-gateway.js";
import { FakeChannel } from "../fakes/fake-channel.js";
import { FakeLoopbackPlatform } from "../fakes/fake-loopback-platform.js";
import { GatewayHarness } from "../gateway/gateway-harness.js";
import { answered, outboxSettled } from "./access-helpers.js";

interface AccessRow {
  principal: string;
  source: string;
  admin: boolean;
}

/** A failure: exit 1, nothing on stdout, exactly one line on stderr. */
function failedWithOneLine(result: CliResult): string {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stdout).toBe("");
  expect(lines(result.stderr), result.stderr).toHaveLength(1);
  return result.stderr;
}

async function list(box: CliSandbox, env: Record<string, string> = {}): Promise<AccessRow[]> {
  const result = await box.run(["access", "list", "--json"], env);
  expect(result.stderr).toBe("");
  return parseJson<AccessRow[]>(result);
}

describe.concurrent("gateway access", () => {
  it("allow, allow again, list, revoke", async ({ cli: { box } }) => {
    expect(await box.run(["access", "list"])).toMatchObject({
      code: 0,
      stdout: "nobody is admitted yet; see: gateway access allow CHANNEL:ID\n",
    });
    expect(await box.run(["access", "allow", "telegram:12345"])).toMatchObject({
      code: 0,
      stdout: "allowed telegram:12345\n",
      stderr: "",
    });
    const again = await box.run(["access", "allow", "telegram:12345"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^telegram:12345 .*already allowed\n$/);

    const env = { GATEWAY_ALLOW: "telegram:1,slack:U2" };
    const [rows, table] = await Promise.all([list(box, env), box.run(["access", "list"], env)]);
    expect(rows).toEqual(
      expect.arrayContaining([
        { principal: "telegram:12345", source: "gateway access allow", admin: false },
        { principal: "telegram:1", source: "GATEWAY_ALLOW", admin: false },
        { principal: "slack:U2", source: "GATEWAY_ALLOW", admin: false },
      ]),
    );
    expect(rows.filter((row) => row.principal === "telegram:12345")).toHaveLength(1);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/telegram:12345\s.*gateway access allow/);
    expect(table.stdout).toMatch(/slack:U2\s.*GATEWAY_ALLOW/);

    expect(await box.run(["access", "revoke", "telegram:12345"])).toMatchObject({
      code: 0,
      stdout: "revoked telegram:12345\n",
      stderr: "",
    });
    expect((await list(box, env)).map((row) => row.principal).sort()).toEqual(["slack:U2", "telegram:1"]);
  });

  it("list names every source: grants, access.allow, admins and the YAML's channel lists", async ({ cli: { box } }) => {
    const yaml = [
      "access:",
      '  allow: ["telegram:5"]',
      '  admins: ["telegram:7"]',
      "channels:",
      "  telegram:",
      "    allow:",
      '      chats: ["-100"]',
      "  slack:",
      "    allow:",
      '      teams: ["T1"]',
    ].join("\n");
    writeFileSync(join(box.dir, "gateway.yml"), `${yaml}\n`);
    const env = { GATEWAY_CONFIG: "gateway.yml" };
    expect((await box.run(["access", "allow", "telegram:7"], env)).code).toBe(0);
    const rows = await list(box, env);
    expect(rows).toEqual(
      expect.arrayContaining([
        { principal: "telegram:7", source: "gateway access allow", admin: true },
        { principal: "telegram:5", source: "access.allow", admin: false },
        { principal: "telegram:-100", source: "channels.telegram.allow.chats", admin: false },
        { principal: "slack:T1", source: "channels.slack.allow.teams", admin: false },
      ]),
    );
    expect(rows).toHaveLength(4);
  });

  it("revoking what was never granted fails with one line", async ({ cli: { box } }) => {
    const stderr = failedWithOneLine(await box.run(["access", "revoke", "telegram:999"]));
    expect(stderr).toContain("telegram:999");
    // An entry of GATEWAY_ALLOW is not a grant either.
    const fromEnv = await box.run(["access", "revoke", "telegram:1"], { GATEWAY_ALLOW: "telegram:1" });
    expect(failedWithOneLine(fromEnv)).toContain("telegram:1");
  });

  it("a malformed principal fails naming the expected form, and nothing is stored", async ({ cli: { box } }) => {
    const attempts = [
      ["access", "allow", "12345"],
      ["access", "allow", "telegram:"],
      ["access", "revoke", "12345"],
    ];
    const results = await Promise.all(attempts.map((args) => box.run(args)));
    results.forEach((result, i) => {
      const stderr = failedWithOneLine(result);
      expect(stderr, attempts[i]?.join(" ")).toContain("CHANNEL:ID");
      expect(stderr, attempts[i]?.join(" ")).toContain("telegram:12345");
    });
    expect(await list(box)).toEqual([]);
  });

  it("a grant takes effect in running gateways without a restart, and revoke too", async ({ cli: { box } }) => {
    const channel = new FakeChannel();
    const harness = await GatewayHarness.start([channel], { access: { allow: [], admins: [] }, dbPath: box.db });
    const platform = await new FakeLoopbackPlatform().start();
    let child: ChildGateway | undefined;
    try {
      // A second gateway process (`gateway start`) on the same database, running all along.
      child = await ChildGateway.start({
        db: box.db,
        home: box.dir,
        modelUrl: harness.fake.url,
        platformUrl: platform.url,
      });
      expect(await channel.deliver({ conv: "dm-u9", sender: "u9", text: "let me in", id: "1" })).toEqual({
        status: "refused",
      });
      expect(await box.run(["access", "allow", "fake:u9"])).toMatchObject({ code: 0, stdout: "allowed fake:u9\n" });
      await answered(channel, { conv: "dm-u9", sender: "u9", text: "thanks", id: "2" });
      expect((await list(box)).map((row) => row.principal)).toEqual(["fake:u9"]);

      expect(await box.run(["access", "revoke", "fake:u9"])).toMatchObject({ code: 0, stdout: "revoked fake:u9\n" });
      expect(await channel.deliver({ conv: "dm-u9", sender: "u9", text: "again", id: "3" })).toEqual({
        status: "refused",
      });
      await outboxSettled(harness);
      expect(harness.fake.requests).toHaveLength(1);
      expect(child.hasExited).toBe(false);
      expect(await child.stop()).toEqual({ code: 0, signal: null });
    } finally {
      child?.kill();
      await platform.stop();
      await harness.close();
    }
  });
});
