import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ChildGateway, Sandbox, waitFor } from "../crash/child-gateway.js";
import { FakeLoopbackPlatform } from "../fakes/fake-loopback-platform.js";
import { FakeOpenAi } from "../fakes/fake-openai.js";
import { FAKE_SERVER } from "./mcp-world.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A sandbox with a YAML whose default Expert may call `fake.<tool>`, a fake model and a loopback platform. */
async function world(tool: string) {
  const sandbox = new Sandbox();
  const model = await new FakeOpenAi().start();
  const platform = await new FakeLoopbackPlatform().start();
  const lives: ChildGateway[] = [];
  cleanups.push(async () => {
    for (const life of lives) life.kill();
    await Promise.all(lives.map((life) => life.exited.catch(() => undefined)));
    await model.stop();
    await platform.stop();
    sandbox.cleanup();
  });
  const log = join(sandbox.dir, "calls.log");
  const yaml = join(sandbox.dir, "gateway.yml");
  writeFileSync(
    yaml,
    [
      "mcp_servers:",
      "  - name: fake",
      `    command: ${JSON.stringify(process.execPath)}`,
      `    args: [${JSON.stringify(FAKE_SERVER)}]`,
      "    env_from: { FAKE_MCP_LOG: TEST_MCP_LOG }",
      "experts:",
      "  - name: default",
      `    tools: [fake.${tool}]`,
      '    tool_policies: { "fake.*": auto }',
      "",
    ].join("\n"),
  );
  model.fallback = (body) =>
    body.messages.at(-1)?.role === "user"
      ? { kind: "tools", calls: [{ name: `fake__${tool}`, arguments: '{"text":"side effect"}' }] }
      : { kind: "text", text: `done after: ${String(body.messages.findLast((m) => m.role === "tool")?.content)}` };
  const env = { db: sandbox.db, home: sandbox.dir, modelUrl: model.url, platformUrl: platform.url };
  const extra = { GATEWAY_CONFIG: yaml, TEST_MCP_LOG: log };
  const calls = () => (existsSync(log) ? readFileSync(log, "utf8") : "");
  return { lives, env, extra, calls, platform };
}

describe("an MCP tool call and kill -9", () => {
  it("a call whose result was stored is not run again after the crash; the answer uses the stored result", async () => {
    const { lives, env, extra, calls, platform } = await world("echo");

    const doomed = await ChildGateway.start({ ...env, crashAt: "after-tool-result", extra });
    lives.push(doomed);
    expect(await doomed.post({ conversation: "A", sender: "u", text: "do it", message_id: "A-1" })).toMatchObject({
      kind: "accepted",
    });
    await doomed.waitForExit(60_000);
    expect(calls()).toBe("echo\n");

    const restarted = await ChildGateway.start({ ...env, extra });
    lives.push(restarted);
    const answer = await waitFor(
      () => platform.live("A").find(({ text }) => text.startsWith("done after")),
      () => `the answer\n${doomed.output}\n${restarted.output}`,
    );
    expect(answer.text).toBe("done after: echo: side effect");
    expect(calls()).toBe("echo\n");
    await restarted.stop();
  }, 120_000);

  it("a call that was running when the process died is reported as maybe run, not repeated", async () => {
    const { lives, env, extra, calls, platform } = await world("hang");
    const doomed = await ChildGateway.start({ ...env, extra });
    lives.push(doomed);
    await doomed.post({ conversation: "A", sender: "u", text: "do it", message_id: "A-1" });
    await waitFor(
      () => calls() === "hang\n",
      () => `the call to start\n${doomed.output}`,
    );
    doomed.kill();
    await doomed.exited;
    const restarted = await ChildGateway.start({ ...env, extra });
    lives.push(restarted);
    const answer = await waitFor(
      () => platform.live("A").find(({ text }) => text.startsWith("done after")),
      () => `the answer\n${restarted.output}`,
    );
    expect(answer.text).toContain("may or may not have run");
    expect(calls()).toBe("hang\n");
    await restarted.stop();
  }, 120_000);
});
