import { TelegramAdapter, type TelegramAdapterOptions } from "../../adapters/telegram/telegram-adapter.js";
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
  options: { adapter?: Partial<TelegramAdapterOptions>; gateway?: GatewayTestOptions; maxPollMs?: number } = {},
): Promise<TelegramWorld> {
  const telegram = await new FakeTelegram({ maxPollMs: options.maxPollMs ?? 200 }).start();
  const adapter = new TelegramAdapter({
    token: telegram.token,
    apiRoot: telegram.url,
    pollTimeoutSeconds: 1,
    backoff: { baseMs: 20, maxMs: 200 },
    ...options.adapter,
  });
  const harness = await GatewayHarness.start([adapter], options.gateway);
  await waitUntil(() => adapter.status().state !== "starting", 5000);
  return {
    telegram,
    adapter,
    harness,
    close: async () => {
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
