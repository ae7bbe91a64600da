import { createHash } from "node:crypto";
import type { webApi } from "@slack/bolt";
import type { ChannelError, OutboundMessage } from "../../src/gateway/channel.js";
import type { Logger } from "../../src/logger.js";
import { buttonBlocks } from "./slack-buttons.js";
import { isAmbiguous, platformErrorOf, toChannelError } from "./slack-errors.js";
import { toMrkdwnMessages } from "./slack-format.js";
import { type SlackTarget, targetOf } from "./slack-keys.js";

/** The `metadata.event_type` our posts carry, with the outbox row id, so a restart can find them. */
export const OUTBOX_EVENT = "gateway_outbox";
const STATUS_EVERY_MS = 30_000;
const FIND_PAGES = 10;

/** Tells the parts of one outbox row apart. */
function digestOf(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

type HistoryMessage = { ts?: string; bot_id?: string; metadata?: { event_type?: string; event_payload?: unknown } };

/**
 * The outgoing side: mrkdwn posts into the conversation's thread, at most 4,000 characters each and
 * tagged with their outbox row; edits, deletes, the thread status, and finding what a crashed
 * process already posted. After an ambiguous failure (5xx, dropped connection) the next attempt of
 * that row looks first, so a post that did arrive is not posted twice.
 */
export class SlackSender {
  readonly #client: webApi.WebClient;
  readonly #logger: Logger;
  readonly #ambiguous = new Set<number>();
  readonly #statusAt = new Map<string, number>();
  readonly #botId: string;

  constructor(client: webApi.WebClient, logger: Logger, botId: string) {
    this.#client = client;
    this.#logger = logger;
    this.#botId = botId;
  }

  async send(message: OutboundMessage): Promise<{ messageId: string }> {
    const target = targetOf(message.conversationKey);
    const { outboxId } = message;
    const digest = digestOf(message.text);
    if (outboxId !== undefined && this.#ambiguous.has(outboxId)) {
      this.#ambiguous.delete(outboxId);
      // The same part sent again: found by its row and its text, so another part of the row is no match.
      const arrived = (await this.#posted(target, outboxId)).find((post) => post.piece === 0 && post.digest === digest);
      if (arrived) {
        this.#logger.info({ outbox: outboxId }, "the post that failed had arrived; not posting it again");
        return { messageId: arrived.ts };
      }
    }
    const ids: string[] = [];
    const pieces = toMrkdwnMessages(message.text);
    for (const [piece, text] of pieces.entries()) {
      // Buttons sit under the last part, as Block Kit (the text stays the notification's fallback).
      const blocks = piece === pieces.length - 1 ? buttonBlocks(text, message.buttons ?? []) : undefined;
      if (piece === pieces.length - 1 && message.buttons?.length && !blocks) {
        this.#logger.warn({ outbox: outboxId }, "a reply too long for a section went without its buttons");
      }
      try {
        const posted = await this.#client.chat.postMessage({
          channel: target.channel,
          ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
          text,
          ...(blocks ? { blocks } : {}),
          mrkdwn: true,
          unfurl_links: false,
          unfurl_media: false,
          ...(outboxId !== undefined
            ? { metadata: { event_type: OUTBOX_EVENT, event_payload: { outbox_id: outboxId, piece, digest } } }
            : {}),
        });
        ids.push(String(posted.ts));
      } catch (error) {
        const failure = toChannelError(error, "chat.postMessage");
        if (ids.length === 0 && outboxId !== undefined && isAmbiguous(failure)) this.#ambiguous.add(outboxId);
        throw failure;
      }
    }
    return { messageId: ids[0] ?? "" };
  }

  async edit(conversationKey: string, messageId: string, text: string): Promise<void> {
    const target = targetOf(conversationKey);
    const [first = " ", ...rest] = toMrkdwnMessages(text);
    if (rest.length > 0) this.#logger.warn({ messageId }, "an edit longer than one Slack message was cut");
    await this.#call("chat.update", () =>
      // An edit replaces the whole message: buttons it had (an approval request's) go with `blocks: []`.
      this.#client.chat.update({ channel: target.channel, ts: messageId, text: first, blocks: [] }),
    );
  }

  async delete(conversationKey: string, messageId: string): Promise<void> {
    const target = targetOf(conversationKey);
    try {
      await this.#client.chat.delete({ channel: target.channel, ts: messageId });
    } catch (error) {
      // Already gone is what we wanted.
      if (platformErrorOf(error) !== "message_not_found") throw toChannelError(error, "chat.delete");
    }
  }

  /** The first message of each part an outbox row posted (from its metadata), oldest first. */
  async findSent(conversationKey: string, outboxId: number): Promise<string[] | undefined> {
    const posts = await this.#posted(targetOf(conversationKey), outboxId);
    return posts.filter((post) => post.piece === 0).map((post) => post.ts);
  }

  /**
   * The thread's "is answering as <Expert>…" status, set when a turn starts and renewed every 30 s
   * while it runs (Slack clears it after 2 minutes, or on our reply).
   */
  async typing(conversationKey: string, expert: string): Promise<void> {
    const target = targetOf(conversationKey);
    if (!target.threadTs) return;
    const last = this.#statusAt.get(conversationKey);
    if (last !== undefined && Date.now() - last < STATUS_EVERY_MS) return;
    this.#statusAt.set(conversationKey, Date.now());
    if (this.#statusAt.size > 1000) this.#statusAt.delete(this.#statusAt.keys().next().value ?? "");
    await this.#call("assistant.threads.setStatus", () =>
      this.#client.assistant.threads.setStatus({
        channel_id: target.channel,
        thread_ts: target.threadTs ?? "",
        // Slack shows it after the app's name ("Gateway is answering as analyst…"): the thread shows who answers.
        status: `is answering as ${expert}…`,
      }),
    );
  }

  /** The turn ended: its status is cleared, and the next turn sets it again at once. */
  async idle(conversationKey: string): Promise<void> {
    if (!this.#statusAt.delete(conversationKey)) return;
    const target = targetOf(conversationKey);
    await this.#call("assistant.threads.setStatus", () =>
      this.#client.assistant.threads.setStatus({
        channel_id: target.channel,
        thread_ts: target.threadTs ?? "",
        status: "",
      }),
    );
  }

  /** Our messages that carry this outbox row in their metadata, oldest first. */
  async #posted(target: SlackTarget, outboxId: number): Promise<{ ts: string; piece: number; digest: unknown }[]> {
    const posts: { ts: string; piece: number; digest: unknown }[] = [];
    for (const message of await this.#recent(target)) {
      const meta = message.metadata;
      const payload = (meta?.event_payload ?? {}) as { outbox_id?: unknown; piece?: unknown; digest?: unknown };
      if (meta?.event_type !== OUTBOX_EVENT || Number(payload.outbox_id) !== outboxId || !message.ts) continue;
      posts.push({ ts: message.ts, piece: Number(payload.piece ?? 0), digest: payload.digest });
    }
    return posts.sort((a, b) => a.ts.localeCompare(b.ts));
  }

  async #recent(target: SlackTarget): Promise<HistoryMessage[]> {
    const messages: HistoryMessage[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < FIND_PAGES; page++) {
      const found = await this.#page(target, cursor);
      messages.push(...found.messages);
      cursor = found.next;
      if (!cursor || !target.threadTs) break;
    }
    return messages.filter((message) => message.bot_id === this.#botId);
  }

  /** One page of the thread (or of the channel's latest messages), with their metadata. */
  async #page(target: SlackTarget, cursor: string | undefined) {
    const query = { channel: target.channel, include_all_metadata: true, limit: 200, ...(cursor ? { cursor } : {}) };
    try {
      const result = target.threadTs
        ? await this.#client.conversations.replies({ ...query, ts: target.threadTs })
        : await this.#client.conversations.history(query);
      return {
        messages: (result.messages ?? []) as HistoryMessage[],
        next: result.response_metadata?.next_cursor || undefined,
      };
    } catch (error) {
      // No thread (its first message is gone): nothing of ours is in it either.
      if (platformErrorOf(error) === "thread_not_found") return { messages: [], next: undefined };
      throw toChannelError(error, target.threadTs ? "conversations.replies" : "conversations.history");
    }
  }

  async #call<T>(method: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toChannelError(error, method) satisfies ChannelError;
    }
  }
}
