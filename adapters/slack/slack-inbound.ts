import type { webApi } from "@slack/bolt";
import type { DeferredParts, InboundMessage } from "../../src/gateway/channel.js";
import { parseCommand } from "../../src/gateway/commands/command-parser.js";
import type { Logger } from "../../src/logger.js";
import type { BotIdentity, SlackFile, SlackMessage } from "./slack-events.js";
import { plainText } from "./slack-events.js";
import type { SlackFiles } from "./slack-files.js";
import { conversationKeyOf, conversationOf } from "./slack-keys.js";

const BACKFILL_MESSAGES = 50;
const BACKFILL_CHARS = 8000;
/** Look-ups run inside the turn, but a slow Slack must not hold the answer for long. */
const LOOKUP_TIMEOUT_MS = 5000;
/** How many people's names are remembered. */
const MAX_NAMES = 10_000;

export type ReplyInThreads = "all" | "mentions";

/**
 * What a Slack message leaves for the turn that answers it, fetched only after Slack was
 * acknowledged: its files, its sender's name, and (first mention inside a thread) the thread so far.
 */
interface SlackDeferred {
  files?: SlackFile[];
  user?: string;
  thread?: { channel: string; threadTs: string; beforeTs: string };
  /** Where the person is looking (an assistant thread's context), for the model. */
  note?: string;
}

/**
 * Turns a person's Slack message into the core's InboundMessage, without calling Slack: the event
 * is stored and acknowledged first. Threads are sessions: a mention starts one (or joins a thread,
 * bringing its earlier messages along as context); later messages in a thread the bot is in (one
 * with a session, as the store knows) reach it without a mention, unless `replyInThreads` is
 * `mentions`. Files, names and a thread's earlier messages are fetched by {@link complete}, inside
 * the turn.
 */
export class SlackInbound {
  readonly #client: webApi.WebClient;
  readonly #bot: BotIdentity;
  readonly #files: SlackFiles;
  readonly #replyInThreads: ReplyInThreads;
  readonly #logger: Logger;
  readonly #knows: (conversationKey: string) => Promise<boolean>;
  readonly #names = new Map<string, string>();

  constructor(options: {
    client: webApi.WebClient;
    bot: BotIdentity;
    files: SlackFiles;
    replyInThreads: ReplyInThreads;
    logger: Logger;
    /** Whether a conversation has a session (the bot takes part in it), from the store. */
    knows: (conversationKey: string) => Promise<boolean>;
  }) {
    this.#client = options.client;
    this.#bot = options.bot;
    this.#files = options.files;
    this.#replyInThreads = options.replyInThreads;
    this.#logger = options.logger;
    this.#knows = options.knows;
  }

  /** The message for the core, or undefined when it is not for the bot (nothing to store). */
  async toInbound(
    message: SlackMessage,
    eventId: string | undefined,
    noteFor: (conversationKey: string) => string | undefined = () => undefined,
  ): Promise<InboundMessage | undefined> {
    const conversationKey = conversationKeyOf(conversationOf(message));
    let addressed = message.dm || message.mentioned;
    let backfill = false;
    const inThread = message.threadTs !== undefined && message.threadTs !== message.ts;
    if (inThread && !message.dm) {
      if (message.mentioned) backfill = !(await this.#knows(conversationKey));
      else if (this.#replyInThreads === "all" || isCommand(message.text))
        addressed = await this.#knows(conversationKey);
    }
    if (!addressed) return undefined;
    const name = this.#names.get(message.user);
    const note = noteFor(conversationKey);
    const deferred: SlackDeferred = {
      ...(note ? { note } : {}),
      ...(message.files.length > 0 ? { files: message.files } : {}),
      ...(name === undefined ? { user: message.user } : {}),
      ...(backfill
        ? { thread: { channel: message.channel, threadTs: message.threadTs ?? message.ts, beforeTs: message.ts } }
        : {}),
    };
    return {
      channel: "slack",
      conversationKey,
      sender: { id: message.user, ...(name ? { name } : {}) },
      text: message.text,
      addressed: true,
      platformMessageId: message.ts,
      deliveryKeys: [
        ...(eventId ? [`slack:event:${eventId}`] : []),
        `slack:message:${message.team}:${message.channel}:${message.ts}`,
      ],
      chat: { id: message.channel, teamId: message.team, group: !message.dm },
      ...(Object.keys(deferred).length > 0 ? { deferred: JSON.stringify(deferred) } : {}),
    };
  }

  /** Fetches what {@link toInbound} deferred: downloads the files, looks up the name and the thread. */
  async complete(json: string, parts: DeferredParts, signal: AbortSignal): Promise<DeferredParts> {
    const deferred = parseDeferred(json);
    const aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason);
      signal.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
    aborted.catch(() => undefined);
    const [files, senderName, thread] = await Promise.race([
      Promise.all([
        deferred.files ? this.#files.download(deferred.files) : { attachments: [], notices: [] },
        deferred.user ? this.#nameOf(deferred.user) : undefined,
        deferred.thread ? this.#thread(deferred.thread) : undefined,
      ]),
      aborted,
    ]);
    const said = [parts.text, ...files.notices].filter((part) => part !== "").join("\n");
    const text = deferred.note ? `${said}\n\n${deferred.note}` : said;
    const earlier = thread && !thread.joined ? thread.earlier : [];
    return {
      text: earlier.length > 0 ? `${text}\n\nEarlier in this thread, for context:\n${earlier.join("\n")}` : text,
      senderName: senderName ?? parts.senderName,
      attachments: [...parts.attachments, ...files.attachments],
    };
  }

  async #thread(thread: NonNullable<SlackDeferred["thread"]>): Promise<{ joined: boolean; earlier: string[] }> {
    const { channel, threadTs, beforeTs } = thread;
    try {
      const replies = await withTimeout(this.#client.conversations.replies({ channel, ts: threadTs, limit: 200 }));
      const before = (replies.messages ?? []).filter((m) => (m.ts ?? "") < beforeTs);
      const ours = (m: (typeof before)[number]) => m.user === this.#bot.userId || m.bot_id === this.#bot.botId;
      const joined = before.some((m) => ours(m) || (m.text ?? "").includes(`<@${this.#bot.userId}>`));
      const people = before.filter((m) => !ours(m)).slice(-BACKFILL_MESSAGES);
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
    let name = "";
    try {
      const info = await withTimeout(this.#client.users.info({ user }));
      const profile = info.user?.profile;
      name = profile?.display_name || profile?.real_name || info.user?.real_name || info.user?.name || "";
    } catch (error) {
      // Remembered as unknown, so a failing lookup does not delay every message of this person.
      this.#logger.debug({ err: error, user }, "could not look up a Slack user's name");
    }
    this.#names.set(user, name);
    if (this.#names.size > MAX_NAMES) this.#names.delete(this.#names.keys().next().value ?? "");
    return name || undefined;
  }
}

/** `!stop`, `!new`, …: commands reach a thread the bot is in even when only mentions do. */
function isCommand(text: string): boolean {
  return parseCommand(text, "!") !== undefined;
}

/** Our own JSON from the database; anything unreadable defers nothing. */
function parseDeferred(json: string): SlackDeferred {
  try {
    const value = JSON.parse(json) as unknown;
    return typeof value === "object" && value !== null ? (value as SlackDeferred) : {};
  } catch {
    return {};
  }
}

function withTimeout<T>(promise: Promise<T>): Promise<T> {
  return Promise.race([
    promise,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error("timed out")), LOOKUP_TIMEOUT_MS).unref()),
  ]);
}
