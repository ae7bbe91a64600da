import type { Api } from "grammy";
import type { Update } from "grammy/types";
import type { ChannelHost, InboundMessage } from "../../src/gateway/channel.js";
import { AcceptError } from "../../src/gateway/channel.js";
import type { TelegramFiles } from "./telegram-files.js";
import type { TelegramSender } from "./telegram-sender.js";
import { type BotIdentity, type FileRef, mapUpdate, type UpdateAction } from "./telegram-updates.js";

/** How long an album waits for its next part, and at most in all. */
const ALBUM_QUIET_MS = 800;
const ALBUM_MAX_MS = 3000;

interface Album {
  message: InboundMessage;
  files: FileRef[];
  startedAt: number;
  timer: NodeJS.Timeout | undefined;
  close: () => void;
  stored: Promise<void>;
}

export interface IntakeOptions {
  host: ChannelHost;
  api: Api;
  bot: BotIdentity;
  files: TelegramFiles;
  sender: TelegramSender;
}

/**
 * From an update to a committed message: one chat (and topic) at a time and in order, chats in
 * parallel; an album's parts gathered into one message; files downloaded before the commit, so what
 * is stored is complete. `receive` resolves once the update is stored (or deliberately dropped) and
 * throws AcceptError when the store refused it, so polling and the webhook let Telegram send it again.
 */
export class TelegramIntake {
  readonly #options: IntakeOptions;
  readonly #chains = new Map<string, Promise<void>>();
  readonly #albums = new Map<string, Album>();

  constructor(options: IntakeOptions) {
    this.#options = options;
  }

  async receive(update: Update): Promise<void> {
    const { host, api, sender } = this.#options;
    let action: UpdateAction;
    try {
      action = mapUpdate(update, this.#options.bot);
    } catch (error) {
      host.logger.error({ err: error, updateId: update.update_id }, "telegram update could not be read; skipped");
      return;
    }
    switch (action.kind) {
      case "ignore":
        host.logger.debug({ updateId: update.update_id, reason: action.reason }, "telegram update ignored");
        return;
      case "blocked":
        sender.block(action.chatId);
        return;
      case "unblocked":
        sender.unblock(action.chatId);
        return;
      case "moved":
        sender.moved(action.from, action.to);
        return this.#inOrder(action.from, () => host.moveConversation(action.from, action.to));
      case "callback": {
        // The press is stored first, so that a refusal (a button that is not theirs) can be the
        // answer's toast, seen by the presser alone; the query is answered whatever happens.
        let refusal: string | undefined;
        const command = action.command;
        try {
          if (command) {
            await this.#inOrder(command.conversationKey, async () => {
              refusal = await this.#press(command);
            });
          }
        } finally {
          await api
            .answerCallbackQuery(action.callbackQueryId, refusal ? { text: refusal.slice(0, 200) } : undefined)
            .catch((error: unknown) => {
              host.logger.warn({ err: error }, "telegram callback query not answered");
            });
        }
        return;
      }
      case "message":
        sender.unblock(Number(action.message.chat?.id));
        if (action.mediaGroupId) return this.#album(action.mediaGroupId, action.message, action.files);
        return this.#inOrder(action.message.conversationKey, () => this.#acceptWithFiles(action.message, action.files));
    }
  }

  /** Stores every album still gathering (on shutdown). */
  async flush(): Promise<void> {
    const albums = [...this.#albums.values()];
    for (const album of albums) album.close();
    await Promise.allSettled(albums.map((album) => album.stored));
  }

  #album(id: string, part: InboundMessage, files: FileRef[]): Promise<void> {
    const existing = this.#albums.get(id);
    if (existing) {
      existing.files.push(...files);
      existing.message = merge(existing.message, part);
      this.#schedule(existing);
      return existing.stored;
    }
    let close = () => {};
    const closed = new Promise<void>((resolve) => {
      close = resolve;
    });
    const album: Album = {
      message: part,
      files: [...files],
      startedAt: Date.now(),
      timer: undefined,
      close,
      stored: Promise.resolve(),
    };
    // Queued in the chat's order now, so a message sent after the album waits behind it.
    album.stored = this.#inOrder(part.conversationKey, async () => {
      await closed;
      this.#albums.delete(id);
      await this.#acceptWithFiles(album.message, album.files);
    });
    this.#albums.set(id, album);
    this.#schedule(album);
    return album.stored;
  }

  #schedule(album: Album): void {
    clearTimeout(album.timer);
    const wait = Math.min(ALBUM_QUIET_MS, Math.max(0, album.startedAt + ALBUM_MAX_MS - Date.now()));
    album.timer = setTimeout(album.close, wait);
  }

  async #acceptWithFiles(message: InboundMessage, refs: FileRef[]): Promise<void> {
    const { attachments, notices } =
      refs.length > 0 ? await this.#options.files.fetch(refs) : { attachments: [], notices: [] };
    const accepted = await this.#accept(attachments.length > 0 ? { ...message, attachments } : message);
    if (accepted && notices.length > 0) {
      await this.#options.sender
        .send({
          conversationKey: message.conversationKey,
          text: notices.join("\n"),
          ...(message.platformMessageId ? { replyToMessageId: message.platformMessageId } : {}),
        })
        .catch((error: unknown) => this.#options.host.logger.warn({ err: error }, "file notice not sent"));
    }
  }

  /** A button press: the refusal to show the presser when it was not theirs to press. */
  async #press(message: InboundMessage): Promise<string | undefined> {
    try {
      const result = await this.#options.host.accept(message);
      return result.status === "forbidden" ? result.reply : undefined;
    } catch (error) {
      if (error instanceof AcceptError) throw error;
      this.#options.host.logger.error({ err: error, conversation: message.conversationKey }, "telegram press dropped");
      return undefined;
    }
  }

  /** True when the message was taken as a prompt. AcceptError propagates; any other failure is logged and dropped. */
  async #accept(message: InboundMessage): Promise<boolean> {
    try {
      const result = await this.#options.host.accept(message);
      return result.status === "accepted";
    } catch (error) {
      if (error instanceof AcceptError) throw error;
      this.#options.host.logger.error(
        { err: error, conversation: message.conversationKey },
        "telegram message dropped",
      );
      return false;
    }
  }

  #inOrder(key: string, task: () => Promise<void>): Promise<void> {
    const previous = this.#chains.get(key) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(task);
    this.#chains.set(key, next);
    const forget = () => {
      if (this.#chains.get(key) === next) this.#chains.delete(key);
    };
    next.then(forget, forget);
    return next;
  }
}

/** An album part joins the message: its caption if the album has none yet, and its delivery keys. */
function merge(album: InboundMessage, part: InboundMessage): InboundMessage {
  return {
    ...album,
    text: album.text.trim() === "" ? part.text : album.text,
    addressed: album.addressed || part.addressed,
    deliveryKeys: [...album.deliveryKeys, ...part.deliveryKeys],
  };
}
