import { afterEach, describe, expect, it } from "vitest";
import { SlackAuthError } from "../../adapters/slack/slack-socket-receiver.js";
import { createLogger } from "../../src/logger.js";
import { waitUntil } from "../fakes/fake-channel.js";
import { FakeSlack } from "../fakes/fake-slack.js";
import { eventCallback, messageEvent, SlackWorld, slackAdapter } from "./slack-world.js";

let world: SlackWorld | undefined;

async function start(): Promise<SlackWorld> {
  world = await SlackWorld.start({ appToken: "xapp-test", signingSecret: undefined });
  await waitUntil(() => world?.slack.socketCount === 1);
  return world;
}

afterEach(async () => {
  await world?.close();
  world = undefined;
});

const dm = (ts: string, text: string) => eventCallback(messageEvent({ channel: "D1", dm: true, text, ts }), `Ev${ts}`);

describe("Slack Socket Mode", () => {
  it("acks an envelope once its message is stored, and answers it", async () => {
    const w = await start();
    const envelope = w.slack.sendEnvelope("events_api", dm("1700003000.000100", "over the socket"));
    await waitUntil(() => w.slack.acks.some((ack) => ack.envelope_id === envelope));
    expect(await w.h.store.sessions.list({ states: ["active"] })).toHaveLength(1);
    await waitUntil(() => w.inChannel("D1").length === 1);
    expect(w.inChannel("D1")).toEqual(["echo: over the socket"]);
  });

  it("acks a redelivered envelope without a second answer", async () => {
    const w = await start();
    const payload = dm("1700003100.000100", "once");
    const first = w.slack.sendEnvelope("events_api", payload);
    const again = w.slack.sendEnvelope("events_api", payload, { retry_attempt: 1, retry_reason: "timeout" });
    await waitUntil(() => [first, again].every((id) => w.slack.acks.some((ack) => ack.envelope_id === id)));
    await waitUntil(() => w.inChannel("D1").length === 1);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(w.h.fake.requests).toHaveLength(1);
  });

  it("leaves an envelope unacked when the message cannot be stored, so Slack sends it again", async () => {
    const w = await start();
    await w.h.store.close();
    const envelope = w.slack.sendEnvelope("events_api", dm("1700003200.000100", "lost?"));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(w.slack.acks.map((ack) => ack.envelope_id)).not.toContain(envelope);
  });

  it("answers /gateway commands in the envelope's ack, ephemerally", async () => {
    const w = await start();
    const command = {
      command: "/gateway",
      text: "help",
      team_id: "T1",
      channel_id: "C1",
      user_id: "U1",
      trigger_id: "t9",
    };
    const envelope = w.slack.sendEnvelope("slash_commands", command);
    await waitUntil(() => w.slack.acks.some((ack) => ack.envelope_id === envelope));
    const ack = w.slack.acks.find((entry) => entry.envelope_id === envelope);
    expect(ack?.payload).toMatchObject({ response_type: "ephemeral", text: expect.stringContaining("new") });
  });

  it("reconnects after Slack's disconnect message and keeps receiving", async () => {
    const w = await start();
    w.slack.sendDisconnect("refresh_requested");
    await waitUntil(() => w.slack.connectionsOpened === 2 && w.slack.socketCount === 1);
    w.slack.sendEnvelope("events_api", dm("1700003300.000100", "after the reconnect"));
    await waitUntil(() => w.inChannel("D1").length === 1);
    // A late close of the old socket may start one more reconnect; health says "starting" until it is done.
    await waitUntil(() => w.adapter.status().state === "running");
  });

  it("stops for good when the app token is revoked while connected", async () => {
    const w = await start();
    w.slack.connectionsOpenError = "token_revoked";
    w.slack.sendDisconnect("warning");
    await waitUntil(() => w.adapter.status().state === "failed");
    expect(w.adapter.status().detail).toContain("SLACK_APP_TOKEN (token_revoked)");
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(w.slack.callsOf("apps.connections.open")).toHaveLength(2);
  });

  it("stops with a clear error on invalid_auth instead of retrying", async () => {
    const slack = await new FakeSlack().start();
    try {
      slack.connectionsOpenError = "invalid_auth";
      const adapter = slackAdapter(slack, { appToken: "xapp-bad", signingSecret: undefined });
      const host = {
        accept: async () => ({ status: "ignored" as const, reason: "test" }),
        route: () => undefined,
        moveConversation: async () => undefined,
        knows: async () => false,
        welcome: async () => ({ expert: "default", greeting: "Hi", suggestedPrompts: [] }),
        commands: [],
        logger: createLogger("silent"),
      };
      const failure = await adapter.start(host).catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(SlackAuthError);
      expect((failure as Error).message).toContain("SLACK_APP_TOKEN (invalid_auth)");
      expect(adapter.status().state).toBe("failed");
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(slack.callsOf("apps.connections.open")).toHaveLength(1);
      await adapter.stop();
    } finally {
      await slack.stop();
    }
  });
});
