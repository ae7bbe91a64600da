// The requests the bench sends: Telegram webhook updates and signed Slack Events API posts, one new
// conversation per message (id n): Telegram private chat CHAT_BASE + n, Slack DM channel D<n>.
import { signatureOf } from "../adapters/slack/slack-signature.js";

export const TELEGRAM_SECRET = "bench-webhook-secret";
export const SLACK_SIGNING_SECRET = "bench-signing-secret";
export const CHAT_BASE = 6_000_000_000;
const USER = { id: 5_000_000_001, is_bot: false, first_name: "Ada", username: "ada" };

/** A request the load generator sends: where, what and with which headers. */
export interface BenchRequest {
  path: string;
  body: string;
  headers: Record<string, string>;
}

export const messageText = (n: number) => `bench ${n}`;

/** The conversation id a platform call or model request belongs to, if it is one of ours. */
export function idOfChat(value: unknown): number | undefined {
  const text = String(value ?? "");
  if (/^D\d+$/.test(text)) return Number(text.slice(1));
  const chat = Number(text);
  return Number.isInteger(chat) && chat > CHAT_BASE ? chat - CHAT_BASE : undefined;
}

export function idOfText(text: string): number | undefined {
  const match = /bench (\d+)/.exec(text);
  return match ? Number(match[1]) : undefined;
}

/** A private-chat text message as Telegram posts it to the webhook; `conversation` defaults to its own. */
export function telegramUpdate(n: number, conversation = n): BenchRequest {
  const chatId = CHAT_BASE + conversation;
  const update = {
    update_id: n,
    message: {
      message_id: n,
      date: Math.floor(Date.now() / 1000),
      chat: { id: chatId, type: "private", first_name: USER.first_name },
      from: USER,
      text: messageText(n),
    },
  };
  return {
    path: "/telegram/webhook",
    body: JSON.stringify(update),
    headers: { "content-type": "application/json", "x-telegram-bot-api-secret-token": TELEGRAM_SECRET },
  };
}

/**
 * A direct message as Slack's Events API posts it, signed with the signing secret, top-level in DM
 * `D<conversation>` (default: its own). A DM is one running conversation, so every message of a
 * conversation reaches its session; a reply in a thread would open another session (the thread's).
 */
export function slackEvent(n: number, conversation = n): BenchRequest {
  const now = Math.floor(Date.now() / 1000);
  const event = { type: "message", channel: `D${conversation}`, channel_type: "im", user: "U1", team: "T1" };
  const body = JSON.stringify({
    token: "legacy",
    team_id: "T1",
    api_app_id: "A1",
    type: "event_callback",
    event_id: `EvBench${n}`,
    event_time: now,
    event: { ...event, text: messageText(n), ts: slackTs(n) },
  });
  return { path: "/slack/events", body, headers: { "content-type": "application/json", ...slackHeaders(body, now) } };
}

/** A message ts for id n: unique, and the same wherever it is computed. */
const slackTs = (n: number) => `${1_700_000_000 + Math.floor(n / 1e6)}.${String(n % 1e6).padStart(6, "0")}`;

export function slackHeaders(body: string, now = Math.floor(Date.now() / 1000)): Record<string, string> {
  const timestamp = String(now);
  return {
    "x-slack-request-timestamp": timestamp,
    "x-slack-signature": `v0=${signatureOf(SLACK_SIGNING_SECRET, timestamp, body)}`,
  };
}
