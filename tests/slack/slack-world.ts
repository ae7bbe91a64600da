import { afterEach } from "vitest";
import { SlackAdapter, type SlackAdapterOptions } from "../../adapters/slack/slack-adapter.js";
import { signatureOf } from "../../adapters/slack/slack-signature.js";
import { BOT_ID, BOT_USER, FakeSlack, TEAM } from "../fakes/fake-slack.js";
import { GatewayHarness, type GatewayTestOptions } from "../gateway/gateway-harness.js";

export const SIGNING_SECRET = "test-signing-secret";
export const BOT_TOKEN = "xoxb-test";

let nextEvent = 0;

/** A Slack adapter in HTTP mode (or Socket Mode with `appToken`) talking to the fake. */
export function slackAdapter(slack: FakeSlack, options: Partial<SlackAdapterOptions> = {}): SlackAdapter {
  return new SlackAdapter({
    botToken: BOT_TOKEN,
    signingSecret: SIGNING_SECRET,
    apiUrl: slack.apiUrl,
    replyInThreads: "all",
    reconnectMs: 50,
    ...options,
  });
}

/** A `message` event as Slack sends it (with `mention: true`, the text starts with `<@UBOT>`). */
export function messageEvent(options: {
  channel: string;
  user?: string;
  text: string;
  ts: string;
  threadTs?: string;
  dm?: boolean;
  mention?: boolean;
  type?: "message" | "app_mention";
  extra?: Record<string, unknown>;
}): Record<string, unknown> {
  return {
    type: options.type ?? "message",
    channel: options.channel,
    user: options.user ?? "U1",
    text: options.mention ? `<@${BOT_USER}> ${options.text}` : options.text,
    ts: options.ts,
    team: TEAM,
    ...(options.type === "app_mention" ? {} : { channel_type: options.dm ? "im" : "channel" }),
    ...(options.threadTs ? { thread_ts: options.threadTs } : {}),
    ...options.extra,
  };
}

/** The Events API envelope around an event. */
export function eventCallback(event: Record<string, unknown>, eventId = `Ev${++nextEvent}`): Record<string, unknown> {
  return {
    token: "legacy",
    team_id: TEAM,
    api_app_id: "A1",
    type: "event_callback",
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    event,
  };
}

/** POSTs a body to `/slack/events`, signed like Slack (override the timestamp or signature to break it). */
export async function postSigned(
  port: number,
  body: string,
  options: {
    timestamp?: number;
    signature?: string | null;
    headers?: Record<string, string>;
    contentType?: string;
  } = {},
): Promise<{ status: number; body: string }> {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const signature =
    options.signature === undefined ? `v0=${signatureOf(SIGNING_SECRET, timestamp, body)}` : options.signature;
  const response = await fetch(`http://127.0.0.1:${port}/slack/events`, {
    method: "POST",
    headers: {
      "content-type": options.contentType ?? "application/json",
      ...(signature === null ? {} : { "x-slack-signature": signature, "x-slack-request-timestamp": timestamp }),
      ...options.headers,
    },
    body,
  });
  return { status: response.status, body: await response.text() };
}

/** Delivers an event over HTTP and fails unless Slack would see a 200. */
export async function deliver(port: number, payload: Record<string, unknown>, headers?: Record<string, string>) {
  const response = await postSigned(port, JSON.stringify(payload), headers ? { headers } : {});
  if (response.status !== 200) throw new Error(`/slack/events answered ${response.status}: ${response.body}`);
  return response;
}

/** A fake Slack, and a gateway (fake model, temporary database) with the Slack adapter on its server. */
export class SlackWorld {
  constructor(
    readonly slack: FakeSlack,
    readonly adapter: SlackAdapter,
    readonly h: GatewayHarness,
  ) {}

  static async start(
    adapterOptions: Partial<SlackAdapterOptions> = {},
    gatewayOptions: GatewayTestOptions = {},
  ): Promise<SlackWorld> {
    const slack = await new FakeSlack().start();
    const adapter = slackAdapter(slack, adapterOptions);
    const h = await GatewayHarness.start([adapter], gatewayOptions);
    return new SlackWorld(slack, adapter, h);
  }

  /** Delivers an event over the Events API; resolves once Slack would have had its 200. */
  deliver(event: Record<string, unknown>, eventId?: string, headers?: Record<string, string>) {
    return deliver(this.h.port, eventCallback(event, eventId), headers);
  }

  /** The bot's messages in a thread (answers, notices), oldest first. */
  replies(channel: string, threadTs: string): string[] {
    return this.slack
      .botMessages(channel)
      .filter((message) => message.thread_ts === threadTs)
      .sort((a, b) => a.ts.localeCompare(b.ts))
      .map((message) => message.text);
  }

  /** The bot's messages at a DM's (or channel's) top level, outside any thread, oldest first. */
  inChannel(channel: string): string[] {
    return this.slack
      .botMessages(channel)
      .filter((message) => message.thread_ts === undefined)
      .sort((a, b) => a.ts.localeCompare(b.ts))
      .map((message) => message.text);
  }

  async close(): Promise<void> {
    await this.h.close();
    await this.slack.stop();
  }
}

/** A `start` for a test file: each world it starts is closed after its test. */
export function slackWorlds(): (...args: Parameters<typeof SlackWorld.start>) => Promise<SlackWorld> {
  let world: SlackWorld | undefined;
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });
  return async (...args) => {
    world = await SlackWorld.start(...args);
    return world;
  };
}

/** A Block Kit button of ours as the fake Slack stored it. */
export type Button = { action_id: string; value: string; text: { text: string } };

/** The buttons under the bot's latest message in a thread that has any. */
export function lastButtons(
  w: Pick<SlackWorld, "slack">,
  channel: string,
  threadTs: string | undefined,
): { ts: string; buttons: Button[] } {
  const message = w.slack
    .botMessages(channel)
    .filter((m) => m.thread_ts === threadTs && m.blocks?.some((block) => block.type === "actions"))
    .at(-1);
  const actions = message?.blocks?.find((block) => block.type === "actions") as { elements: Button[] } | undefined;
  return { ts: message?.ts ?? "", buttons: actions?.elements ?? [] };
}

/** A `block_actions` payload as Slack sends it for a press of `button` under message `ts`. */
export function blockActions(user: string, channel: string, threadTs: string | undefined, ts: string, button: Button) {
  return {
    type: "block_actions",
    user: { id: user, username: user.toLowerCase(), team_id: "T1" },
    team: { id: "T1" },
    api_app_id: "A1",
    container: {
      type: "message",
      message_ts: ts,
      channel_id: channel,
      is_ephemeral: false,
      ...(threadTs ? { thread_ts: threadTs } : {}),
    },
    channel: { id: channel, name: "general" },
    message: { type: "message", ts, ...(threadTs ? { thread_ts: threadTs } : {}), bot_id: BOT_ID, text: "…" },
    trigger_id: `trig-${user}-${ts}`,
    response_url: "http://127.0.0.1:1/unused",
    actions: [{ ...button, type: "button", block_id: "b1", action_ts: "1700008000.1" }],
  };
}

/** A `block_actions` request as Slack POSTs it (form-encoded `payload`), signed. */
export function press(w: SlackWorld, user: string, channel: string, threadTs: string, ts: string, button: Button) {
  const payload = blockActions(user, channel, threadTs, ts, button);
  return postSigned(w.h.port, new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), {
    contentType: "application/x-www-form-urlencoded",
  });
}
