import { TelegramAdapter } from "../../adapters/telegram/telegram-adapter.js";
import type {
  ChannelAdapter,
  ChannelHost,
  ChannelStatus,
  InboundMessage,
  OutboundMessage,
} from "../../src/gateway/channel.js";
import { HttpServer } from "../../src/http/http-server.js";
import { createLogger } from "../../src/logger.js";
import { waitUntil } from "../fakes/fake-channel.js";
import { FakeTelegram, postWebhookUpdate, type TelegramFailure, telegramErrors } from "../fakes/fake-telegram.js";
import { type ChannelHarness, describeChannelContract, type PlatformFailure } from "./channel-contract.js";

const failures: Record<PlatformFailure, TelegramFailure> = {
  rate: telegramErrors.retryAfter(2),
  transient: telegramErrors.serverError(),
  permanent: telegramErrors.blocked(),
};

/**
 * The contract names conversations and people (`c1`, `u42`); Telegram numbers them. This keeps a
 * two-way table between the names and private chat / user ids and renames keys at the edges; every
 * call goes to the real TelegramAdapter unchanged otherwise.
 */
class NameTable {
  readonly #ids = new Map<string, number>();
  readonly #names = new Map<number, string>();

  id(name: string): number {
    let id = this.#ids.get(name);
    if (id === undefined) {
      id = 6_000_000_000 + this.#ids.size;
      this.#ids.set(name, id);
      this.#names.set(id, name);
    }
    return id;
  }

  name(id: number | string): string {
    return this.#names.get(Number(id)) ?? String(id);
  }

  /** `telegram:c2` → `telegram:6000000001`. */
  toTelegram(key: string): string {
    return `telegram:${this.id(key.slice("telegram:".length))}`;
  }

  fromTelegram(message: InboundMessage): InboundMessage {
    const chat = message.conversationKey.slice("telegram:".length);
    return {
      ...message,
      conversationKey: `telegram:${this.name(chat)}`,
      sender: { ...message.sender, id: this.name(message.sender.id) },
    };
  }
}

class NamedChats implements ChannelAdapter {
  readonly name: string;
  readonly limits: ChannelAdapter["limits"];

  constructor(
    readonly inner: TelegramAdapter,
    readonly table: NameTable,
  ) {
    this.name = inner.name;
    this.limits = inner.limits;
  }
  start(host: ChannelHost): Promise<void> {
    return this.inner.start({ ...host, accept: (message) => host.accept(this.table.fromTelegram(message)) });
  }
  stop(): Promise<void> {
    return this.inner.stop();
  }
  status(): ChannelStatus {
    return this.inner.status();
  }
  send(message: OutboundMessage): Promise<{ messageId: string }> {
    return this.inner.send({ ...message, conversationKey: this.table.toTelegram(message.conversationKey) });
  }
  edit(conversationKey: string, messageId: string, text: string): Promise<void> {
    return this.inner.edit(this.table.toTelegram(conversationKey), messageId, text);
  }
  delete(conversationKey: string, messageId: string): Promise<void> {
    return this.inner.delete(this.table.toTelegram(conversationKey), messageId);
  }
}

describeChannelContract("TelegramAdapter (webhook, fake Bot API)", async (): Promise<ChannelHarness> => {
  const telegram = await new FakeTelegram().start();
  const http = new HttpServer(createLogger("silent"));
  const { port } = await http.listen("127.0.0.1", 0);
  http.ready();
  const secret = "contract-secret";
  const table = new NameTable();
  const inner = new TelegramAdapter({
    token: telegram.token,
    apiRoot: telegram.url,
    webhookUrl: "https://bot.example.com/telegram/webhook",
    webhookSecret: secret,
    backoff: { baseMs: 20, maxMs: 200 },
  });
  const adapter = new NamedChats(inner, table);
  const bot = telegram.bot.id;
  return {
    adapter,
    start: async (host) => {
      await adapter.start({
        ...host,
        route: (method, path, handler, options) => http.route(method, path, handler, options),
      });
      await waitUntil(() => inner.status().state !== "starting");
    },
    deliverFromPlatform: async (conv, sender, text, id) => {
      const chatId = table.id(conv);
      const from = { id: table.id(sender), is_bot: false, first_name: sender };
      const message = {
        message_id: Number(id),
        date: Math.floor(Date.now() / 1000),
        chat: { id: chatId, type: "private" as const, first_name: sender },
        from,
        text,
      };
      // A redelivery is Telegram sending the same update again: the same update_id.
      const update = { update_id: chatId - 6_000_000_000 + Number(id) * 100, message };
      const answer = await postWebhookUpdate(`http://127.0.0.1:${port}/telegram/webhook`, update, secret);
      if (answer.status !== 200) throw new Error(`webhook answered ${answer.status}: ${answer.body}`);
    },
    platformSent: () =>
      [...telegram.messages.values()]
        .filter((message) => message.from?.id === bot)
        .map((message) => ({
          conversation: table.name(message.chat.id),
          text: message.text ?? "",
          messageId: `${message.chat.id}:${message.message_id}`,
        })),
    platformText: (messageId) => telegram.messages.get(messageId)?.text,
    failNextPlatformCall: (kind) => telegram.failNext("sendMessage", failures[kind]),
    close: async () => {
      await adapter.stop();
      await http.close();
      await telegram.stop();
    },
  };
});
