import { type Api, InputFile } from "grammy";
import {
  ChannelError,
  type CommandButton,
  type OutboundFile,
  type OutboundMessage,
} from "../../src/gateway/channel.js";
import type { Logger } from "../../src/logger.js";
import { cannotParseEntities, chatUnreachable, migratedTo, notModified, toChannelError } from "./telegram-errors.js";
import { renderTelegramHtml, splitTelegramHtml, toPlainText } from "./telegram-format.js";
import { conversationKeyOf, messageIdOf, messageRef, type TelegramTarget, targetOf } from "./telegram-keys.js";
import { CALLBACK_PREFIX } from "./telegram-updates.js";

export const MAX_MESSAGE_LENGTH = 4096;

/**
 * The outgoing side: renders model Markdown as Telegram HTML, falls back to plain text when Telegram
 * cannot parse it, follows a group's upgrade to a supergroup, and stops calling chats that blocked us.
 */
export class TelegramSender {
  readonly #api: Api;
  readonly #logger: Logger;
  readonly #onMoved: (from: string, to: string) => void;
  /** Chats that blocked or removed us; calls to them fail at once, until they write again. */
  readonly #blocked = new Set<number>();
  /** Groups upgraded to supergroups: old chat id → new one. */
  readonly #migrated = new Map<number, number>();

  /** `onMoved` hears of a group's upgrade found by a failed call, so the core moves its conversation. */
  constructor(api: Api, logger: Logger, onMoved: (from: string, to: string) => void) {
    this.#api = api;
    this.#logger = logger;
    this.#onMoved = onMoved;
  }

  /** A group's upgrade seen in an update: calls for the old chat go to the new one. */
  moved(fromKey: string, toKey: string): void {
    this.#migrated.set(targetOf(fromKey).chatId, targetOf(toKey).chatId);
  }

  block(chatId: number): void {
    this.#blocked.add(chatId);
  }

  unblock(chatId: number): void {
    this.#blocked.delete(chatId);
  }

  /** The chat blocked or removed us (after a group's upgrade, its new id counts). */
  isBlocked(chatId: number): boolean {
    return this.#blocked.has(this.#migrated.get(chatId) ?? chatId);
  }

