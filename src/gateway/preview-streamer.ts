import type { Clock } from "../ids.js";
import type { Logger } from "../logger.js";
import { type ChannelAdapter, ChannelError } from "./channel.js";
import { ChatPacer } from "./chat-pacer.js";
import { graphemePrefix, holdLastGrapheme } from "./graphemes.js";

/**
 * Shows a turn's answer while it streams: one message, edited no more often
 * than the channel allows. Best effort: a failed edit is skipped, because the
 * final answer always goes out through the outbox. A rate limit is not: it
 * holds the conversation's pace, which the outbox shares, so neither calls the
 * chat again before `retry_after` has passed.
 */
export class PreviewStreamer {
  readonly #adapter: ChannelAdapter;
  readonly #conversationKey: string;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #onPreview: (messageId: string, text: string) => Promise<void>;
  readonly #replyTo: string | undefined;
  readonly #pacer: ChatPacer;
  #messageId: string | undefined;
  #text = "";
  #shown = "";
  #lastAt = 0;
  #pending: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: {
    adapter: ChannelAdapter;
    conversationKey: string;
    clock: Clock;
    logger: Logger;
    /** Records the preview, so a restart can mark it interrupted. */
    onPreview: (messageId: string, text: string) => Promise<void>;
    /** The message the answer replies to (in groups, what shows whose question it answers). */
    replyToMessageId?: string | undefined;
    /** The conversation's pace, shared with the outbox; one of its own when not given. */
    pacer?: ChatPacer;
  }) {
    this.#pacer = options.pacer ?? new ChatPacer(options.clock);
    this.#replyTo = options.replyToMessageId;
    this.#adapter = options.adapter;
    this.#conversationKey = options.conversationKey;
    this.#clock = options.clock;
    this.#logger = options.logger;
    this.#onPreview = options.onPreview;
  }

  get #interval(): number {
    return this.#adapter.editIntervalFor?.(this.#conversationKey) ?? this.#adapter.limits.editIntervalMs;
  }

  /** The preview message, which the final answer replaces. */
  get messageId(): string | undefined {
    return this.#messageId;
  }

  push(delta: string): void {
    if (this.#closed) return;
    this.#text += delta;
    this.#schedule();
  }

  /** How long until the next update may go out: the edit interval and the chat's shared pace. */
  #wait(): number {
    return Math.max(0, this.#lastAt + this.#interval - this.#clock(), this.#pacer.waitFor(this.#conversationKey));
  }

  #schedule(): void {
    if (this.#timer || this.#closed) return;
    const wait = this.#wait();
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pending = this.#pending.then(() => this.#show());
    }, wait);
  }

  /**
   * Stops updating and waits for an update under way, then for the edit
   * interval, so the final answer's edit of the preview keeps the channel's pace.
   */
  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#pending;
    const wait = this.#lastAt + this.#interval - this.#clock();
    if (this.#messageId !== undefined && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }

  async #show(): Promise<void> {
    if (this.#closed) return;
    // The shared pace, also of other gateways on the database (a 429 one of them saw, a message one sent).
    const shared = await this.#pacer.refresh(this.#conversationKey).catch(() => 0);
    if (Math.max(shared, this.#wait()) > 0) {
      // Scheduled while the previous update was still under way (a slow call), held by a rate limit, or
      // a message the outbox just sent: try again when the chat may be called.
      this.#schedule();
      return;
    }
    const max = this.#adapter.limits.maxMessageLength - 2;
    // Whole clusters only: the model may have sent half a flag so far.
    const shown = holdLastGrapheme(this.#text).ready;
    const text = shown.length > max ? `${graphemePrefix(shown, max)}…` : `${shown} …`;
    if (text === this.#shown || shown.trim() === "") return;
    try {
      if (this.#messageId === undefined) {
        const reply = this.#replyTo ? { replyToMessageId: this.#replyTo } : {};
        this.#messageId = (
          await this.#adapter.send({ conversationKey: this.#conversationKey, text, ...reply })
        ).messageId;
      } else {
        await this.#adapter.edit(this.#conversationKey, this.#messageId, text);
      }
      this.#shown = text;
      await this.#onPreview(this.#messageId, text);
    } catch (error) {
      if (error instanceof ChannelError && error.code === "RATE_LIMITED") {
        const wait = error.retryAfterMs ?? 1000;
        this.#logger.warn({ conversation: this.#conversationKey, retryAfterMs: wait }, "preview rate limited; holding");
        await this.#pacer.hold(this.#conversationKey, wait).catch(() => undefined);
      } else this.#logger.debug({ err: error }, "preview update skipped");
    } finally {
      // Timed from when the call returned: the platform saw it before then, so the next call reaches
      // it at least an interval later however long this one took.
      this.#lastAt = this.#clock();
    }
  }
}
