import { afterEach, describe, expect, it } from "vitest";
import { TelegramAdapter } from "../../adapters/telegram/telegram-adapter.js";
import { fileSchema } from "../../src/config/file-schema.js";
import type { ChannelAdapter } from "../../src/gateway/channel.js";
import { StoredChannel } from "../../src/triggers/stored-channel.js";
import { Triggers } from "../../src/triggers/triggers.js";
import { waitUntil } from "../fakes/fake-channel.js";
import { FakeSlack, TEAM } from "../fakes/fake-slack.js";
import { FakeTelegram } from "../fakes/fake-telegram.js";
import { GatewayHarness } from "../gateway/gateway-harness.js";
import { deliver, eventCallback, messageEvent, slackAdapter } from "../slack/slack-world.js";
import type { TriggerYaml } from "./trigger-world.js";

/** The real Slack and Telegram adapters against their fakes, with triggers posting into them. */
let closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.reverse()) await close();
  closers = [];
});

async function world(adapter: ChannelAdapter, yaml: TriggerYaml) {
  const harness = await GatewayHarness.start([adapter, new StoredChannel()]);
  const triggers = new Triggers({
    triggers: fileSchema.shape.triggers.parse([yaml]),
    store: harness.store,
    experts: harness.experts,
    adapters: harness.gateway.adapters,
    clock: harness.clock.now,
    logger: harness.logger,
    onQueued: () => harness.gateway.scheduler.wake(),
    pollMs: 20,
  });
  triggers.start();
  closers.push(async () => {
    await triggers.stop();
    await harness.close();
  });
  const ended = async (runId: string) => {
    await waitUntil(async () => (await harness.store.triggers.get(runId))?.status === "completed");
    return harness.store.triggers.get(runId);
  };
  return { harness, triggers, ended };
}

describe("trigger results in the real channels", () => {
  it("Slack: a top-level post in the channel, whose thread continues the archived session", async () => {
    const slack = await new FakeSlack().start();
    closers.push(() => slack.stop());
    const { harness, triggers, ended } = await world(slackAdapter(slack), {
      name: "digest",
      prompt: "Summarize {{payload.topic}}.",
      webhook: { secret_env: "HOOK_SECRET" },
      destination: { slack: { channel: "C123" } },
    });
    const run = await ended((await triggers.fire("digest", { source: "manual", payload: { topic: "sales" } })).run.id);
    const [post] = slack.botMessages("C123");
    expect(post).toMatchObject({ text: "echo: Summarize sales." });
    expect(post?.thread_ts).toBeUndefined();
    const thread = `slack:${TEAM}:C123:${post?.ts}`;
    expect(await harness.store.sessions.get(run?.sessionId ?? "")).toMatchObject({
      state: "archived",
      conversationKey: thread,
    });

    const reply = messageEvent({
      channel: "C123",
      text: "and last week?",
      ts: "1800000000.000200",
      threadTs: post?.ts,
    });
    expect((await deliver(harness.port, eventCallback(reply))).status).toBe(200);
    await waitUntil(() => slack.botMessages("C123").length === 2);
    expect(slack.botMessages("C123")[1]).toMatchObject({
      thread_ts: post?.ts,
      text: expect.stringMatching(/and last week\?$/),
    });
    expect(await harness.store.sessions.get(run?.sessionId ?? "")).toMatchObject({ state: "active" });
  });

  it("Telegram: posted into the topic; a reply to the result reopens the run's session", async () => {
    const telegram = await new FakeTelegram({ maxPollMs: 200 }).start();
    closers.push(() => telegram.stop());
    const adapter = new TelegramAdapter({ token: telegram.token, apiRoot: telegram.url, pollTimeoutSeconds: 1 });
    const { harness, triggers, ended } = await world(adapter, {
      name: "digest",
      prompt: "Summarize {{payload.topic}}.",
      webhook: { secret_env: "HOOK_SECRET" },
      destination: { telegram: { chat: String(telegram.groupId), topic: 7 } },
    });
    await waitUntil(() => adapter.status().state === "running");
    const run = await ended((await triggers.fire("digest", { source: "manual", payload: { topic: "q3" } })).run.id);
    const result = telegram.lastSent(telegram.groupId);
    expect(result).toMatchObject({ text: "echo: Summarize q3.", message_thread_id: 7 });
    expect(await harness.store.sessions.get(run?.sessionId ?? "")).toMatchObject({ state: "archived" });

    telegram.topicText("and q4?", 7, { replyTo: result });
    await waitUntil(
      () => telegram.lastSent(telegram.groupId)?.text?.endsWith("and q4?") === true,
      () => JSON.stringify(telegram.calls.filter((c) => c.method !== "getUpdates").map((c) => [c.method, c.params])),
    );
    expect(await harness.store.sessions.get(run?.sessionId ?? "")).toMatchObject({ state: "active" });
    const request = harness.fake.requests.at(-1);
    expect(JSON.stringify(request?.messages)).toContain("Summarize q3.");
  });
});
