import type { webApi } from "@slack/bolt";
import type { ChannelError, OutboundMessage } from "../../src/gateway/channel.js";
import type { Logger } from "../../src/logger.js";
import { isAmbiguous, platformErrorOf, toChannelError } from "./slack-errors.js";
import { toMrkdwnMessages } from "./slack-format.js";
import { type SlackTarget, targetOf } from "./slack-keys.js";

/** The `metadata.event_type` our posts carry, with the outbox row id, so a restart can find them. */
export const OUTBOX_EVENT = "gateway_outbox";
const STATUS_EVERY_MS = 30_000;
const FIND_PAGES = 10;

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
    if (outboxId !== undefined && this.#ambiguous.has(outboxId)) {
      const found = await this.findSent(message.conversationKey, outboxId);
      this.#ambiguous.delete(outboxId);
      const last = found?.at(-1);
      if (last) {
        this.#logger.info({ outbox: outboxId }, "the post that failed had arrived; not posting it again");
        return { messageId: last };
      }
    }
    const ids: string[] = [];
    for (const [piece, text] of toMrkdwnMessages(message.text).entries()) {
      try {
        const posted = await this.#client.chat.postMessage({
          channel: target.channel,
          ...(target.threadTs ? { thread_ts: target.threadTs } : {}),
          text,
          mrkdwn: true,
          unfurl_links: false,
          unfurl_media: false,
          ...(outboxId !== undefined
            ? { metadata: { event_type: OUTBOX_EVENT, event_payload: { outbox_id: outboxId, piece } } }
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
      this.#client.chat.update({ channel: target.channel, ts: messageId, text: first }),
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
    const target = targetOf(conversationKey);
    const found: string[] = [];
    for (const message of await this.#recent(target)) {
      const meta = message.metadata;
      const payload = (meta?.event_payload ?? {}) as { outbox_id?: unknown; piece?: unknown };
      const ours = meta?.event_type === OUTBOX_EVENT && Number(payload.outbox_id) === outboxId;
      if (ours && Number(payload.piece ?? 0) === 0 && message.ts) found.push(message.ts);
    }
    return found.sort();
  }

  /** The thread's "is thinking…" status; Slack clears it after 2 minutes or on our reply. */
  async typing(conversationKey: string): Promise<void> {
    const target = targetOf(conversationKey);
    if (!target.threadTs) return;
    const last = this.#statusAt.get(conversationKey) ?? 0;
    if (Date.now() - last < STATUS_EVERY_MS) return;
    this.#statusAt.set(conversationKey, Date.now());
    if (this.#statusAt.size > 1000) this.#statusAt.delete(this.#statusAt.keys().next().value ?? "");
    await this.#call("assistant.threads.setStatus", () =>
      this.#client.assistant.threads.setStatus({
        channel_id: target.channel,
        thread_ts: target.threadTs ?? "",
        status: "is thinking…",
      }),
    );
  }

  async #recent(target: SlackTarget): Promise<HistoryMessage[]> {
    const messages: HistoryMessage[] = [];
    let cursor: string | undefined;
    for (let page = 0; page < FIND_PAGES; page++) {
      const result = await this.#call("conversations.replies", () =>
        target.threadTs
          ? this.#client.conversations.replies({
              channel: target.channel,
              ts: target.threadTs,
              include_all_metadata: true,
              limit: 200,
              ...(cursor ? { cursor } : {}),
            })
          : this.#client.conversations.history({
              channel: target.channel,
              include_all_metadata: true,
              limit: 200,
              ...(cursor ? { cursor } : {}),
            }),
      );
      messages.push(...((result.messages ?? []) as HistoryMessage[]));
      cursor = result.response_metadata?.next_cursor || undefined;
      if (!cursor || !target.threadTs) break;
    }
    return messages.filter((message) => message.bot_id === this.#botId);
  }

  async #call<T>(method: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      throw toChannelError(error, method) satisfies ChannelError;
    }
  }
}