  async send(message: OutboundMessage): Promise<{ messageId: string }> {
    let target = this.#target(message.conversationKey);
    const html = renderTelegramHtml(message.text);
    const parts = splitTelegramHtml(html, MAX_MESSAGE_LENGTH);
    const plain = parts.length === 1 ? toPlainText(message.text) : undefined;
    const ids: number[] = [];
    const all = parts.length > 0 ? parts : [html];
    for (const [index, part] of all.entries()) {
      const reply =
        index === 0 && message.replyToMessageId !== undefined
          ? {
              reply_parameters: {
                message_id: messageIdOf(message.replyToMessageId),
                allow_sending_without_reply: true,
              },
            }
          : {};
      const markup = index === all.length - 1 ? keyboardOf(message.buttons) : {};
      const other = { ...threadOf(target), ...reply, ...markup };
      const sent = await this.#call("sendMessage", target, async (chatId) => {
        try {
          return await this.#api.sendMessage(chatId, part, { ...other, parse_mode: "HTML" });
        } catch (error) {
          if (!cannotParseEntities(error)) throw error;
          this.#logger.warn({ err: error }, "Telegram could not parse our HTML; sending plain text");
          return this.#api.sendMessage(chatId, fitPlain(plain, part), other);
        }
      });
      ids.push(sent.message_id);
      target = { ...target, chatId: sent.chat.id };
    }
    return { messageId: messageRef(target.chatId, ids[0] ?? 0) };
  }

  /**
   * Uploads a file: a photo (shown inline) for PNG, JPEG and WebP up to Telegram's 10 MB photo limit,
   * a document otherwise. The caption is plain text, cut to Telegram's 1,024 characters.
   */
  async sendFile(file: OutboundFile): Promise<{ messageId: string }> {
    const target = this.#target(file.conversationKey);
    const photo = /^image\/(png|jpeg|webp)$/.test(file.mimeType) && file.bytes.length <= MAX_PHOTO_BYTES;
    const caption = file.caption
      ? { caption: file.caption.length > 1024 ? `${file.caption.slice(0, 1023)}…` : file.caption }
      : {};
    const reply =
      file.replyToMessageId !== undefined
        ? { reply_parameters: { message_id: messageIdOf(file.replyToMessageId), allow_sending_without_reply: true } }
        : {};
    const other = { ...threadOf(target), ...caption, ...reply };
    const sent = await this.#call<{ message_id: number; chat: { id: number } }>(
      photo ? "sendPhoto" : "sendDocument",
      target,
      (chatId) => {
        const upload = new InputFile(file.bytes, file.name);
        return photo ? this.#api.sendPhoto(chatId, upload, other) : this.#api.sendDocument(chatId, upload, other);
      },
    );
    return { messageId: messageRef(sent.chat.id, sent.message_id) };
  }

  /** Replaces a message's text (the first message's worth, if rendering made it longer). */
  async edit(conversationKey: string, messageId: string, text: string): Promise<void> {
    const target = this.#target(conversationKey);
    const html = renderTelegramHtml(text);
    const part = splitTelegramHtml(html, MAX_MESSAGE_LENGTH)[0] ?? html;
    const id = messageIdOf(messageId);
    await this.#call("editMessageText", target, async (chatId) => {
      try {
        await this.#api.editMessageText(chatId, id, part, { parse_mode: "HTML" });
      } catch (error) {
        if (notModified(error)) return;
        if (!cannotParseEntities(error)) throw error;
        await this.#api.editMessageText(chatId, id, fitPlain(toPlainText(text), part)).catch((again: unknown) => {
          if (!notModified(again)) throw again;
        });
      }
    });
  }

  async delete(conversationKey: string, messageId: string): Promise<void> {
    const target = this.#target(conversationKey);
    await this.#call("deleteMessage", target, async (chatId) => {
      await this.#api.deleteMessage(chatId, messageIdOf(messageId)).catch((error: unknown) => {
        // Already gone is what we wanted.
        if (!(error instanceof Error && /message to delete not found/i.test(error.message))) throw error;
      });
    });
  }

  /** Shows "typing…" (for about 5 s) in the chat or topic. */
  async typing(conversationKey: string): Promise<void> {
    const target = this.#target(conversationKey);
    await this.#call("sendChatAction", target, (chatId) =>
      this.#api.sendChatAction(chatId, "typing", threadOf(target)),
    );
  }

  #target(conversationKey: string): TelegramTarget {
    const target = targetOf(conversationKey);
    const chatId = this.#migrated.get(target.chatId) ?? target.chatId;
    if (this.#blocked.has(chatId)) throw new ChannelError("PERMANENT", `chat ${chatId} blocked or removed the bot`);
    return { ...target, chatId };
  }

  /** One API call, sent once more to the new chat id when the group was upgraded to a supergroup. */
  async #call<T>(method: string, target: TelegramTarget, call: (chatId: number) => Promise<T>): Promise<T> {
    try {
      return await call(target.chatId);
    } catch (error) {
      const moved = migratedTo(error);
      if (moved === undefined) throw this.#failure(error, method, target.chatId);
      this.#logger.warn({ from: target.chatId, to: moved }, "Telegram group was upgraded to a supergroup");
      this.#migrated.set(target.chatId, moved);
      this.#onMoved(conversationKeyOf({ chatId: target.chatId }), conversationKeyOf({ chatId: moved }));
      try {
        return await call(moved);
      } catch (again) {
        throw this.#failure(again, method, moved);
      }
    }
  }

  #failure(error: unknown, method: string, chatId: number): ChannelError {
    if (chatUnreachable(error)) {
      this.#logger.warn({ chatId, err: error }, "Telegram chat unreachable; not sending there until it writes again");
      this.#blocked.add(chatId);
    }
    return toChannelError(error, method);
  }
}

/** Telegram shows photos up to 10 MB; a larger image goes as a document (up to 50 MB). */
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;
/** The most a bot may upload through the public Bot API. */
export const MAX_UPLOAD_BYTES = 50 * 1024 * 1024;

/** Buttons as an inline keyboard, two a row; a button whose payload is over Telegram's 64 bytes is left out. */
function keyboardOf(buttons: CommandButton[] | undefined) {
  const fitting = (buttons ?? [])
    .map((button) => ({ text: button.label.slice(0, 64), callback_data: `${CALLBACK_PREFIX}${button.command}` }))
    .filter((button) => Buffer.byteLength(button.callback_data) <= 64);
  if (fitting.length === 0) return {};
  const rows = [];
  for (let i = 0; i < fitting.length; i += 2) rows.push(fitting.slice(i, i + 2));
  return { reply_markup: { inline_keyboard: rows } };
}

function threadOf(target: TelegramTarget): { message_thread_id?: number } {
  return target.threadId === undefined ? {} : { message_thread_id: target.threadId };
}

/** Plain text for a message whose HTML did not parse: the Markdown's plain form, else the part's tags removed. */
function fitPlain(plain: string | undefined, html: string): string {
  if (plain !== undefined && plain.trim() !== "" && plain.length <= MAX_MESSAGE_LENGTH) return plain;
  return html
    .replace(/<[^>]*>/g, "")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&amp;/g, "&");
}
