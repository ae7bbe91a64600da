import type { Api } from "grammy";
import type { ChannelStream } from "../../src/gateway/channel.js";
import { graphemeSuffix, holdLastGrapheme } from "../../src/gateway/graphemes.js";
import type { Logger } from "../../src/logger.js";
import { cannotParseEntities, chatUnreachable, retryAfterMs } from "./telegram-errors.js";
import { renderTelegramHtml, splitTelegramHtml, toPlainText } from "./telegram-format.js";
import type { TelegramTarget } from "./telegram-keys.js";
import { MAX_MESSAGE_LENGTH } from "./telegram-sender.js";

export interface DraftStreamOptions {
  api: Api;
  target: TelegramTarget;
  logger: Logger;
  /** The least time between two draft updates. */
  intervalMs: number;
  /** Telegram refused drafts for this bot: the adapter stops offering them. */
  onRefused: () => void;
  /** The user blocked the bot meanwhile (my_chat_member kicked, or a 403 elsewhere): show nothing more. */
  blocked: () => boolean;
}

/**
 * Streams an answer into a private chat with `sendMessageDraft`. Drafts are ephemeral previews, so
 * `finish` returns nothing and the final answer goes out as a normal message through the outbox.
 * Best effort: a 429 pauses updates for its retry_after; a refusal ends the stream for this turn.
 */
export class TelegramDraftStream implements ChannelStream {
  readonly ephemeral = true;
  readonly #options: DraftStreamOptions;
  /** Non-zero and the same for every update, so Telegram animates the changes. */
  readonly #draftId = 1 + Math.floor(Math.random() * 2_000_000_000);
  #text = "";
  #shown = "";
  #lastAt = 0;
  #pausedUntil = 0;
  #timer: NodeJS.Timeout | undefined;
  #busy = false;
  #pending: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(options: DraftStreamOptions) {
    this.#options = options;
  }

  append(delta: string): void {
    if (this.#closed) return;
    this.#text += delta;
    this.#schedule();
  }

  async finish(): Promise<string | undefined> {
    this.#closed = true;
    clearTimeout(this.#timer);
    await this.#pending;
    return undefined;
  }

  #schedule(): void {
    // While a draft call is out, its end schedules the next one (paced from Telegram's answer).
    if (this.#timer || this.#closed || this.#busy) return;
    const now = Date.now();
    const wait = Math.max(0, this.#lastAt + this.#options.intervalMs - now, this.#pausedUntil - now);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#busy = true;
      this.#pending = this.#show().finally(() => {
        this.#busy = false;
        if (this.#text !== this.#shown) this.#schedule();
      });
    }, wait);
  }

  async #show(): Promise<void> {
    if (this.#closed || this.#text.trim() === "" || this.#text === this.#shown) return;
    if (this.#options.blocked()) {
      this.#closed = true;
      return;
    }
    // A cluster the model has not finished (half a flag) waits for the next update, unless this is all.
    const text = this.#closed ? this.#text : holdLastGrapheme(this.#text).ready || this.#text;
    const { api, target } = this.#options;
    const thread = target.threadId === undefined ? {} : { message_thread_id: target.threadId };
    // The newest part of a long answer is what the reader follows.
    const html = splitTelegramHtml(renderTelegramHtml(text), MAX_MESSAGE_LENGTH).at(-1) ?? "";
    try {
      try {
        await api.sendMessageDraft(target.chatId, this.#draftId, html, { ...thread, parse_mode: "HTML" });
      } catch (error) {
        if (!cannotParseEntities(error)) throw error;
        await api.sendMessageDraft(
          target.chatId,
          this.#draftId,
          graphemeSuffix(toPlainText(text), MAX_MESSAGE_LENGTH),
          thread,
        );
      }
      this.#shown = text;
    } catch (error) {
      this.#failed(error);
    }
    this.#lastAt = Date.now();
  }

  #failed(error: unknown): void {
    const wait = retryAfterMs(error);
    if (wait !== undefined) {
      this.#pausedUntil = Date.now() + wait;
      return;
    }
    if (chatUnreachable(error)) {
      // This chat is gone (blocked, removed): not a sign that drafts are unsupported for every chat.
      this.#closed = true;
      return;
    }
    const status = (error as { error_code?: number }).error_code;
    if (status !== undefined && status >= 400 && status < 500) {
      this.#options.logger.info({ err: error }, "Telegram refused message drafts; streaming by editing a message");
      this.#closed = true;
      this.#options.onRefused();
      return;
    }
    this.#options.logger.debug({ err: error }, "draft update skipped");
  }
}
