import type { webApi } from "@slack/bolt";
import type { InboundMessage } from "../../src/gateway/channel.js";
import { parseCommand } from "../../src/gateway/commands/command-parser.js";
import type { Logger } from "../../src/logger.js";
import type { BotIdentity, SlackMessage } from "./slack-events.js";
import { plainText } from "./slack-events.js";
import type { SlackFiles } from "./slack-files.js";
import { conversationKeyOf, conversationOf } from "./slack-keys.js";

/** How many threads' "has the bot joined?" answers are remembered. */
const MAX_REMEMBERED = 10_000;
const BACKFILL_MESSAGES = 50;
const BACKFILL_CHARS = 8000;
/** Lookups happen before Slack is acknowledged (3 s): they must not take long. */
const LOOKUP_TIMEOUT_MS = 1500;

export type ReplyInThreads = "all" | "mentions";

/**
 * Turns a person's Slack message into the core's InboundMessage. Threads are sessions: a mention
 * starts one (or joins a thread, bringing its earlier messages along as context); later messages in
 * a thread the bot joined reach it without a mention, unless `replyInThreads` is `mentions`. Whether
 * the bot is in a thread is remembered, and after a restart read back from the thread itself.
 */
export class SlackInbound {
  readonly #client: webApi.WebClient;
  readonly #bot: BotIdentity;
  readonly #files: SlackFiles;
  readonly #replyInThreads: ReplyInThreads;
  readonly #logger: Logger;
  readonly #joined = new Map<string, boolean>();
  readonly #names = new Map<string, string>();

  constructor(options: {
    client: webApi.WebClient;
    bot: BotIdentity;
    files: SlackFiles;
    replyInThreads: ReplyInThreads;
    logger: Logger;
  }) {
    this.#client = options.client;
    this.#bot = options.bot;
    this.#files = options.files;
    this.#replyInThreads = options.replyInThreads;
    this.#logger = options.logger;
  }

  /** The message for the core, or undefined when it is not for the bot (nothing to store). */
  async toInbound(message: SlackMessage, eventId: string | undefined): Promise<InboundMessage | undefined> {
    const threadTs = message.threadTs ?? message.ts;
    const inThread = message.threadTs !== undefined && message.threadTs !== message.ts;
    const conversationKey = conversationKeyOf(conversationOf(message));
    let addressed = message.dm || message.mentioned;
    let earlier: string[] = [];
    if (inThread && !message.dm) {
      const known = this.#joined.get(conversationKey);
      if (message.mentioned && known !== true) {
        const thread = await this.#thread(message.channel, threadTs, message.ts);
        if (!thread.joined) earlier = thread.earlier;
      } else if (!message.mentioned && (this.#replyInThreads === "all" || isCommand(message.text))) {
        addressed = known ?? (await this.#thread(message.channel, threadTs, message.ts)).joined;
        this.#remember(conversationKey, addressed);
      }
    }
    if (!addressed) return undefined;
    const { attachments, notices } = await this.#files.download(message.files);
    const name = await this.#nameOf(message.user);
    const text = [message.text, ...notices].filter((part) => part !== "").join("\n");
    return {
      channel: "slack",
      conversationKey,
      sender: { id: message.user, ...(name ? { name } : {}) },
      text: earlier.length > 0 ? `${text}\n\nEarlier in this thread, for context:\n${earlier.join("\n")}` : text,
      ...(attachments.length > 0 ? { attachments } : {}),
      addressed: true,
      platformMessageId: message.ts,
      deliveryKeys: [
        ...(eventId ? [`slack:event:${eventId}`] : []),
        `slack:message:${message.team}:${message.channel}:${message.ts}`,
      ],
      chat: { id: message.channel, teamId: message.team, group: !message.dm },
    };
  }

  /** The bot is in this conversation now (its message was stored): later thread messages reach it. */
  joined(conversationKey: string): void {
    this.#remember(conversationKey, true);
  }

  async #thread(channel: string, threadTs: string, beforeTs: string): Promise<{ joined: boolean; earlier: string[] }> {
    try {
      const replies = await withTimeout(this.#client.conversations.replies({ channel, ts: threadTs, limit: 200 }));
      const before = (replies.messages ?? []).filter((m) => (m.ts ?? "") < beforeTs);
      const ours = (m: (typeof before)[number]) => m.user === this.#bot.userId || m.bot_id === this.#bot.botId;
      const joined = before.some((m) => ours(m) || (m.text ?? "").includes(`<@${this.#bot.userId}>`));
      const people = before.filter((m) => !ours(m)).slice(-BACKFILL_MESSAGES);
      // Names are looked up together: this runs before Slack is acknowledged.
      const users = [...new Set(people.flatMap((m) => (m.user ? [m.user] : [])))];
      const names = new Map(await Promise.all(users.map(async (user) => [user, await this.#nameOf(user)] as const)));
      const earlier: string[] = [];
      let chars = 0;
      for (const m of people.reverse()) {
        const who = m.user ? (names.get(m.user) ?? m.user) : (m.bot_profile?.name ?? "an app");
        const line = `${who}: ${plainText(m.text ?? "")}`;
        chars += line.length;
        if (chars > BACKFILL_CHARS) break;
        earlier.unshift(line);
      }
      return { joined, earlier };
    } catch (error) {
      this.#logger.warn({ err: error, channel }, "could not read the Slack thread");
      return { joined: false, earlier: [] };
    }
  }

  async #nameOf(user: string): Promise<string | undefined> {
    const cached = this.#names.get(user);
    if (cached !== undefined) return cached || undefined;
    try {
      const info = await withTimeout(this.#client.users.info({ user }));
      const profile = info.user?.profile;
      const name = profile?.display_name || profile?.real_name || info.user?.real_name || info.user?.name || "";
      this.#names.set(user, name);
      return name || undefined;
    } catch (error) {
      // Remembered as unknown, so a failing lookup does not delay every message of this person.
      this.#names.set(user, "");
      this.#logger.debug({ err: error, user }, "could not look up a Slack user's name");
      return undefined;
    }
  }

  #remember(conversationKey: string, joined: boolean): void {
    this.#joined.delete(conversationKey);
    this.#joined.set(conversationKey, joined);
    if (this.#joined.size > MAX_REMEMBERED) {
      const oldest = this.#joined.keys().next().value;
      if (oldest !== undefined) this.#joined.delete(oldest);
    }
  }
}

/** `!stop`, `!new`, …: commands reach a thread the bot is in even when only mentions do. */
function isCommand(text: string): boolean {
  return parseCommand(text, "!") !== undefined;
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error("timed out")), LOOKUP_TIMEOUT_MS).unref()),
  ]);
}
