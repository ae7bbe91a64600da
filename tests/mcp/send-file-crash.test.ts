import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ChildGateway, Sandbox, waitFor } from "../crash/child-gateway.js";
import { FakeOpenAi } from "../fakes/fake-openai.js";
import { FakeSlack } from "../fakes/fake-slack.js";
import { FakeTelegram } from "../fakes/fake-telegram.js";
import { BOT_TOKEN, deliver, eventCallback, messageEvent, SIGNING_SECRET } from "../slack/slack-world.js";

const CSV = "a,b\n1,2\n";
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A model that sends one file, then answers; a sandbox whose lives are killed after the test. */
async function setup() {
  const sandbox = new Sandbox();
  const model = await new FakeOpenAi().start();
  model.fallback = (body) =>
    body.messages.at(-1)?.role === "user"
      ? { kind: "tools", calls: [{ name: "send_file", arguments: JSON.stringify({ name: "report.csv", text: CSV }) }] }
      : { kind: "text", text: "Sent you the report." };
  const lives: ChildGateway[] = [];
  cleanups.push(async () => {
    for (const life of lives) life.kill();
    await Promise.all(lives.map((life) => life.exited.catch(() => undefined)));
    await model.stop();
    sandbox.cleanup();
  });
  const yaml = join(sandbox.dir, "gateway.yml");
  writeFileSync(yaml, "experts:\n  - name: default\n    tools: [send_file]\n");
  const env = { db: sandbox.db, home: sandbox.dir, modelUrl: model.url, platformUrl: "http://127.0.0.1:9/unused" };
  /** Kills the gateway right after the tool result is stored (before the upload), then starts another life. */
  const crashThenRestart = async (channel: Record<string, string>, send: (life: ChildGateway) => Promise<void>) => {
    const extra = { ...channel, GATEWAY_ALLOW: "*", GATEWAY_CONFIG: yaml };
    const doomed = await ChildGateway.start({ ...env, crashAt: "after-tool-result", extra });
    lives.push(doomed);
    await send(doomed);
    const exit = await doomed.waitForExit(60_000).catch((error: Error) => {
      throw new Error(`${error.message}\n${doomed.output}`);
    });
    expect(exit.signal).toBe("SIGKILL");
    const restarted = await ChildGateway.start({ ...env, extra });
    lives.push(restarted);
    return { doomed, restarted };
  };
  return { crashThenRestart };
}

describe("send_file and kill -9 between the tool result and the upload", () => {
  it("Telegram: the document is sent exactly once across the crash", async () => {
    const telegram = await new FakeTelegram({ maxPollMs: 200 }).start();
    cleanups.push(() => telegram.stop());
    const { crashThenRestart } = await setup();
    const extra = { TELEGRAM_BOT_TOKEN: telegram.token, TELEGRAM_API_ROOT: telegram.url };
    const { restarted } = await crashThenRestart(extra, async () => {
      telegram.privateText("send me the report");
    });
    await waitFor(
      () => telegram.callsOf("sendMessage").some((p) => p.text === "Sent you the report."),
      () => `the answer\n${restarted.output}`,
    );
    await restarted.stop();
    expect(telegram.callsOf("sendDocument")).toEqual([
      expect.objectContaining({ document: { filename: "report.csv", size: CSV.length } }),
    ]);
  }, 120_000);

  it("Slack: the file is uploaded exactly once across the crash", async () => {
    const slack = await new FakeSlack().start();
    cleanups.push(() => slack.stop());
    const { crashThenRestart } = await setup();
    const extra = { SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.apiUrl };
    const root = "1700008000.000100";
    const { restarted } = await crashThenRestart(extra, async (life) => {
      await deliver(
        life.port,
        eventCallback(messageEvent({ channel: "C1", mention: true, text: "report?", ts: root })),
      );
    });
    await waitFor(
      () => slack.botMessages("C1").some((m) => m.thread_ts === root && m.text === "Sent you the report."),
      () => `the answer\n${restarted.output}`,
    );
    await restarted.stop();
    expect(slack.callsOf("files.getUploadURLExternal")).toEqual([
      { filename: "report.csv", length: String(CSV.length) },
    ]);
    expect(slack.callsOf("files.completeUploadExternal")).toHaveLength(1);
    expect([...slack.uploads.values()].map((bytes) => bytes.toString("utf8"))).toEqual([CSV]);
  }, 120_000);
});
