import { TelegramAdapter, type TelegramAdapterOptions } from "../../adapters/telegram/telegram-adapter.js";
import type { Session } from "../../src/store/types.js";
import { waitUntil } from "../fakes/fake-channel.js";
import { FakeTelegram } from "../fakes/fake-telegram.js";
import { GatewayHarness, type GatewayTestOptions } from "../gateway/gateway-harness.js";

/** The real gateway with the real Telegram adapter, talking to a fake Bot API and a fake model. */
export interface TelegramWorld {
  telegram: FakeTelegram;
  adapter: TelegramAdapter;
  harness: GatewayHarness;
  close(): Promise<void>;
}

export async function startTelegramWorld(
  options: {
    adapter?: Partial<TelegramAdapterOptions>;
    gateway?: GatewayTestOptions;
    maxPollMs?: number;
    /** Runs before the adapter starts (program failures, fill the command menu). */
    prepare?: (telegram: FakeTelegram) => void;
  } = {},
): Promise<TelegramWorld> {
  const telegram = await new FakeTelegram({ maxPollMs: options.maxPollMs ?? 200 }).start();
  options.prepare?.(telegram);
  const adapter = new TelegramAdapter({
    token: telegram.token,
    apiRoot: telegram.url,
    pollTimeoutSeconds: 1,
    backoff: { baseMs: 20, maxMs: 200 },
    // Telegram's real pace (a message a second, group edits every 3 s) would make every test wait;
    // the tests of pacing pass `pace: {}` to get it.
    pace: { sendMs: 50, privateEditMs: 200, groupEditMs: 200 },
    ...options.adapter,
  });
  const harness = await GatewayHarness.start([adapter], options.gateway);
  await waitUntil(() => adapter.status().state !== "starting");
  return {
    telegram,
    adapter,
    harness,
    close: async () => {
      // A test that made the store refuse writes may have failed before allowing them again.
      if (harness.store.db.open) harness.store.db.pragma("query_only = OFF");
      await harness.close();
      await telegram.stop();
    },
  };
}

/** Texts the bot sent to a chat, in order. */
export function sentTexts(telegram: FakeTelegram, chatId: number): string[] {
  return telegram
    .callsOf("sendMessage")
    .filter((params) => Number(params.chat_id) === chatId)
    .map((params) => String(params.text));
}

/** What the chat shows now: the bot's messages there (after edits), in order. */
export function shownTexts(telegram: FakeTelegram, chatId: number, threadId?: number): string[] {
  return [...telegram.messages.values()]
    .filter((m) => m.from?.id === telegram.bot.id && m.chat.id === chatId)
    .filter((m) => threadId === undefined || m.message_thread_id === threadId)
    .map((m) => m.text ?? "");
}

/** Waits until the chat shows a bot message with exactly `text` (an edited preview counts once final). */
export async function waitShown(telegram: FakeTelegram, chatId: number, text: string) {
  await waitUntil(
    () => shownTexts(telegram, chatId).includes(text),
    () => `chat ${chatId} shows ${JSON.stringify(shownTexts(telegram, chatId))}`,
  );
}

/** The current session of a conversation key, or a thrown error. */
export async function currentSession(world: TelegramWorld, conversationKey: string): Promise<Session> {
  const session = await world.harness.store.sessions.current(conversationKey);
  if (!session) throw new Error(`no session for ${conversationKey}`);
  return session;
}

/** The texts of the messages stored in a conversation's current session, in order. */
export async function storedTexts(world: TelegramWorld, conversationKey: string): Promise<string[]> {
  const session = await currentSession(world, conversationKey);
  return (await world.harness.inboundStates(session.id)).map((row) => row.text);
}
